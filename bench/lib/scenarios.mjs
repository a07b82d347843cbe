/**
 * The fleet benchmarks: a deployment of many resources, its refreshes (coalesced and per id) and its preview,
 * through the engine and the provider host. Each returns plain figures; rows.mjs turns them into rows. Sizes
 * scale with BENCH_SCALE (default 1: 1,000 TensorDock + 1,000 NetActuate resources).
 */
import { cpSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import {
  copyState,
  counts,
  delta,
  median,
  memorySampler,
  now,
  PROGRAM,
  sandboxEnv,
  sandboxes,
  tempDir,
  timed,
} from "./harness.mjs";

/** The diagnostic hook of the fleet's `up` (see heap-report.cjs). */
const HEAP_HOOK = path.join(path.dirname(fileURLToPath(import.meta.url)), "heap-report.cjs");

/** A JSON file, or undefined if it was not written. */
function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** The parallelism of every engine run, as in the targets. */
export const PARALLEL = 16;

/** The program's resources for a scale: TensorDock secrets, NetActuate lists + values. */
export function fleet(scale) {
  const tensordock = Math.max(1, Math.round(1000 * scale));
  const lists = Math.max(1, Math.round(10 * scale));
  const values = Math.max(1, Math.round(1000 * scale) - lists);
  return { tensordock, netactuate: { lists, values }, total: tensordock + lists + values };
}

/** Rate limits off in both the sandbox and the clients: setup and pure-speed comparisons. */
const UNLIMITED = { rateLimits: { tensordock: false, netactuate: false, walletcrew: false } };
export const CLIENTS_UNPACED = { TENSORDOCK_REQUESTS_PER_MINUTE: "off" };

/** Both emulators the refresh talks to. */
function apiCounts(sandbox) {
  return { td: counts(sandbox.emulators.tensordock), na: counts(sandbox.emulators.netactuate) };
}

function apiDelta(before, after) {
  const td = delta(before.td, after.td);
  const na = delta(before.na, after.na);
  return {
    tensordock: td.total,
    netactuate: na.total,
    total: td.total + na.total,
    routes: { ...td.routes, ...na.routes },
  };
}

/**
 * Deploys the fleet into a fresh sandbox (rate limits off: the setup is not what is measured) and samples the
 * provider host's memory through the whole `up`. Returns the sandbox data directory and the state file.
 */
export async function deployFleet(scale) {
  const spec = fleet(scale);
  const dataDir = path.join(tempDir("data"), "sandbox");
  const stateFile = path.join(tempDir("stack"), "dev.json");
  const sandbox = await sandboxes.startSandbox({ dataDir, ...UNLIMITED });
  const memory = memorySampler();
  const heapReport = path.join(tempDir("heap"), "host-heap.json");
  try {
    const run = await timed("up", {
      programDir: PROGRAM,
      stateFile,
      parallel: PARALLEL,
      env: sandboxEnv(sandbox, {
        ...CLIENTS_UNPACED,
        BENCH_SPEC: JSON.stringify({ ...spec, prefix: "fleet" }),
        // The host's heap at the end, live data apart from garbage (see heap-report.cjs).
        NODE_OPTIONS: `--expose-gc --require ${JSON.stringify(HEAP_HOOK)}`,
        BENCH_HEAP_REPORT: heapReport,
      }),
      onHost: (host) => {
        memory.onHost(host);
        // The resident set is sampled up to the stop, never after the hook's collection.
        const close = host.close.bind(host);
        host.close = () => {
          memory.stop();
          return close();
        };
      },
    });
    if (run.error) throw new Error(`the setup up failed: ${run.error.split("\n").slice(0, 3).join(" ")}`);
    return {
      spec,
      dataDir,
      stateFile,
      upMs: run.ms,
      operations: run.summary.created,
      rpc: run.summary.rpc,
      memory: memory.last && { ...memory.last, atStartMB: memory.first?.rssMB },
      heap: readJson(heapReport),
    };
  } finally {
    memory.stop();
    await sandbox.close();
  }
}

/** A sandbox over a copy of the fleet's data (so concurrent benchmarks never share a database). */
export function fleetSandbox(fleetData, label, options = {}) {
  const dataDir = path.join(tempDir(label), "sandbox");
  cpSync(fleetData.dataDir, dataDir, { recursive: true });
  return sandboxes.startSandbox({ dataDir, ...options });
}

/** One refresh of the fleet: wall time (state load included, as a user waits for it) and requests sent. */
export async function refreshOnce(fleetData, sandbox, { label, env = {}, onHost } = {}) {
  const before = apiCounts(sandbox);
  const run = await timed("refresh", {
    programDir: PROGRAM,
    stateFile: copyState(fleetData.stateFile, label),
    parallel: PARALLEL,
    env: sandboxEnv(sandbox, env),
    ...(onHost ? { onHost } : {}),
  });
  const requests = apiDelta(before, apiCounts(sandbox));
  const s = run.summary;
  return {
    ms: run.ms,
    requests,
    unchanged: s.unchanged,
    drifted: s.drifted,
    dropped: s.dropped,
    failed: s.failed,
    error: run.error,
  };
}

/**
 * The coalesced refresh against the sandbox as it ships (TensorDock at its published 100 requests/min, clients
 * at their default pace), `times` times, then a preview of the same program against the same sandbox.
 */
export async function coalescedRefreshAndPreview(fleetData, sandbox, times = 3) {
  const runs = [];
  // The host's memory is sampled through the first refresh: 2,000 reads, beside the 2,000 creates of the setup.
  const memory = memorySampler();
  try {
    runs.push(await refreshOnce(fleetData, sandbox, { label: "refresh-0", onHost: memory.onHost }));
  } finally {
    memory.stop();
  }
  for (let i = 1; i < times; i += 1)
    runs.push(await refreshOnce(fleetData, sandbox, { label: `refresh-${i}` }));
  const before = apiCounts(sandbox);
  const wcBefore = counts(sandbox.emulators.walletcrew);
  const previewRun = await timed("preview", {
    programDir: PROGRAM,
    stateFile: copyState(fleetData.stateFile, "preview"),
    parallel: PARALLEL,
    env: sandboxEnv(sandbox, { BENCH_SPEC: JSON.stringify({ ...fleetData.spec, prefix: "fleet" }) }),
  });
  const previewRequests = apiDelta(before, apiCounts(sandbox));
  // The program declares nothing of The Wallet Crew, but a stray request there counts too.
  previewRequests.total += delta(wcBefore, counts(sandbox.emulators.walletcrew)).total;
  const s = previewRun.summary;
  return {
    runs,
    medianMs: median(runs.map((r) => r.ms)),
    maxRequests: Math.max(...runs.map((r) => r.requests.total)),
    hostMemoryMB: memory.last,
    preview: {
      ms: previewRun.ms,
      requests: previewRequests.total,
      unchanged: s.unchanged,
      planned: s.created + s.updated + s.replaced + s.deleted,
      rpc: s.rpc,
      error: previewRun.error,
    },
  };
}

/** The same refresh coalesced and per id, side by side, with every rate limit off: the pure speed of each path. */
export async function unthrottledComparison(fleetData) {
  const sandbox = await fleetSandbox(fleetData, "unthrottled", UNLIMITED);
  try {
    const coalesced = await refreshOnce(fleetData, sandbox, { label: "u-coalesced", env: CLIENTS_UNPACED });
    const perId = await refreshOnce(fleetData, sandbox, {
      label: "u-per-id",
      env: { ...CLIENTS_UNPACED, SECRETSTACK_READ_COALESCE: "0" },
    });
    return { coalesced, perId };
  } finally {
    await sandbox.close();
  }
}

/**
 * The per-id read path (SECRETSTACK_READ_COALESCE=0) against the same sandbox as the coalesced refresh, stopped
 * at `capMs` if it has not finished by then (its host is killed). Resolves once it finished or was stopped;
 * `settled()` tells when its first burst of requests is over, so timing-sensitive benchmarks can start.
 */
export function perIdRefreshCapped(fleetData, sandbox, capMs) {
  let host;
  let stopped = false;
  const started = now();
  const timer = setTimeout(() => {
    stopped = true;
    host?.kill("SIGKILL");
  }, capMs);
  const done = refreshOnce(fleetData, sandbox, {
    label: "per-id",
    env: { SECRETSTACK_READ_COALESCE: "0" },
    onHost: (h) => {
      host = h;
    },
  }).then((result) => {
    clearTimeout(timer);
    const readsByRoute = result.requests.routes;
    return { ...result, stopped, elapsedMs: now() - started, readsByRoute };
  });
  const expected = fleetData.spec.netactuate.values + fleetData.spec.netactuate.lists;
  const before = counts(sandbox.emulators.netactuate).total;
  /** Resolves when the unpaced NetActuate reads are done and TensorDock is down to its paced trickle. */
  const settled = async (maxWaitMs = 30_000) => {
    const until = now() + maxWaitMs;
    let finished = false;
    void done.then(() => (finished = true));
    while (!finished && now() < until && counts(sandbox.emulators.netactuate).total - before < expected) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };
  return { done, settled };
}
