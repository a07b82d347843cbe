/**
 * Bad input: every resource's `check` over generated inputs (never throws, every failure names a property,
 * no request leaves the process), and each sandbox API's answers to hostile requests, row by row.
 */
import { Socket } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckResult } from "../../provider/kit";
import { type Sandbox, startSandbox } from "../../sandbox/index";
import { NetActuateClient } from "../../sdk/netactuate";
import { TensorDockClient } from "../../sdk/tensordock";
import { WalletCrewClient } from "../../sdk/walletcrew";
import {
  badInputTables,
  type RowOutcome,
  runRow,
  type TableApi,
  type TableContext,
} from "../support/badRequests";
import { type CheckedResource, checkedResources, secretStrings } from "../support/checkInputs";
import { canary } from "../support/leaks";
import { recordFigure, runCount } from "../support/report";
import { startTestSandbox, type TestSandbox } from "../support/sandbox";

/** Generated inputs per resource type: 2,000 each by default, 10,000 each in the full run. */
const RUNS = runCount(2_000, 10_000);
const SEED = Number(process.env.SECRETSTACK_FC_SEED ?? 20_260_808);

type Provider = {
  check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult<unknown>>;
};

describe("check over generated inputs", () => {
  let sandbox: TestSandbox | undefined;
  const saved = { ...process.env };
  let connects = 0;
  const realConnect = Socket.prototype.connect;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    // Every source of a credential and a base URL points at the sandbox: a request made by check would be seen.
    Object.assign(process.env, sandbox.env);
    // Any outgoing connection from this process, whatever library opens it, is counted.
    Socket.prototype.connect = function (this: Socket, ...args: unknown[]) {
      connects++;
      return (realConnect as (...a: unknown[]) => Socket).apply(this, args);
    } as typeof Socket.prototype.connect;
  });
  afterAll(async () => {
    Socket.prototype.connect = realConnect;
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    await sandbox?.close();
  });

  const requestsSent = () =>
    Object.values(sandbox?.sandbox.emulators ?? {}).reduce((n, e) => n + e.stats().total, 0);

  it.each(checkedResources().map((r) => [r.type, r] as const))(
    `%s: check never throws, names a property in every failure, quotes no secret and sends nothing (${RUNS} inputs)`,
    async (_type, resource: CheckedResource) => {
      const provider = (await import(resource.module)) as { default?: Provider } & Provider;
      const check = (provider.default ?? provider).check.bind(provider.default ?? provider);
      const target = sandbox?.sandbox as NonNullable<TestSandbox>["sandbox"];
      let generated = 0;
      let failing = 0;
      const connectsBefore = connects;
      const requestsBefore = requestsSent();
      await fc.assert(
        fc.asyncProperty(resource.inputs(target), async (news) => {
          generated++;
          let result: CheckResult<unknown>;
          try {
            result = await check({}, news);
          } catch (error) {
            throw new Error(`check threw: ${error instanceof Error ? error.message : String(error)}`);
          }
          const failures = result.failures ?? [];
          if (failures.length === 0) {
            if (result.inputs === undefined) throw new Error("check returned neither inputs nor failures");
            return;
          }
          failing++;
          const named = new Set([...resource.args, ...Object.keys(news)]);
          for (const failure of failures) {
            // A stray key may itself contain dots, so the whole property may be the name too.
            const head = failure.property.split(".")[0] ?? "";
            if (!named.has(head) && !named.has(failure.property)) {
              throw new Error(`failure names no input property: ${failure.property}`);
            }
            if (failure.reason.trim() === "")
              throw new Error(`failure of ${failure.property} gives no reason`);
          }
          // Reasons only: a property name is a key the user wrote, and may equal a value by chance.
          const text = failures.map((f) => f.reason).join("\n");
          for (const secret of secretStrings(news, resource.secretPaths, 10)) {
            if (text.includes(secret)) throw new Error("a failure quotes a secret input");
          }
        }),
        { numRuns: RUNS, seed: SEED },
      );
      const sent = requestsSent() - requestsBefore;
      const opened = connects - connectsBefore;
      const caseText = `check of every resource over generated inputs (${RUNS} per resource, fast-check seed ${SEED})`;
      recordFigure({
        section: "Bad input",
        case: caseText,
        measure: `${resource.type}: inputs checked without a throw or an unnamed failure`,
        value: `${generated} of ${generated} (${failing} failing)`,
        target: `≥ ${RUNS}`,
        ok: generated >= RUNS,
      });
      recordFigure({
        section: "Bad input",
        case: caseText,
        measure: `${resource.type}: requests sent and connections opened`,
        value: sent + opened,
        target: "0",
        ok: sent + opened === 0,
      });
      expect(generated).toBeGreaterThanOrEqual(RUNS);
      // Both outcomes occur: the generators reach valid inputs as well as every kind of invalid one.
      expect(failing).toBeGreaterThan(0);
      expect(failing).toBeLessThan(generated);
      expect({ sent, opened }).toEqual({ sent: 0, opened: 0 });
    },
    120_000,
  );

  it.each(checkedResources().map((r) => [r.type, r] as const))(
    "%s: own __proto__, constructor and toString inputs are named as unknown arguments, and no prototype member passes for an input",
    async (_type, resource: CheckedResource) => {
      const provider = (await import(resource.module)) as { default?: Provider } & Provider;
      const target = provider.default ?? provider;
      const news: Record<string, unknown> = {};
      const own = (key: string, value: unknown) =>
        Object.defineProperty(news, key, { value, enumerable: true, writable: true, configurable: true });
      own("__proto__", Object.fromEntries(resource.args.map((arg) => [arg, "from-the-prototype"])));
      own("constructor", "x");
      own("toString", "y");
      const result = await target.check({}, news);
      expect(result.failures?.map((f) => f.property)).toEqual(
        expect.arrayContaining(["__proto__", "constructor", "toString"]),
      );
      expect(JSON.stringify(result.inputs ?? {})).not.toContain("from-the-prototype");
    },
  );
});

