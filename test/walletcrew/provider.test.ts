import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { MissingCredentialError, SCHEMA_VERSION } from "../../provider/kit";
import { WALLETCREW_SETTINGS } from "../../provider/walletcrew/connection";
import { getSecretKeys } from "../../provider/walletcrew/lookups";
import provider from "../../provider/walletcrew/tenantSecret.provider";
import { startWalletCrewSandbox, type WalletCrewSandbox } from "../../sandbox/walletcrew";
import { WalletCrewClient } from "../../sdk/walletcrew";

// Retries wait no real time: every client the provider makes gets a sleep that returns at once.
vi.mock("../../sdk/walletcrew", async (importOriginal) => {
  const sdk = await importOriginal<typeof import("../../sdk/walletcrew")>();
  const { clientWith } = await import("../support/clientWith");
  return { ...sdk, WalletCrewClient: clientWith(sdk.WalletCrewClient, { sleep: async () => undefined }) };
});
import { findLeak } from "../support/leaks";
import { rejection } from "../support/failures";

const KEY = "canary-provider-key-demo-41aa";
const EU_KEY = "canary-provider-key-eu-93bc";
const VALUE = "canary-provider-value-c0ffee";

let now = Date.parse("2030-06-01T00:00:00Z");
let sandbox: WalletCrewSandbox;

const ENV = [
  "WALLETCREW_API_KEY",
  "WALLETCREW_BASE_URL",
  "WALLETCREW_TENANT_ID",
  "WALLETCREW_REQUESTS_PER_MINUTE",
];

function remote(apiKey = KEY, tenantId = "demo") {
  return new WalletCrewClient({ baseUrl: sandbox.baseUrl, apiKey, tenantId, rateLimit: false });
}

async function checked(news: Record<string, unknown>, olds: Record<string, unknown> = {}) {
  const result = await provider.check(olds, news);
  if (result.failures !== undefined) throw new Error(JSON.stringify(result.failures));
  return result.inputs as Record<string, unknown>;
}

beforeAll(async () => {
  sandbox = await startWalletCrewSandbox({
    clock: () => now,
    tenants: [
      { id: "demo", keys: [{ key: KEY, scopes: ["Secret.Read", "Secret.Write"] }] },
      { id: "demo-eu", keys: [{ key: EU_KEY, scopes: ["Secret.Read", "Secret.Write"] }] },
    ],
  });
  // The provider's clock is the test's (a test-side seam: Date.now), so dates in 2030 are "now".
  vi.spyOn(Date, "now").mockImplementation(() => now);
});

afterAll(async () => {
  vi.restoreAllMocks();
  await sandbox.close();
});

beforeEach(async () => {
  process.env.WALLETCREW_API_KEY = KEY;
  process.env.WALLETCREW_BASE_URL = sandbox.baseUrl;
  process.env.WALLETCREW_TENANT_ID = "demo";
  await provider.configure({ config: { get: () => undefined } });
  sandbox.faults.clear();
});

afterEach(() => {
  for (const name of ENV) delete process.env[name];
});

