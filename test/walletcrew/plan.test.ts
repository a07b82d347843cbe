import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SCHEMA_VERSION, UNKNOWN } from "../../provider/kit";
import provider from "../../provider/walletcrew/tenantSecret.provider";
import { type Inputs, type Outputs, parseId, upgrade } from "../../provider/walletcrew/schema";

const NOW = Date.parse("2030-06-01T00:00:00Z");
const FUTURE = "2031-01-01T00:00:00Z";
const PAST = "2030-01-01T00:00:00Z";

function outputs(over: Partial<Outputs> = {}): Outputs {
  return {
    key: "signing-key",
    value: "v1",
    tenantId: "demo",
    adopt: false,
    expired: false,
    schemaVersion: SCHEMA_VERSION,
    ...over,
  };
}

function inputs(over: Partial<Inputs> = {}): Inputs {
  return { key: "signing-key", value: "v1", tenantId: "demo", adopt: false, ...over };
}

/** The provider's check with its clock at `now` (Date.now, the seam the provider reads). */
async function checkInputs(olds: Record<string, unknown>, news: Record<string, unknown>, now: number) {
  vi.spyOn(Date, "now").mockReturnValue(now);
  try {
    return await provider.check(olds, news);
  } finally {
    vi.restoreAllMocks();
  }
}

/** The provider's diff of stored outputs against checked inputs. */
function diffOutputs(olds: Outputs, news: Inputs) {
  return provider.diff(`${olds.tenantId}/${olds.key}`, olds, news);
}

describe("TenantSecret check", async () => {
  beforeEach(async () => {
    delete process.env.WALLETCREW_TENANT_ID;
    await provider.configure({ config: { get: () => undefined } });
  });
  afterEach(() => {
    delete process.env.WALLETCREW_TENANT_ID;
  });

  it("normalizes inputs, resolving the tenant and defaulting adopt to false", async () => {
    const result = await checkInputs({}, { key: "k", value: "v", tenantId: "demo", __provider: "x" }, NOW);
    expect(result).toEqual({ inputs: { key: "k", value: "v", tenantId: "demo", adopt: false } });
  });

  it("resolves the tenant from connection.tenantId, then the environment", async () => {
    expect(
      (await checkInputs({}, { key: "k", value: "v", connection: { tenantId: "eu" } }, NOW)).inputs?.tenantId,
    ).toBe("eu");
    process.env.WALLETCREW_TENANT_ID = "from-env";
    expect((await checkInputs({}, { key: "k", value: "v" }, NOW)).inputs?.tenantId).toBe("from-env");
    expect((await checkInputs({}, { key: "k", value: "v", tenantId: "arg" }, NOW)).inputs?.tenantId).toBe(
      "arg",
    );
  });

  it("fails with the tenantId property named when no source gives a tenant", async () => {
    const result = await checkInputs({}, { key: "k", value: "v" }, NOW);
    expect(result.failures).toEqual([
      expect.objectContaining({
        property: "tenantId",
        reason: expect.stringContaining("WALLETCREW_TENANT_ID"),
      }),
    ]);
  });

  it.each([["a/b"], ["a..b"], ["with space"], ["nul\u0000"], ["crlf\r\n"], ["k".repeat(129)], [""]])(
    "rejects the key %j naming the key property",
    async (key) => {
      const result = await checkInputs({}, { key, value: "v", tenantId: "demo" }, NOW);
      expect(result.failures?.map((f) => f.property)).toEqual(["key"]);
    },
  );

  it("accepts a 128-character key of letters, digits, '-' and '_'", async () => {
    const key = `Ab-_9${"x".repeat(123)}`;
    expect((await checkInputs({}, { key, value: "v", tenantId: "demo" }, NOW)).inputs?.key).toBe(key);
  });

  it("rejects dates without an offset and says which property", async () => {
    const result = await checkInputs(
      {},
      { key: "k", value: "v", tenantId: "d", expiresOn: "2031-01-01T00:00:00" },
      NOW,
    );
    expect(result.failures).toEqual([expect.objectContaining({ property: "expiresOn" })]);
  });

  it("rejects notBefore at or after expiresOn", async () => {
    const result = await checkInputs(
      {},
      { key: "k", value: "v", tenantId: "d", notBefore: FUTURE, expiresOn: FUTURE },
      NOW,
    );
    expect(result.failures).toEqual([{ property: "notBefore", reason: "must be before expiresOn" }]);
  });

  it("rejects a new expiresOn that is already in the past", async () => {
    const result = await checkInputs({}, { key: "k", value: "v", tenantId: "d", expiresOn: PAST }, NOW);
    expect(result.failures?.[0]?.property).toBe("expiresOn");
    expect(result.failures?.[0]?.reason).toContain("already in the past");
  });

  it("keeps accepting an unchanged expiresOn that has passed since the secret was created", async () => {
    const olds = { key: "k", value: "v", tenantId: "d", adopt: false, expiresOn: PAST };
    const result = await checkInputs(
      olds,
      { key: "k", value: "v2", tenantId: "d", expiresOn: "2030-01-01T01:00:00+01:00" },
      NOW,
    );
    expect(result.failures).toBeUndefined();
    expect(result.inputs?.value).toBe("v2");
  });

  it("rejects a past expiresOn for a new key even when the date did not change", async () => {
    const olds = { key: "k", value: "v", tenantId: "d", adopt: false, expiresOn: PAST };
    const result = await checkInputs(olds, { key: "k2", value: "v", tenantId: "d", expiresOn: PAST }, NOW);
    expect(result.failures?.[0]?.property).toBe("expiresOn");
  });

  it("rejects a value over 64 KiB without quoting it", async () => {
    const value = "é".repeat(33_000);
    const result = await checkInputs({}, { key: "k", value, tenantId: "d" }, NOW);
    expect(result.failures?.[0]?.property).toBe("value");
    expect(JSON.stringify(result)).not.toContain("éé");
  });

  it("rejects unknown properties and wrong types", async () => {
    const result = await checkInputs({}, { key: "k", value: 42, tenantId: "d", expireOn: FUTURE }, NOW);
    const text = JSON.stringify(result.failures);
    expect(text).toContain("value");
    expect(text).toContain("expireOn");
  });

  it("lets values still unknown at preview pass", async () => {
    const result = await checkInputs(
      {},
      { key: UNKNOWN, value: UNKNOWN, expiresOn: UNKNOWN, connection: UNKNOWN },
      NOW,
    );
    expect(result.failures).toBeUndefined();
    expect(result.inputs?.tenantId).toBe(UNKNOWN);
  });

  it("never puts a connection's API key into a failure", async () => {
    const result = await checkInputs(
      {},
      { key: "k", value: "v", connection: { apiKey: "canary-key-123", baseUrl: "ftp://x" } },
      NOW,
    );
    expect(JSON.stringify(result.failures)).not.toContain("canary-key-123");
    expect(result.failures?.map((f) => f.property)).toContain("connection.baseUrl");
  });
});

