/**
 * The provider the plugin serves, called in this process as its gRPC server calls it, against a sandbox on
 * loopback: secrets arrive wrapped and go back wrapped, the configuration reaches the kit's settings under the
 * provider's keys, and the diff names the change of each property.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordedConfig } from "../../provider/kit/config";
import { SecretstackProvider } from "../../provider/plugin/provider";
import { isSecret, secret } from "../../provider/plugin/secrets";
import { canary } from "../support/leaks";
import { withSandbox } from "../support/sandbox";

const urn = (token: string, name: string) => `urn:pulumi:test::plugin::${token}::${name}`;
const TENANT = urn("secretstack:walletcrew:TenantSecret", "tenant");
const GENERIC = urn("secretstack:tensordock:GenericSecret", "generic");
const LIST = urn("secretstack:netactuate:SecretList", "list");

const provider = new SecretstackProvider("0.0.0-test", async () => "{}");
const sandbox = withSandbox();

/** The provider's configuration as the engine sends it for a sandbox: `secretstack:config:<key>` variables. */
function configOf(): Map<string, string> {
  const { sandbox: s } = sandbox.current;
  return new Map([
    ["secretstack:config:tensordockApiToken", s.tensordock.apiToken],
    ["secretstack:config:tensordockBaseUrl", s.tensordock.baseUrl],
    ["secretstack:config:walletcrewApiKey", s.walletcrew.apiKey],
    ["secretstack:config:walletcrewBaseUrl", s.walletcrew.baseUrl],
    ["secretstack:config:walletcrewTenantId", s.walletcrew.tenantId],
    ["secretstack:config:netactuateApiKey", s.netactuate.apiKey],
    ["secretstack:config:netactuateBaseUrl", s.netactuate.baseUrl],
  ]);
}

beforeAll(async () => {
  await provider.configure(configOf());
  expect(recordedConfig("tensordock:apiToken")).toBe(sandbox.current.sandbox.tensordock.apiToken);
});
afterAll(async () => {
  // The recorded config is the process's: leave none behind for other tests of this worker.
  await provider.configure(new Map());
  expect(recordedConfig("tensordock:apiToken")).toBeUndefined();
});