describe("TenantSecret provider", () => {
  it("creates a secret and reports id, tenant, expired and schema version", async () => {
    const news = await checked({ key: "created", value: VALUE, expiresOn: "2031-01-01T00:00:00Z" });
    const result = await provider.create(news);
    expect(result.id).toBe("demo/created");
    expect(result.outs).toEqual({
      key: "created",
      value: VALUE,
      tenantId: "demo",
      adopt: false,
      expiresOn: "2031-01-01T00:00:00Z",
      expired: false,
      schemaVersion: SCHEMA_VERSION,
    });
    expect(await remote().retrieve("created")).toBe(VALUE);
  });

  it("refuses to overwrite a key it does not manage, naming key, tenant, adopt and import", async () => {
    await remote().put("foreign", { value: "theirs" });
    const error = await rejection(provider.create(await checked({ key: "foreign", value: VALUE })));
    expect(error.message).toContain("creating walletcrew:TenantSecret demo/foreign");
    expect(error.message).toContain("adopt: true");
    expect(error.message).toContain('import: "demo/foreign"');
    expect(await remote().retrieve("foreign")).toBe("theirs");
  });

  it("takes an existing key over with adopt: true", async () => {
    await remote().put("adopted", { value: "theirs" });
    const result = await provider.create(await checked({ key: "adopted", value: VALUE, adopt: true }));
    expect(result.outs.adopt).toBe(true);
    expect(await remote().retrieve("adopted")).toBe(VALUE);
  });

  it("also refuses a key that exists but is expired (GET would answer 404)", async () => {
    await remote().put("stale", { value: "old", expiresOn: "2030-05-01T00:00:00Z" });
    const error = await rejection(provider.create(await checked({ key: "stale", value: VALUE })));
    expect(error.message).toContain("already exists in tenant demo");
  });

  it("keeps the secret a PUT stored when every answer was lost: looked up, never deleted", async () => {
    sandbox.faults.dropAfterCommit(4, { method: "PUT" });
    const deletes = () => sandbox.stats().requests["DELETE /api/:tenantId/secrets/:key"]?.["204"] ?? 0;
    const before = deletes();
    const created = await provider.create(await checked({ key: "lost-answer", value: VALUE }));
    expect(created.id).toBe("demo/lost-answer");
    expect(deletes()).toBe(before);
    expect(await remote().retrieve("lost-answer")).toBe(VALUE);
  });

  it("says nothing was created when every PUT failed before the server stored it", async () => {
    sandbox.faults.burst(503, 4, { method: "PUT" });
    const error = await rejection(provider.create(await checked({ key: "failed-create", value: VALUE })));
    expect(error.message).toMatch(
      /^creating walletcrew:TenantSecret demo\/failed-create: nothing was created \(looked again to check\): 503/,
    );
    expect(await remote().list()).not.toContain("failed-create");
    expect(findLeak(error.message, [VALUE, KEY])).toBeUndefined();
  });

  it("never reports success for a lost PUT over a key that already held the same value", async () => {
    await remote().put("same-before", { value: VALUE, expiresOn: "2031-01-01T00:00:00Z" });
    sandbox.faults.burst(503, 4, { method: "PUT" });
    const news = await checked({ key: "same-before", value: VALUE, expiresOn: "2032-01-01T00:00:00Z" });
    const error = await rejection(provider.create(news));
    expect(error.message).toContain("whether this PUT overwrote it cannot be checked");
    expect(error.message).not.toContain("nothing was created");
    expect(sandbox.secrets("demo").find((s) => s.key === "same-before")?.expiresOn).toBe(
      "2031-01-01T00:00:00.000Z",
    );
  });

  it("never says nothing was created when a lost PUT took over a key with adopt: true (not valid yet, so GET answers 404)", async () => {
    await remote().put("adopt-later", { value: "theirs" });
    sandbox.faults.dropAfterCommit(4, { method: "PUT" });
    const news = await checked({
      key: "adopt-later",
      value: VALUE,
      notBefore: "2031-01-01T00:00:00Z",
      adopt: true,
    });
    const error = await rejection(provider.create(news));
    expect(error.message).toContain("whether this PUT overwrote it cannot be checked");
    expect(error.message).toContain("run the update again");
    expect(findLeak(error.message, [VALUE, KEY, "theirs"])).toBeUndefined();
  });

  it("fails with the read's own error, not a refusal, when the existing key cannot be read", async () => {
    await remote().put("unreadable", { value: VALUE });
    sandbox.faults.burst(503, 4, { method: "GET", route: "/api/:tenantId/secrets/:key" });
    const error = await rejection(provider.create(await checked({ key: "unreadable", value: VALUE })));
    expect(error.message).toMatch(
      /^creating walletcrew:TenantSecret demo\/unreadable: 503 from The Wallet Crew GET/,
    );
    expect(error.message).not.toContain("already exists");
  });

  it("reads the value back, so a change made outside Pulumi shows as drift", async () => {
    const created = await provider.create(await checked({ key: "drifting", value: VALUE }));
    await remote().put("drifting", { value: "changed-outside" });
    const read = await provider.read(created.id, created.outs);
    expect(read.id).toBe("demo/drifting");
    expect(read.props.value).toBe("changed-outside");
    expect(read.inputs?.value).toBe("changed-outside");
  });

  it("returns an empty id when the secret was deleted outside Pulumi", async () => {
    const created = await provider.create(await checked({ key: "vanishing", value: VALUE }));
    await remote().delete("vanishing");
    expect((await provider.read(created.id, created.outs)).id).toBe("");
  });

  it("keeps an expired secret with expired: true instead of dropping it", async () => {
    const created = await provider.create(
      await checked({ key: "expiring", value: VALUE, expiresOn: "2030-07-01T00:00:00Z" }),
    );
    const saved = now;
    now = Date.parse("2030-08-01T00:00:00Z");
    try {
      const read = await provider.read(created.id, created.outs);
      expect(read.id).toBe("demo/expiring");
      expect(read.props).toMatchObject({ expired: true, value: VALUE });
      // The next up: same inputs, so check passes and diff plans nothing; no create loop.
      const news = await checked(
        { key: "expiring", value: VALUE, expiresOn: "2030-07-01T00:00:00Z" },
        created.outs,
      );
      expect(await provider.diff(created.id, read.props, news)).toMatchObject({ changes: false });
      // A new future expiry updates it in place and it is valid again.
      const renewed = await checked(
        { key: "expiring", value: VALUE, expiresOn: "2031-01-01T00:00:00Z" },
        created.outs,
      );
      expect(await provider.diff(created.id, read.props, renewed)).toEqual({
        changes: true,
        replaces: [],
        deleteBeforeReplace: false,
      });
      const updated = await provider.update(created.id, read.props, renewed);
      expect(updated.outs.expired).toBe(false);
      expect(await remote().retrieve("expiring")).toBe(VALUE);
    } finally {
      now = saved;
    }
  });

  it("keeps a secret that is not valid yet, using the key list when the clocks disagree", async () => {
    const created = await provider.create(await checked({ key: "early", value: VALUE }));
    // Made not-yet-valid behind the provider's back: its stored outputs know no notBefore.
    await remote().put("early", { value: VALUE, notBefore: "2031-01-01T00:00:00Z" });
    const read = await provider.read(created.id, created.outs);
    expect(read.id).toBe("demo/early");
    expect(read.props.expired).toBe(false);
  });

  it("updates value and validity in place with one PUT", async () => {
    const created = await provider.create(await checked({ key: "updated", value: VALUE }));
    const news = await checked(
      { key: "updated", value: "second", notBefore: "2030-01-01T00:00:00Z" },
      created.outs,
    );
    const result = await provider.update(created.id, created.outs, news);
    expect(result.outs).toMatchObject({ value: "second", notBefore: "2030-01-01T00:00:00Z" });
    expect(await remote().retrieve("updated")).toBe("second");
  });

  it("deletes, and treats an already deleted secret as done", async () => {
    const created = await provider.create(await checked({ key: "deleted", value: VALUE }));
    await provider.delete(created.id, created.outs);
    expect(await remote().list()).not.toContain("deleted");
    await expect(provider.delete(created.id, created.outs)).resolves.toBeUndefined();
  });

  it("works with several tenants through per-resource tenantId and connection", async () => {
    const news = await checked({
      key: "multi",
      value: VALUE,
      tenantId: "demo-eu",
      connection: { apiKey: EU_KEY, baseUrl: sandbox.baseUrl },
    });
    const created = await provider.create(news);
    expect(created.id).toBe("demo-eu/multi");
    expect(await remote(EU_KEY, "demo-eu").retrieve("multi")).toBe(VALUE);
    expect(await remote().list()).not.toContain("multi");
    delete process.env.WALLETCREW_API_KEY;
    expect((await provider.read(created.id, created.outs)).props.value).toBe(VALUE);
    await provider.delete(created.id, created.outs);
    expect(await remote(EU_KEY, "demo-eu").list()).not.toContain("multi");
  });

  it("reads credentials recorded by configure from stack config", async () => {
    delete process.env.WALLETCREW_API_KEY;
    await provider.configure({
      config: { get: (key: string) => (key === "walletcrew:apiKey" ? KEY : undefined) },
    });
    const created = await provider.create(await checked({ key: "configured", value: VALUE }));
    expect(created.id).toBe("demo/configured");
  });

  it("names every place to set a missing API key", async () => {
    delete process.env.WALLETCREW_API_KEY;
    const requests = sandbox.stats().total;
    const error = await rejection(provider.create(await checked({ key: "no-key", value: VALUE })));
    expect(error.message).toContain("walletcrew:apiKey");
    expect(error.message).toContain("WALLETCREW_API_KEY");
    expect(error.message).toContain("connection.apiKey");
    // The missing-credential error itself, with what was being done, and nothing was sent without a key.
    const missing = new MissingCredentialError("The Wallet Crew", WALLETCREW_SETTINGS.apiKey);
    expect(error.message).toBe(`creating walletcrew:TenantSecret demo/no-key: ${missing.message}`);
    expect(sandbox.stats().total).toBe(requests);
  });

  it("explains a key of another tenant with the resource context", async () => {
    const news = await checked({ key: "wrong-tenant", value: VALUE, tenantId: "demo-eu" });
    const error = await rejection(provider.create(news));
    expect(error.message).toMatch(
      /^creating walletcrew:TenantSecret demo-eu\/wrong-tenant: 403 from The Wallet Crew/,
    );
    expect(error.message).toContain("one tenant only");
    expect(findLeak(error.message, [KEY, VALUE])).toBeUndefined();
  });

  it("imports by id from inputs alone, and reads state of schema version 0", async () => {
    await remote().put("imported", { value: "existing" });
    const read = await provider.read("demo/imported", {
      key: "imported",
      value: "declared",
      tenantId: "demo",
    });
    expect(read.props).toMatchObject({ value: "existing", tenantId: "demo", schemaVersion: SCHEMA_VERSION });
    const legacy = { value: "existing" };
    expect((await provider.read("demo/imported", legacy)).props.key).toBe("imported");
    await provider.delete("demo/imported", legacy);
    expect(await remote().list()).not.toContain("imported");
  });

  it("rejects a malformed id on read", async () => {
    const error = await rejection(provider.read("no-slash", {}));
    expect(error.message).toContain("<tenantId>/<key>");
  });

  it("needs no network for check and diff", async () => {
    const stats = sandbox.stats().total;
    const news = await checked({ key: "offline", value: VALUE });
    const olds = { ...news, expired: false, schemaVersion: SCHEMA_VERSION };
    // Each kind of answer diff gives: nothing to do, an update in place, a replacement.
    expect(await provider.diff("demo/offline", olds, news)).toMatchObject({ changes: false });
    const revalued = await checked({ key: "offline", value: "another-value" }, news);
    expect(await provider.diff("demo/offline", olds, revalued)).toMatchObject({
      changes: true,
      replaces: [],
    });
    const renamed = await checked({ key: "offline-renamed", value: VALUE }, news);
    expect(await provider.diff("demo/offline", olds, renamed)).toMatchObject({
      changes: true,
      replaces: ["key"],
    });
    expect(sandbox.stats().total).toBe(stats);
  });
});

describe("getSecretKeys", () => {
  it("lists the keys of a tenant, with the connection given or from the environment", async () => {
    await remote(EU_KEY, "demo-eu").put("looked-up", { value: VALUE });
    const keys = await getSecretKeys({
      tenantId: "demo-eu",
      connection: { apiKey: EU_KEY, baseUrl: sandbox.baseUrl },
    });
    expect(keys).toContain("looked-up");
    expect(await getSecretKeys()).toEqual(await remote().list());
  });

  it("says where to set the tenant when none is given", async () => {
    delete process.env.WALLETCREW_TENANT_ID;
    await expect(getSecretKeys()).rejects.toThrow(/WALLETCREW_TENANT_ID/);
  });

  it("names the tenant and what to fix on a 403, never the key", async () => {
    const error = await rejection(getSecretKeys({ tenantId: "demo-eu" }));
    expect(error.message).toMatch(/^walletcrew.getSecretKeys: tenant demo-eu: 403/);
    expect(findLeak(error.message, [KEY])).toBeUndefined();
  });
});
