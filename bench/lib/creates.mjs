/**
 * The create benchmarks: one create through the host against the sdk client, the host's cold start, and a
 * sustained run of creates against a rate-limited sandbox.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { engine, hostMemory, median, now, PROGRAM, sandboxes, sdk, tempDir, timed } from "./harness.mjs";
import { CLIENTS_UNPACED, PARALLEL } from "./scenarios.mjs";

/**
 * One create through the host (Configure once, then per secret Check and the timed Create, as `up` sends them) against the
 * same call made directly with the sdk client, alternating, on one sandbox without rate limits. Also times a list
 * and a POST made directly (what a create sends when its shared baseline has expired), and the same Create call to
 * a provider that does nothing (the host's own cost). `latencyMs` delays every answer of the sandbox. The sandbox runs in
 * a process of its own, so the direct calls cross a process boundary too, as they would cross a network.
 */
export async function createThroughHostVsSdk(providerText, { warmup = 5, samples = 41, latencyMs = 0 } = {}) {
  const sandbox = await sandboxProcess(latencyMs);
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
  const noopUrn = "urn:pulumi:bench::secretstack-bench::pulumi-nodejs:dynamic/bench:Noop::one";
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
    // The host's own share: the same Create call to a provider that returns at once, sending nothing.
    const viaNoop = async () => {
      n += 1;
      const t = now();
      await host.create(noopUrn, { __provider: NOOP_PROVIDER, name: `noop-${n}` });
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
      await viaNoop();
      await viaSdk();
      await viaSdkListAndCreate();
    }
    const host_ = [];
    const noop = [];
    const direct = [];
    const direct2 = [];
    for (let i = 0; i < samples; i += 1) {
      host_.push(await viaHost());
      noop.push(await viaNoop());
      direct.push(await viaSdk());
      direct2.push(await viaSdkListAndCreate());
    }
    return {
      samples,
      latencyMs,
      hostMs: median(host_),
      hostNoopMs: median(noop),
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

/** A provider whose create returns at once: what remains of a create through the host is the host's own cost. */
const NOOP_PROVIDER =
  'exports.handler = () => ({ async create(inputs) { return { id: "noop", outs: { name: inputs.name } }; } });\n';

/** Starts bench/lib/sandbox-process.mjs and resolves with its endpoint and a `close()` that stops it. */
async function sandboxProcess(latencyMs = 0) {
  const child = spawn(
    process.execPath,
    [path.join(path.dirname(fileURLToPath(import.meta.url)), "sandbox-process.mjs")],
    {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, BENCH_SANDBOX_LATENCY_MS: String(latencyMs) },
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

/**
 * The floor under the host's memory: `operations` Check + Create calls, `PARALLEL` at a time, to a provider that
 * does nothing and sends nothing, on one host; its resident set at the end (sampled before it stops). What the
 * unmodified `@pulumi/pulumi` host needs for the calls alone, beside what it needs with our providers.
 */
export async function noopHostMemory(operations = 2000) {
  const host = await engine.ProviderHost.start({ cwd: PROGRAM, env: { ...process.env } });
  const atStart = hostMemory(host.pid);
  const urn = "urn:pulumi:bench::secretstack-bench::pulumi-nodejs:dynamic/bench:Noop::fleet";
  try {
    await host.configure({});
    let next = 0;
    const worker = async () => {
      while (next < operations) {
        next += 1;
        const news = { __provider: NOOP_PROVIDER, name: `noop-${next}`, value: `value-${next}` };
        const checked = await host.check(urn, {}, news);
        await host.create(urn, checked.inputs);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    return { operations, atStartMB: atStart?.rssMB, ...hostMemory(host.pid) };
  } finally {
    await host.close();
  }
}
