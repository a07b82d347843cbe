import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DeploymentError,
  destroy,
  type EngineOptions,
  preview,
  readState,
  refresh,
  type Summary,
  up,
} from "../../harness/engine";
import { startWalletCrewSandbox, type WalletCrewSandbox } from "../../sandbox/walletcrew";
import { WalletCrewClient } from "../../sdk/walletcrew";
import { recordFigure } from "../support/report";
import { findLeak, leakHits, readTree } from "../support/leaks";
import { clockShiftedBy } from "../support/clockShift";

const PROGRAM = path.resolve(__dirname, "..", "fixtures", "walletcrew");
const TYPE = "pulumi-nodejs:dynamic/walletcrew:TenantSecret";
const KEY = "canary-engine-apikey-demo-6d21";
const EU_KEY = "canary-engine-apikey-eu-0e77";
const READ_ONLY_KEY = "canary-engine-apikey-readonly-4c4c";
const VALUE = "canary-engine-value-one-a1b2";
const VALUE_2 = "canary-engine-value-two-c3d4";
const DRIFTED = "canary-engine-drifted-e5f6";
const HOUR = 3_600_000;

const dir = mkdtempSync(path.join(tmpdir(), "wc-engine-"));
let sandboxNow = Date.now();
let sandbox: WalletCrewSandbox;
const sandboxLog: string[] = [];
const hostLog: string[] = [];
const engineLog: string[] = [];
const errors: string[] = [];

/** One stack of the fixture program against the in-process sandbox. */
function stack(name: string) {
  const stateFile = path.join(dir, name, "state.json");
  const options = (knobs: Record<string, string>, extra: Partial<EngineOptions>): EngineOptions => ({
    programDir: PROGRAM,
    stateFile,
    config: { "walletcrew:apiKey": KEY },
    env: { WALLETCREW_BASE_URL: sandbox.baseUrl, WALLETCREW_TENANT_ID: "demo", ...knobs },
    log: (line) => engineLog.push(line),
    hostLog: (line) => hostLog.push(line),
    ...extra,
  });
  const run = async (
    command: typeof up,
    knobs: Record<string, string> = {},
    extra: Partial<EngineOptions> = {},
  ): Promise<Summary> => command(options(knobs, extra));
  const fail = async (
    command: typeof up,
    knobs: Record<string, string> = {},
    extra: Partial<EngineOptions> = {},
  ) => {
    try {
      await command(options(knobs, extra));
    } catch (error) {
      expect(error).toBeInstanceOf(DeploymentError);
      const summary = (error as DeploymentError).summary;
      errors.push((error as Error).message, ...summary.failures);
      return { message: [(error as Error).message, ...summary.failures].join("\n"), summary };
    }
    throw new Error("expected the command to fail");
  };
  return { stateFile, run, fail, state: () => readState(stateFile) };
}

function client(tenantId = "demo", apiKey = KEY): WalletCrewClient {
  return new WalletCrewClient({ baseUrl: sandbox.baseUrl, apiKey, tenantId, rateLimit: false });
}

function keysOf(tenantId: string): string[] {
  return sandbox.secrets(tenantId).map((s) => s.key);
}

beforeAll(async () => {
  sandbox = await startWalletCrewSandbox({
    dataDir: path.join(dir, "sandbox"),
    clock: () => sandboxNow,
    log: (line) => sandboxLog.push(line),
    tenants: [
      {
        id: "demo",
        keys: [
          { key: KEY, scopes: ["Secret.Read", "Secret.Write"] },
          { key: READ_ONLY_KEY, scopes: ["Secret.Read"] },
        ],
      },
      { id: "demo-eu", keys: [{ key: EU_KEY, scopes: ["Secret.Read", "Secret.Write"] }] },
    ],
  });
});