describe("the sandboxes' answers to hostile requests", () => {
  let sandbox: Sandbox | undefined;
  let context: TableContext | undefined;
  const keys = {
    full: canary("wcfull"),
    readOnly: canary("wcread"),
    writeOnly: canary("wcwrite"),
    other: canary("wcother"),
  };
  const token = canary("td");
  const naKey = canary("na");
  const realValue = canary("value");

  beforeAll(async () => {
    sandbox = await startSandbox({
      rateLimits: { tensordock: false },
      tensordockTokens: [token],
      netactuateApiKeys: [naKey],
      walletcrewTenants: [
        {
          id: "demo",
          keys: [
            { key: keys.full, scopes: ["Secret.Read", "Secret.Write"] },
            { key: keys.readOnly, scopes: ["Secret.Read"] },
            { key: keys.writeOnly, scopes: ["Secret.Write"] },
          ],
        },
        { id: "demo-eu", keys: [{ key: keys.other, scopes: ["Secret.Read", "Secret.Write"] }] },
      ],
    });
    const td = new TensorDockClient({ ...sandbox.tensordock, rateLimit: false });
    const real = await td.create({ name: "real", type: "GENERIC", value: realValue });
    const wc = new WalletCrewClient({
      baseUrl: sandbox.walletcrew.baseUrl,
      apiKey: keys.full,
      tenantId: "demo",
    });
    const wcEu = new WalletCrewClient({
      baseUrl: sandbox.walletcrew.baseUrl,
      apiKey: keys.other,
      tenantId: "demo-eu",
    });
    await wc.put("real-key-7", { value: realValue });
    await wcEu.put("eu-key-7", { value: realValue });
    const na = new NetActuateClient({ ...sandbox.netactuate });
    const list = await na.lists.create({ name: "real" });
    const value = await na.values.create(list.id, { key: "REAL_KEY", value: realValue });
    context = {
      tensordock: { origin: new URL(sandbox.tensordock.baseUrl).origin, token, realId: real.id },
      walletcrew: {
        origin: sandbox.walletcrew.baseUrl,
        tenant: "demo",
        otherTenant: "demo-eu",
        keys: { full: keys.full, readOnly: keys.readOnly, writeOnly: keys.writeOnly },
        otherKey: keys.other,
        realKey: "real-key-7",
        otherRealKey: "eu-key-7",
      },
      netactuate: {
        origin: new URL(sandbox.netactuate.baseUrl).origin,
        apiKey: naKey,
        listId: list.id,
        valueId: value.id,
      },
    };
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  /** What must still be there, unchanged, after every row of every table. */
  async function untouched(api: TableApi): Promise<boolean> {
    const s = sandbox as Sandbox;
    const c = context as TableContext;
    if (api === "TensorDock") {
      const td = new TensorDockClient({ ...s.tensordock, rateLimit: false });
      const names = (await td.list()).map((x) => x.name);
      return names.length === 1 && (await td.retrieve(c.tensordock.realId)).name === "real";
    }
    if (api === "The Wallet Crew") {
      const wc = new WalletCrewClient({ baseUrl: s.walletcrew.baseUrl, apiKey: keys.full, tenantId: "demo" });
      const eu = new WalletCrewClient({
        baseUrl: s.walletcrew.baseUrl,
        apiKey: keys.other,
        tenantId: "demo-eu",
      });
      return (
        JSON.stringify(await wc.list()) === JSON.stringify(["real-key-7"]) &&
        (await wc.retrieve("real-key-7")) === realValue &&
        JSON.stringify(await eu.list()) === JSON.stringify(["eu-key-7"]) &&
        (await eu.retrieve("eu-key-7")) === realValue
      );
    }
    const na = new NetActuateClient({ ...s.netactuate });
    const values = await na.values.listAll();
    return (await na.lists.list()).length === 1 && values.length === 1 && values[0]?.value === realValue;
  }

  it.each(["TensorDock", "The Wallet Crew", "NetActuate"] as const)(
    "%s rejects every row of its table with the expected status and a clear error body, and changes nothing",
    async (api) => {
      const table = badInputTables(context as TableContext)[api];
      const secrets = [token, naKey, ...Object.values(keys), realValue];
      const outcomes: RowOutcome[] = [];
      for (const row of table.rows) outcomes.push(await runRow(api, table.origin, row, secrets));
      const failed = outcomes.filter((o) => o.problem !== undefined);
      const intact = await untouched(api);
      const kinds = [...new Set(table.rows.map((r) => r.kind))].join(", ");
      recordFigure({
        section: "Bad input",
        case: `${api} sandbox: table of hostile requests (${kinds})`,
        measure: "rows answered with the expected status and a clear error body",
        value: `${outcomes.length - failed.length} of ${outcomes.length}`,
        target: "all",
        ok: failed.length === 0 && intact,
      });
      expect(failed.map((o) => `${o.row.name}: ${o.problem}`)).toEqual([]);
      expect(intact).toBe(true);
    },
  );
});