describe("the plugin's provider", () => {
  it("unwraps secret inputs for the kit and returns the secret arguments wrapped, from check to read", async () => {
    const value = canary("plugin");
    const checked = await provider.check(TENANT, {}, { key: "PLUGIN_KEY", value: secret(value) });
    expect(checked.failures).toBeUndefined();
    const inputs = checked.inputs as Record<string, unknown>;
    // The tenant came from secretstack:walletcrewTenantId; the value is still a secret.
    expect(inputs.tenantId).toBe("demo");
    expect(isSecret(inputs.value)).toBe(true);

    const created = await provider.create(TENANT, inputs);
    expect(created.id).toBe("demo/PLUGIN_KEY");
    const outs = created.outs as Record<string, unknown>;
    expect(isSecret(outs.value)).toBe(true);
    expect(JSON.stringify(outs.value)).toContain(value);
    expect(await sandbox.current.clients.walletcrew.demo?.retrieve("PLUGIN_KEY")).toBe(value);

    const refreshed = await provider.read(created.id, TENANT, outs);
    expect(refreshed.id).toBe(created.id);
    expect(isSecret((refreshed.props as Record<string, unknown>).value)).toBe(true);
    expect(isSecret((refreshed.inputs as Record<string, unknown>).value)).toBe(true);

    // An import reads by id alone, and its inputs (what `pulumi import` writes into code) keep the value secret.
    const imported = await provider.read(created.id, TENANT, {});
    expect((imported.inputs as Record<string, unknown>).key).toBe("PLUGIN_KEY");
    expect(isSecret((imported.inputs as Record<string, unknown>).value)).toBe(true);

    await provider.delete(created.id, TENANT, outs);
    expect(await sandbox.current.clients.walletcrew.demo?.list()).toEqual([]);
  });

  it("keeps an argument secret that the program marked secret, though the class does not", async () => {
    const checked = await provider.check(LIST, {}, { name: secret("secret-name") });
    expect(isSecret((checked.inputs as Record<string, unknown>).name)).toBe(true);
    const created = await provider.create(LIST, checked.inputs as Record<string, unknown>);
    expect(isSecret((created.outs as Record<string, unknown>).name)).toBe(true);
    await provider.delete(created.id, LIST, created.outs as Record<string, unknown>);
  });

  it("names each changed property in the diff, with replace or update as its rule decides", async () => {
    const stored = { name: "app-token", value: secret("one"), secretType: "GENERIC", schemaVersion: 1 };
    const renamed = await provider.diff("id-1", GENERIC, stored, {
      name: "app-token-2",
      value: secret("one"),
      secretType: "GENERIC",
    });
    expect(renamed).toEqual({
      changes: true,
      replaces: ["name"],
      deleteBeforeReplace: false,
      detailedDiff: { name: "update-replace" },
    });
    const connected = await provider.diff("id-1", GENERIC, stored, {
      name: "app-token",
      value: secret("one"),
      secretType: "GENERIC",
      connection: secret({ baseUrl: "http://127.0.0.1:1" }),
    });
    expect(connected).toMatchObject({ changes: true, replaces: [], detailedDiff: { connection: "add" } });
    const same = await provider.diff("id-1", GENERIC, stored, {
      name: "app-token",
      value: secret("one"),
      secretType: "GENERIC",
    });
    expect(same).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false, detailedDiff: {} });
    const tenantValue = await provider.diff(
      "demo/K",
      TENANT,
      { key: "K", value: secret("a"), tenantId: "demo", adopt: false, expired: false, schemaVersion: 1 },
      { key: "K", value: secret("b"), tenantId: "demo", adopt: false },
    );
    expect(tenantValue.detailedDiff).toEqual({ value: "update" });
    // From valueFrom to a declared value: the same argument, changed in place, not one added.
    const declared = await provider.diff(
      "demo/K",
      TENANT,
      {
        key: "K",
        valueFrom: { env: "SOME_VARIABLE" },
        valueFingerprint: "scrypt-v1:salt:print",
        tenantId: "demo",
        adopt: false,
        expired: false,
        schemaVersion: 1,
      },
      { key: "K", value: secret("b"), tenantId: "demo", adopt: false },
    );
    expect(declared).toMatchObject({ changes: true, replaces: [], detailedDiff: { value: "update" } });
  });

  it("reads its settings in every form the engine sends them: by key, secretstack:config:<key>, secretstack:<key>", async () => {
    try {
      for (const key of [
        "tensordockBaseUrl",
        "secretstack:config:tensordockBaseUrl",
        "secretstack:tensordockBaseUrl",
      ]) {
        await provider.configure(new Map([[key, "http://127.0.0.1:9/api/v2"]]));
        expect(recordedConfig("tensordock:baseUrl")).toBe("http://127.0.0.1:9/api/v2");
        // A setting absent from the new configuration is forgotten, not kept from the last one.
        expect(recordedConfig("tensordock:apiToken")).toBeUndefined();
      }
    } finally {
      await provider.configure(configOf());
    }
  });

  it("names the provider's own config keys when a setting is missing", async () => {
    await provider.configure(new Map());
    try {
      const checked = await provider.check(TENANT, {}, { key: "K", value: secret("v") });
      const reasons = (checked.failures ?? []).map((f) => f.reason).join("\n");
      expect(reasons).toContain("secretstack:walletcrewTenantId");
      expect(reasons).not.toMatch(/(?<![\w:])walletcrew:tenantId/);
    } finally {
      await provider.configure(configOf());
    }
  });

  it("refuses an unknown config key, naming the closest one, and never replaces itself on a new setting", () => {
    expect(provider.checkConfig({ tensordockApiTokn: "x", version: "1.0.0" }).failures).toEqual([
      {
        property: "tensordockApiTokn",
        reason:
          "secretstack:tensordockApiTokn is not a setting of the secretstack provider; did you mean " +
          "secretstack:tensordockApiToken?",
      },
    ]);
    expect(
      provider.checkConfig({ tensordockApiToken: secret("t"), netactuateAuthStyle: "bearer" }).failures,
    ).toEqual([]);
    expect(
      provider.diffConfig({ tensordockApiToken: secret("a") }, { tensordockApiToken: secret("b") }),
    ).toEqual({
      changes: true,
      diffs: ["tensordockApiToken"],
    });
    expect(provider.diffConfig({ walletcrewTenantId: "demo" }, { walletcrewTenantId: "demo" }).changes).toBe(
      false,
    );
  });

  it("refuses a type it does not serve, naming the ones it does", async () => {
    await expect(provider.check(urn("secretstack:tensordock:Instance", "x"), {}, {})).rejects.toThrow(
      /unknown resource type secretstack:tensordock:Instance: the secretstack provider serves secretstack:tensordock:SshKey/,
    );
  });
});