afterAll(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("TenantSecret through the engine and the real provider host", () => {
  const life = stack("life");

  it("previews the first up without a single request to the API", async () => {
    const before = sandbox.stats().total;
    const summary = await life.run(preview, {
      WC_VALUE: VALUE,
      WC_EU_TENANT: "demo-eu",
      WC_EU_API_KEY: EU_KEY,
    });
    expect(summary).toMatchObject({ created: 2, failed: 0 });
    expect(sandbox.stats().total).toBe(before);
  });

  it("creates the secrets of two tenants on the first up, and the lookup sees the empty tenant", async () => {
    const summary = await life.run(up, {
      WC_VALUE: VALUE,
      WC_EU_TENANT: "demo-eu",
      WC_EU_API_KEY: EU_KEY,
      WC_LOOKUP: "1",
    });
    expect(summary).toMatchObject({ created: 2, failed: 0 });
    expect(summary.outputs).toMatchObject({
      primaryId: "demo/app-signing-key",
      primaryTenant: "demo",
      primaryExpired: false,
      primaryValue: "[secret]",
      euId: "demo-eu/app-signing-key",
      keysAtStart: [],
    });
    expect(await client().retrieve("app-signing-key")).toBe(VALUE);
    expect(await client("demo-eu", EU_KEY).retrieve("app-signing-key")).toBe(`${VALUE}-eu`);
  });

  it("changes nothing on a second up", async () => {
    const summary = await life.run(up, { WC_VALUE: VALUE, WC_EU_TENANT: "demo-eu", WC_EU_API_KEY: EU_KEY });
    expect(summary).toMatchObject({ created: 0, updated: 0, replaced: 0, deleted: 0, unchanged: 2 });
  });

  it("updates a changed value in place instead of replacing it, and drops the second tenant's secret", async () => {
    const summary = await life.run(up, { WC_VALUE: VALUE_2 });
    expect(summary).toMatchObject({ updated: 1, replaced: 0, created: 0, deleted: 1 });
    expect(await client().retrieve("app-signing-key")).toBe(VALUE_2);
    expect(keysOf("demo-eu")).toEqual([]);
  });

  it("shows a value changed behind Pulumi's back on refresh, and the next up restores it", async () => {
    await client().put("app-signing-key", { value: DRIFTED });
    const refreshed = await life.run(refresh, { WC_VALUE: VALUE_2 });
    expect(refreshed).toMatchObject({ drifted: 1, dropped: 0 });
    const state = await life.state();
    expect(state.resources.find((r) => r.name === "primary")?.outputs.value).toBe(DRIFTED);
    const restored = await life.run(up, { WC_VALUE: VALUE_2 });
    expect(restored).toMatchObject({ updated: 1, replaced: 0, created: 0 });
    expect(await client().retrieve("app-signing-key")).toBe(VALUE_2);
  });

  it("creates the new key before deleting the old one when the key changes", async () => {
    const from = sandboxLog.length;
    const summary = await life.run(up, { WC_VALUE: VALUE_2, WC_KEY: "app-signing-key-2" });
    expect(summary).toMatchObject({ replaced: 1, failed: 0 });
    const writes = sandboxLog.slice(from).filter((line) => /^(PUT|DELETE) .* 204 /.test(line));
    expect(writes.map((line) => line.split(" ")[0])).toEqual(["PUT", "DELETE"]);
    expect(keysOf("demo")).toEqual(["app-signing-key-2"]);
    expect(await client().retrieve("app-signing-key-2")).toBe(VALUE_2);
  });

  it("leaves the tenant empty on destroy", async () => {
    const summary = await life.run(destroy, { WC_VALUE: VALUE_2, WC_KEY: "app-signing-key-2" });
    expect(summary).toMatchObject({ deleted: 1, failed: 0 });
    expect(keysOf("demo")).toEqual([]);
    expect((await life.state()).resources.filter((r) => r.type === TYPE)).toEqual([]);
  });
});

describe("TenantSecret and keys that already exist", () => {
  const adopt = stack("adopt");

  it("does not overwrite an existing key without adopt: true, and says how to take it over", async () => {
    await client().put("existing-key", { value: "theirs" });
    const { message, summary } = await adopt.fail(up, { WC_KEY: "existing-key", WC_VALUE: VALUE });
    expect(summary.created).toBe(0);
    expect(message).toContain("existing-key already exists in tenant demo");
    expect(message).toContain("adopt: true");
    expect(message).toContain("import");
    expect(await client().retrieve("existing-key")).toBe("theirs");
  });

  it("takes it over with adopt: true", async () => {
    const summary = await adopt.run(up, { WC_KEY: "existing-key", WC_VALUE: VALUE, WC_ADOPT: "1" });
    expect(summary).toMatchObject({ created: 1, failed: 0 });
    expect(await client().retrieve("existing-key")).toBe(VALUE);
    await adopt.run(destroy, { WC_KEY: "existing-key", WC_VALUE: VALUE, WC_ADOPT: "1" });
    expect(keysOf("demo")).toEqual([]);
  });

  it("adopts it unchanged with the import resource option", async () => {
    await client().put("imported-key", { value: VALUE });
    const knobs = { WC_KEY: "imported-key", WC_VALUE: VALUE, WC_IMPORT: "demo/imported-key" };
    const summary = await stack("import").run(up, knobs);
    expect(summary).toMatchObject({ imported: 1, failed: 0 });
    expect(await client().retrieve("imported-key")).toBe(VALUE);
    await stack("import").run(destroy, knobs);
  });
});

describe("TenantSecret after its expiry", () => {
  const expiring = stack("expiring");
  const expiresOn = new Date(Date.now() + HOUR).toISOString();
  const later = clockShiftedBy(2 * HOUR);

  it("does not recreate an expired secret across two ups, and refresh keeps it as expired", async () => {
    expect(await expiring.run(up, { WC_KEY: "expiring-key", WC_EXPIRES_ON: expiresOn })).toMatchObject({
      created: 1,
    });
    sandboxNow += 2 * HOUR;
    await expect(client().retrieve("expiring-key")).rejects.toThrow(/404/);
    const knobs = { WC_KEY: "expiring-key", WC_EXPIRES_ON: expiresOn, ...later };
    expect(await expiring.run(up, knobs)).toMatchObject({ created: 0, replaced: 0, unchanged: 1, failed: 0 });
    const refreshed = await expiring.run(refresh, knobs);
    expect(refreshed).toMatchObject({ dropped: 0, failed: 0 });
    const state = await expiring.state();
    expect(state.resources.find((r) => r.name === "primary")?.outputs.expired).toBe(true);
    let writes = 0;
    for (let i = 0; i < 2; i++) {
      const summary = await expiring.run(up, knobs);
      writes += summary.created + summary.replaced + summary.updated;
      expect(summary).toMatchObject({ created: 0, replaced: 0, updated: 0, failed: 0 });
    }
    recordFigure({
      section: "State safety",
      case: "walletcrew.TenantSecret: two ups after its expiry",
      measure: "creates, replaces and updates",
      value: writes,
      target: "0",
      ok: writes === 0,
    });
    expect(keysOf("demo")).toEqual(["expiring-key"]);
  });

  it("fails at check for a new expiresOn in the past, without a request", async () => {
    const before = sandbox.stats().total;
    const past = new Date(Date.now() - HOUR).toISOString();
    const { message } = await expiring.fail(up, { WC_KEY: "expiring-key", WC_EXPIRES_ON: past, ...later });
    expect(message).toContain("expiresOn");
    expect(message).toContain("in the past");
    expect(sandbox.stats().total).toBe(before);
  });

  it("updates it in place when given a new future expiresOn", async () => {
    const renewed = new Date(Date.now() + 5 * HOUR).toISOString();
    const summary = await expiring.run(up, { WC_KEY: "expiring-key", WC_EXPIRES_ON: renewed, ...later });
    expect(summary).toMatchObject({ updated: 1, created: 0, replaced: 0 });
    expect(summary.outputs.primaryExpired).toBe(false);
    expect(await client().retrieve("expiring-key")).toBe("fixture-value-1");
    await expiring.run(destroy, { WC_KEY: "expiring-key", WC_EXPIRES_ON: renewed, ...later });
  });
});

describe("TenantSecret errors name what to fix", () => {
  const broken = stack("broken");

  it("a rejected API key names walletcrew:apiKey and WALLETCREW_API_KEY", async () => {
    const wrong = "canary-engine-wrong-apikey-9a9a";
    const { message } = await broken.fail(up, {}, { config: { "walletcrew:apiKey": wrong } });
    expect(message).toContain("401");
    expect(message).toContain("walletcrew:apiKey");
    expect(message).toContain("WALLETCREW_API_KEY");
    expect(findLeak(message, [wrong])).toBeUndefined();
  });

  it("a key of another tenant gives a 403 that says keys work for one tenant only", async () => {
    const { message } = await broken.fail(up, {}, { config: { "walletcrew:apiKey": EU_KEY } });
    expect(message).toContain("403");
    expect(message).toContain("another tenant");
    expect(message).toContain("one tenant only");
  });

  it("a key without the Secret.Write scope gives a 403 that names the scope", async () => {
    const { message } = await broken.fail(up, {}, { config: { "walletcrew:apiKey": READ_ONLY_KEY } });
    expect(message).toContain("403");
    expect(message).toContain("Secret.Write");
    expect(keysOf("demo")).toEqual([]);
  });

  it("a bad key fails at check with the property named and no request sent", async () => {
    const before = sandbox.stats().total;
    const { message } = await broken.fail(up, { WC_KEY: "bad/key" });
    expect(message).toContain("key");
    expect(message).toContain("letters, digits");
    expect(sandbox.stats().total).toBe(before);
  });

  it("an empty tenant setting fails at check naming where it came from, never falling through", async () => {
    const { message } = await broken.fail(up, { WALLETCREW_TENANT_ID: "" });
    expect(message).toContain(
      "tenantId: The Wallet Crew tenant id is set but empty in environment variable WALLETCREW_TENANT_ID",
    );
    expect(message).toContain("unset WALLETCREW_TENANT_ID");
  });
});

describe("TenantSecret canaries", () => {
  const canaries = [KEY, EU_KEY, READ_ONLY_KEY, VALUE, VALUE_2, DRIFTED];

  it("never leak into __provider, non-secret outputs, errors, host output, sandbox logs or data files", async () => {
    const state = await stack("life").state();
    const stateText = readFileSync(stack("life").stateFile, "utf8");
    expect(findLeak(stateText, canaries)).toBeUndefined();
    const adopted = await stack("expiring").state();
    for (const resource of [...state.resources, ...adopted.resources]) {
      const providerText = String(resource.outputs.__provider ?? resource.inputs.__provider ?? "");
      expect(providerText.length).toBeLessThan(400);
      expect(providerText).toContain("pulumi-secretstack/providers/walletcrew/tenantSecret.provider");
      const secret = new Set([
        ...(resource.secretOutputs ?? []),
        ...(resource.additionalSecretOutputs ?? []),
      ]);
      const plain = Object.fromEntries(Object.entries(resource.outputs).filter(([k]) => !secret.has(k)));
      expect(findLeak(JSON.stringify(plain), canaries)).toBeUndefined();
    }
    const places = [errors, hostLog, engineLog, sandboxLog].map((lines) =>
      leakHits(lines.join("\n"), canaries),
    );
    const leaks =
      places.flat().length +
      leakHits(stateText, canaries).length +
      leakHits(readTree(path.join(dir, "sandbox")), canaries).length;
    recordFigure({
      section: "Secrecy",
      case: "walletcrew.TenantSecret: canary API keys and values through a stack's life",
      measure: "leaks in state, errors, host output, logs and sandbox files",
      value: leaks,
      target: "0",
      ok: leaks === 0,
    });
    expect(findLeak(errors.join("\n"), canaries)).toBeUndefined();
    expect(findLeak(hostLog.join("\n"), canaries)).toBeUndefined();
    expect(findLeak(engineLog.join("\n"), canaries)).toBeUndefined();
    expect(findLeak(sandboxLog.join("\n"), canaries)).toBeUndefined();
    expect(findLeak(readTree(path.join(dir, "sandbox")), canaries)).toBeUndefined();
  });
});