describe("TenantSecret diff", async () => {
  it("reports no change when nothing changed", async () => {
    expect(await diffOutputs(outputs(), inputs())).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it("updates in place when the value, expiresOn or notBefore change", async () => {
    for (const change of [{ value: "v2" }, { expiresOn: FUTURE }, { notBefore: PAST }]) {
      expect(await diffOutputs(outputs(), inputs(change))).toEqual({
        changes: true,
        replaces: [],
        deleteBeforeReplace: false,
      });
    }
  });

  it("sees two spellings of one instant as no change", async () => {
    const result = await diffOutputs(
      outputs({ expiresOn: "2031-01-01T00:00:00Z" }),
      inputs({ expiresOn: "2031-01-01T01:00:00+01:00" }),
    );
    expect(result.changes).toBe(false);
  });

  it("replaces, creating before deleting, when the key or the tenant changes", async () => {
    expect(await diffOutputs(outputs(), inputs({ key: "other" }))).toEqual({
      changes: true,
      replaces: ["key"],
      deleteBeforeReplace: false,
    });
    expect((await diffOutputs(outputs(), inputs({ tenantId: "demo-eu" }))).replaces).toEqual(["tenantId"]);
  });

  it("replaces when the key is unknown at preview", async () => {
    expect((await diffOutputs(outputs(), inputs({ key: UNKNOWN }))).replaces).toEqual(["key"]);
  });

  it("updates but never replaces when only the connection changes", async () => {
    const result = await diffOutputs(
      outputs({ connection: { apiKey: "old" } }),
      inputs({ connection: { apiKey: "new" } }),
    );
    expect(result).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });

  it("ignores a change of adopt alone", async () => {
    expect((await diffOutputs(outputs(), inputs({ adopt: true }))).changes).toBe(false);
  });

  it("keeps an expired secret unchanged when its inputs did not change", async () => {
    expect(
      (await diffOutputs(outputs({ expiresOn: PAST, expired: true }), inputs({ expiresOn: PAST }))).changes,
    ).toBe(false);
  });
});

describe("TenantSecret ids and old state", async () => {
  it("parses <tenantId>/<key> ids and rejects others", async () => {
    expect(parseId("demo/signing-key")).toEqual({ tenantId: "demo", key: "signing-key" });
    expect(parseId("signing-key")).toBeUndefined();
    expect(parseId("demo/a/b")).toBeUndefined();
    expect(parseId("/k")).toBeUndefined();
  });

  it("reads version 0 outputs (no schemaVersion, tenant and key only in the id)", async () => {
    const old = { value: "v", expiresOn: PAST, connection: { baseUrl: "http://127.0.0.1:1" } };
    expect(upgrade(old, "demo/k", NOW)).toEqual({
      key: "k",
      value: "v",
      tenantId: "demo",
      adopt: false,
      expiresOn: PAST,
      connection: { baseUrl: "http://127.0.0.1:1" },
      expired: true,
      schemaVersion: SCHEMA_VERSION,
    });
  });

  it("keeps current outputs as they are", async () => {
    const current = outputs({ notBefore: PAST, expiresOn: FUTURE });
    expect(upgrade({ ...current }, "demo/signing-key", NOW)).toEqual(current);
  });
});
