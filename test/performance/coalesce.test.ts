/**
 * Coalesced reads through the whole stack: the engine refreshes the benchmark program (TensorDock secrets and
 * NetActuate lists and values) through the real dynamic-provider host, against in-process sandboxes that count
 * every request by route. Proves that concurrent reads share one list per account, that every refresh (a new
 * host process, so a new operation) lists again and sees what changed meanwhile, and that per-id reads remain
 * the fallback. Nothing here is timed.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EngineOptions, readState, refresh, type Summary, up } from "../../harness/engine";
import { type NetActuateSandbox, startNetActuateSandbox } from "../../sandbox/netactuate";
import { startTensorDockSandbox, type TensorDockSandbox } from "../../sandbox/tensordock";
import { NetActuateClient } from "../../sdk/netactuate";
import { TensorDockClient } from "../../sdk/tensordock";

const PROGRAM = path.resolve(__dirname, "..", "..", "bench", "program");
const TENSORDOCK = 60;
const LISTS = 3;
const VALUES = 60;
const RESOURCES = TENSORDOCK + LISTS + VALUES;

const TD_LIST = "GET /api/v2/secrets";
const TD_ONE = "GET /api/v2/secrets/:id";

/** Requests counted since `before`, per route (statuses summed). */
function since(
  before: Record<string, Record<string, number>>,
  after: Record<string, Record<string, number>>,
): Record<string, number> {
  const sum = (byStatus: Record<string, number> | undefined) =>
    Object.values(byStatus ?? {}).reduce((a, b) => a + b, 0);
  const out: Record<string, number> = {};
  for (const [route, byStatus] of Object.entries(after)) {
    const n = sum(byStatus) - sum(before[route]);
    if (n > 0) out[route] = n;
  }
  return out;
}

const total = (routes: Record<string, number>) => Object.values(routes).reduce((a, b) => a + b, 0);

describe("a refresh of TensorDock and NetActuate resources through the engine", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "secretstack-perf-"));
  const stateFile = path.join(dir, "state", "dev.json");
  let td: TensorDockSandbox;
  let na: NetActuateSandbox;

  function run(command: typeof up | typeof refresh, env: Record<string, string> = {}): Promise<Summary> {
    const options: EngineOptions = {
      programDir: PROGRAM,
      stateFile,
      parallel: 16,
      env: {
        BENCH_SPEC: JSON.stringify({
          tensordock: TENSORDOCK,
          netactuate: { lists: LISTS, values: VALUES },
          prefix: "perf",
        }),
        TENSORDOCK_API_TOKEN: td.apiToken,
        TENSORDOCK_BASE_URL: td.baseUrl,
        TENSORDOCK_REQUESTS_PER_MINUTE: "off",
        NETACTUATE_API_KEY: na.apiKey,
        NETACTUATE_BASE_URL: na.baseUrl,
        ...env,
      },
    };
    return command(options);
  }

  /** Runs a refresh and returns its summary with the requests each API received during it. */
  async function counted(env: Record<string, string> = {}) {
    const tdBefore = td.stats().requests;
    const naBefore = na.stats().requests;
    const summary = await run(refresh, env);
    return {
      summary,
      tensordock: since(tdBefore, td.stats().requests),
      netactuate: since(naBefore, na.stats().requests),
    };
  }

  beforeAll(async () => {
    td = await startTensorDockSandbox({ rateLimit: false });
    na = await startNetActuateSandbox({ rateLimit: false });
    const summary = await run(up);
    expect(summary).toMatchObject({ created: RESOURCES, failed: 0 });
  }, 180_000);

  afterAll(async () => {
    await td?.close();
    await na?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads every resource with one TensorDock list and at most two NetActuate requests", async () => {
    const { summary, tensordock, netactuate } = await counted();
    expect(summary).toMatchObject({ unchanged: RESOURCES, drifted: 0, dropped: 0, failed: 0 });
    expect(summary.rpc.Read).toBe(RESOURCES);
    expect(tensordock).toEqual({ [TD_LIST]: 1 });
    expect(total(netactuate)).toBeLessThanOrEqual(2);
    for (const route of Object.keys(netactuate)) expect(route).not.toMatch(/:secretList(Value)?$/);
  });

  it("lists again on the next refresh, a new operation, and sees what changed behind Pulumi's back", async () => {
    const state = await readState(stateFile);
    const gone = state.resources.find((r) => r.name === "td-7");
    const edited = state.resources.find((r) => r.name === "na-value-11");
    if (gone === undefined || edited === undefined) throw new Error("the fixture lacks td-7 or na-value-11");
    await new TensorDockClient({ baseUrl: td.baseUrl, apiToken: td.apiToken, rateLimit: false }).delete(
      gone.id,
    );
    await new NetActuateClient({ baseUrl: na.baseUrl, apiKey: na.apiKey }).values.update(
      Number(edited.outputs.listId),
      Number(edited.id),
      { key: String(edited.outputs.key), value: "changed behind Pulumi's back" },
    );

    const { summary, tensordock, netactuate } = await counted();
    expect(summary).toMatchObject({ dropped: 1, drifted: 1, unchanged: RESOURCES - 2, failed: 0 });
    // The missing id is confirmed with its own GET (a 404) before it counts as gone: lists may lag.
    expect(tensordock).toEqual({ [TD_LIST]: 1, [TD_ONE]: 1 });
    expect(total(netactuate)).toBeLessThanOrEqual(2);
    const after = await readState(stateFile);
    expect(after.resources.map((r) => r.name)).not.toContain("td-7");
    expect(after.resources.find((r) => r.name === "na-value-11")?.outputs.value).toBe(
      "changed behind Pulumi's back",
    );
  });

  it("reads each resource by its id when coalescing is switched off", async () => {
    const { summary, tensordock, netactuate } = await counted({ SECRETSTACK_READ_COALESCE: "0" });
    expect(summary).toMatchObject({ unchanged: RESOURCES - 1, failed: 0 });
    expect(tensordock).toEqual({ [TD_ONE]: TENSORDOCK - 1 });
    expect(total(netactuate)).toBe(LISTS + VALUES);
  });

  it("falls back to per-id reads when a list request fails", async () => {
    td.faults.burst(501, 1, { method: "GET", route: "/api/v2/secrets" });
    na.faults.burst(501, 1, { method: "GET", route: "/api/secrets/all-values" });
    const { summary, tensordock, netactuate } = await counted();
    expect(summary).toMatchObject({ unchanged: RESOURCES - 1, failed: 0 });
    expect(tensordock[TD_LIST]).toBeGreaterThanOrEqual(1);
    expect(tensordock[TD_ONE]).toBeGreaterThanOrEqual(1);
    expect(netactuate["GET /api/secrets/lists/:secretList/values/:secretListValue"]).toBeGreaterThanOrEqual(
      1,
    );
  });
});
