/**
 * The Wallet Crew reads in one process: a value needs its own GET (drift is in the value), but the key list
 * that tells a deleted secret from an expired one is shared by every read of the operation that needs it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { accountKey, readCoalescer } from "../../provider/kit";
import provider from "../../provider/walletcrew/tenantSecret.provider";
import { startWalletCrewSandbox, type WalletCrewSandbox } from "../../sandbox/walletcrew";
import { WalletCrewClient } from "../../sdk/walletcrew";

const API_KEY = "perf-walletcrew-key-5e1f";
const KEYS = Array.from({ length: 12 }, (_, i) => `perf-key-${i}`);
const LIST = "GET /api/:tenantId/secrets";
const ONE = "GET /api/:tenantId/secrets/:key";

let sandbox: WalletCrewSandbox;
let created: { id: string; outs: Record<string, unknown> }[] = [];

/** What a new host process starts with: nothing fetched yet. */
function newOperation(): void {
  readCoalescer.invalidate(`${accountKey("The Wallet Crew", sandbox.baseUrl, API_KEY)}|demo`);
}

function requests(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [route, byStatus] of Object.entries(sandbox.stats().requests)) {
    out[route] = Object.values(byStatus).reduce((a, b) => a + b, 0);
  }
  return out;
}

function since(before: Record<string, number>): Record<string, number> {
  const after = requests();
  const out: Record<string, number> = {};
  for (const [route, n] of Object.entries(after))
    if (n - (before[route] ?? 0) > 0) out[route] = n - (before[route] ?? 0);
  return out;
}

beforeAll(async () => {
  sandbox = await startWalletCrewSandbox({
    tenants: [{ id: "demo", keys: [{ key: API_KEY, scopes: ["Secret.Read", "Secret.Write"] }] }],
  });
  process.env.WALLETCREW_API_KEY = API_KEY;
  process.env.WALLETCREW_BASE_URL = sandbox.baseUrl;
  process.env.WALLETCREW_TENANT_ID = "demo";
  await provider.configure({ config: { get: () => undefined } });
  created = [];
  for (const key of KEYS) {
    const checked = await provider.check({}, { key, value: `value-of-${key}` });
    const result = await provider.create(checked.inputs as Record<string, unknown>);
    created.push({ id: result.id, outs: result.outs as Record<string, unknown> });
  }
});

afterAll(async () => {
  for (const name of ["WALLETCREW_API_KEY", "WALLETCREW_BASE_URL", "WALLETCREW_TENANT_ID"])
    delete process.env[name];
  await sandbox.close();
});

beforeEach(() => {
  newOperation();
});

describe("TenantSecret reads of one operation", () => {
  it("read each value with its own GET and send no key list while every secret answers", async () => {
    const before = requests();
    const reads = await Promise.all(created.map((c) => provider.read(c.id, c.outs)));
    expect(reads.map((r) => r.id)).toEqual(created.map((c) => c.id));
    expect(since(before)).toEqual({ [ONE]: KEYS.length });
  });

  it("share one key list among the reads of secrets deleted outside Pulumi, and drop every one", async () => {
    const gone = created.slice(0, 8);
    const client = new WalletCrewClient({
      baseUrl: sandbox.baseUrl,
      apiKey: API_KEY,
      tenantId: "demo",
      rateLimit: false,
    });
    for (const c of gone) await client.delete(String(c.outs.key));
    const before = requests();
    const reads = await Promise.all(created.map((c) => provider.read(c.id, c.outs)));
    expect(reads.filter((r) => r.id === "")).toHaveLength(gone.length);
    expect(since(before)).toEqual({ [ONE]: KEYS.length, [LIST]: 1 });
  });

  it("fetch the shared key list again after this process wrote to the tenant", async () => {
    const [first, survivor] = [created[0], created[9]];
    if (first === undefined || survivor === undefined) throw new Error("the fixture lacks its secrets");
    // The first secret is gone (previous test): its read fetches the shared list, which names the survivor.
    expect((await provider.read(first.id, first.outs)).id).toBe("");
    await provider.delete(survivor.id, survivor.outs);
    const before = requests();
    expect((await provider.read(survivor.id, survivor.outs)).id).toBe("");
    expect(since(before)).toEqual({ [ONE]: 1, [LIST]: 1 });
  });
});
