/**
 * The benchmarks that go through the engine and the provider host. Each returns plain figures; run.mjs turns
 * them into rows. Sizes scale with BENCH_SCALE (default 1: 1,000 TensorDock + 1,000 NetActuate resources).
 */
import { spawn } from "node:child_process";
import { cpSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import {
  copyState,
  counts,
  delta,
  engine,
  median,
  memorySampler,
  now,
  PROGRAM,
  sandboxEnv,
  sandboxes,
  sdk,
  tempDir,
  timed,
} from "./harness.mjs";

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
const CLIENTS_UNPACED = { TENSORDOCK_REQUESTS_PER_MINUTE: "off" };

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
  try {
    const run = await timed("up", {
      programDir: PROGRAM,
      stateFile,
      parallel: PARALLEL,
      env: sandboxEnv(sandbox, {
        ...CLIENTS_UNPACED,
        BENCH_SPEC: JSON.stringify({ ...spec, prefix: "fleet" }),
      }),
      onHost: memory.onHost,
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
  for (let i = 0; i < times; i += 1)
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

/**
 * One create through the host (Configure once, then per secret Check and the timed Create, as `up` sends them) against the
 * same call made directly with the sdk client, alternating, on one sandbox without rate limits. Also times the
 * two requests the provider's create sends (the baseline list, then the POST) made directly. The sandbox runs in
 * a process of its own, so the direct calls cross a process boundary too, as they would cross a network.
 */
export async function createThroughHostVsSdk(providerText, { warmup = 5, samples = 41 } = {}) {
  const sandbox = await sandboxProcess();
  const env = {
    ...process.env,
    ...CLIENTS_UNPACED,
    TENSORDOCK_API_TOKEN: sandbox.apiToken,
    TENSORDOCK_BASE_URL: sandbox.baseUrl,
  };
  const host = await engine.ProviderHost.start({ cwd: PROGRAM, env });
  const client = new sdk.TensorDockClient({
    apiToken: sandbox.apiToken,
    baseUrl: sandbox.baseUrl,
    rateLimit: false,
  });
  const urn = "urn:pulumi:bench::secretstack-bench::pulumi-nodejs:dynamic/tensordock:GenericSecret::one";
  try {
    await host.configure({});
    let n = 0;
    const viaHost = async () => {
      n += 1;
      const news = { __provider: providerText, name: `host-${n}`, value: `value-${n}` };
      // Check is the step before, as in `up`; only the Create call is timed.
      const checked = await host.check(urn, {}, news);
      const t = now();
      await host.create(urn, checked.inputs);
      return now() - t;
    };
    const viaSdk = async () => {
      n += 1;
      const t = now();
      await client.create({ name: `sdk-${n}`, type: "GENERIC", value: `value-${n}` });
      return now() - t;
    };
    const viaSdkListAndCreate = async () => {
      n += 1;
      const t = now();
      await client.list();
      await client.create({ name: `sdk2-${n}`, type: "GENERIC", value: `value-${n}` });
      return now() - t;
    };
    for (let i = 0; i < warmup; i += 1) {
      await viaHost();
      await viaSdk();
      await viaSdkListAndCreate();
    }
    const host_ = [];
    const direct = [];
    const direct2 = [];
    for (let i = 0; i < samples; i += 1) {
      host_.push(await viaHost());
      direct.push(await viaSdk());
      direct2.push(await viaSdkListAndCreate());
    }
    return {
      samples,
      hostMs: median(host_),
      sdkMs: median(direct),
      sdkListAndCreateMs: median(direct2),
      ratio: median(host_) / median(direct),
      ratioSameRequests: median(host_) / median(direct2),
    };
  } finally {
    await host.close();
    await sandbox.close();
  }
}

/** Starts bench/lib/sandbox-process.mjs and resolves with its endpoint and a `close()` that stops it. */
async function sandboxProcess() {
  const child = spawn(
    process.execPath,
    [path.join(path.dirname(fileURLToPath(import.meta.url)), "sandbox-process.mjs")],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const line = await new Promise((resolve, reject) => {
    let buffered = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      buffered += chunk;
      const newline = buffered.indexOf("\n");
      if (newline >= 0) resolve(buffered.slice(0, newline));
    });
    void exited.then(() => reject(new Error("the sandbox process exited before listening")));
  });
  const endpoint = JSON.parse(line);
  return {
    ...endpoint,
    close: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/**
 * From spawning the provider host to its first completed create (Configure, Check, Create), `runs` times, each
 * with a new host process. Node's on-disk compile cache is on, as the engine sets it; the first run fills it.
 * For reference, also the host alone (spawn to listening), which loads `@pulumi/pulumi` before any provider.
 */
export async function coldStart(providerText, runs = 5) {
  const sandbox = await sandboxes.startTensorDockSandbox({ rateLimit: false });
  const cache = tempDir("compile-cache");
  const env = {
    ...process.env,
    ...CLIENTS_UNPACED,
    NODE_COMPILE_CACHE: cache,
    TENSORDOCK_API_TOKEN: sandbox.apiToken,
    TENSORDOCK_BASE_URL: sandbox.baseUrl,
  };
  const urn = "urn:pulumi:bench::secretstack-bench::pulumi-nodejs:dynamic/tensordock:GenericSecret::cold";
  const times = [];
  const bare = [];
  try {
    for (let i = 0; i < runs; i += 1) {
      // The host alone: spawn to listening, before any provider code is loaded.
      const t0 = now();
      const idle = await engine.ProviderHost.start({ cwd: PROGRAM, env });
      bare.push(now() - t0);
      await idle.close();
    }
    for (let i = 0; i < runs; i += 1) {
      const t = now();
      const host = await engine.ProviderHost.start({ cwd: PROGRAM, env });
      try {
        await host.configure({});
        const checked = await host.check(
          urn,
          {},
          { __provider: providerText, name: `cold-${i}`, value: "v" },
        );
        await host.create(urn, checked.inputs);
        times.push(now() - t);
      } finally {
        await host.close();
      }
    }
  } finally {
    await sandbox.close();
  }
  return {
    runs,
    firstMs: times[0],
    medianMs: median(times),
    times,
    bareHostMedianMs: median(bare),
    bareHost: bare,
  };
}

/**
 * `creates` TensorDock creates through `up` against a sandbox limit of `perMinute` requests per minute, enforced
 * in windows of `windowMs` (so the run spans many windows), with the client set to the same published limit.
 * The sustained rate counts the requests after the first window's allowance over the time from the first to
 * the last request: exact for both fixed windows and a smooth pace.
 */
export async function sustainedCreates({ creates = 300, perMinute = 600, windowMs = 1000 } = {}) {
  const limit = Math.round((perMinute * windowMs) / 60_000);
  const stamps = [];
  const statuses = {};
  const sandbox = await sandboxes.startTensorDockSandbox({
    rateLimit: { limit, windowMs },
    log: (line) => {
      stamps.push(now());
      const status = / (\d{3}|dropped|aborted) /.exec(line)?.[1] ?? "?";
      statuses[status] = (statuses[status] ?? 0) + 1;
    },
  });
  try {
    const run = await timed("up", {
      programDir: PROGRAM,
      stateFile: path.join(tempDir("rate"), "dev.json"),
      parallel: PARALLEL,
      env: {
        BENCH_SPEC: JSON.stringify({ tensordock: creates, prefix: "rate" }),
        TENSORDOCK_API_TOKEN: sandbox.apiToken,
        TENSORDOCK_BASE_URL: sandbox.baseUrl,
        TENSORDOCK_REQUESTS_PER_MINUTE: String(perMinute),
      },
    });
    const stats = sandbox.stats();
    const requests = stamps.length;
    const spanMs = stamps.length > 1 ? stamps[stamps.length - 1] - stamps[0] : Number.NaN;
    const sustainedPerMinute = ((requests - limit) / spanMs) * 60_000;
    return {
      creates,
      created: run.summary.created,
      failed: run.summary.failed,
      requests,
      byRoute: stats.requests,
      answered429: statuses["429"] ?? 0,
      refusedByLimiter: stats.rateLimited,
      spanMs,
      upMs: run.ms,
      limit: { perMinute, windowMs, perWindow: limit },
      sustainedPerMinute,
      fractionOfLimit: sustainedPerMinute / perMinute,
      error: run.error,
    };
  } finally {
    await sandbox.close();
  }
}
