/**
 * Of N concurrent creates of one Wallet Crew key in one host process (a stack whose duplicate slipped past
 * the program, or two resources racing), exactly one succeeds: the PUT is an upsert, so without the kit's
 * one-create-per-key rule every one of them would be "created" and overwrite the others.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import provider from "../../provider/walletcrew/tenantSecret.provider";
import { startWalletCrewSandbox, type WalletCrewSandbox } from "../../sandbox/walletcrew";
import { canary } from "../support/leaks";

const KEY = canary("concurrent-key");
let sandbox: WalletCrewSandbox;
const saved = { ...process.env };

beforeAll(async () => {
  sandbox = await startWalletCrewSandbox({
    tenants: [{ id: "demo", keys: [{ key: KEY, scopes: ["Secret.Read", "Secret.Write"] }] }],
  });
  process.env.WALLETCREW_API_KEY = KEY;
  process.env.WALLETCREW_BASE_URL = sandbox.baseUrl;
  process.env.WALLETCREW_TENANT_ID = "demo";
  await provider.configure({ config: { get: () => undefined } });
});
afterAll(async () => {
  for (const key of ["WALLETCREW_API_KEY", "WALLETCREW_BASE_URL", "WALLETCREW_TENANT_ID"]) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
  await sandbox?.close();
});

it("lets exactly one of eight concurrent creates of one key succeed; the others name the existing id", async () => {
  const values = Array.from({ length: 8 }, (_, i) => canary(`racer-${i}`));
  const inputs = await Promise.all(
    values.map(async (value) => {
      const result = await provider.check({}, { key: "raced-key", value });
      expect(result.failures).toBeUndefined();
      return result.inputs as Record<string, unknown>;
    }),
  );
  const outcomes = await Promise.allSettled(inputs.map((news) => provider.create(news)));
  const created = outcomes.filter((o) => o.status === "fulfilled");
  const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
  expect(created).toHaveLength(1);
  expect(refused).toHaveLength(7);
  for (const { reason } of refused) {
    expect(String((reason as Error).message)).toContain(
      "the key raced-key already exists in tenant demo (id demo/raced-key)",
    );
  }
  // The one that succeeded is the value the tenant holds.
  const winner = values[outcomes.findIndex((o) => o.status === "fulfilled")];
  const stored = await fetch(`${sandbox.baseUrl}/api/demo/secrets/raced-key`, {
    headers: { "X-API-KEY": KEY },
  });
  expect(await stored.json()).toBe(winner);
  for (const { reason } of refused) {
    for (const value of values) expect(String((reason as Error).message)).not.toContain(value);
  }
});
