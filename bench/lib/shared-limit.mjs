/**
 * Many pipelines, one rate limit: four provider hosts in four processes (harness/fleet), each creating 75
 * TensorDock secrets in one account against a sandbox limit of 600 requests per minute (10 per 1-s window),
 * three times in one run: sharing the limit through a real Redis, each host pacing alone, and sharing with
 * Redis killed once half the creates are done. Creates per host scale with BENCH_SCALE.
 */
import { createRequire } from "node:module";
import * as path from "node:path";
import { ROOT, sandboxes, sdk } from "./harness.mjs";

const require = createRequire(import.meta.url);
/** The fleet harness and its redis-server (built into .build by `npm run build`). */
const fleetHarness = require(path.join(ROOT, ".build", "harness", "fleet", "index.js"));

const HOSTS = 4;
const PER_MINUTE = 600;
const WINDOW_MS = 1000;
const PER_WINDOW = (PER_MINUTE * WINDOW_MS) / 60_000;
/** The one line a host writes when it loses Redis (see sdk/core/sharedBudget.ts). */
const NOTICE = /^secretstack: rate limit shared through Redis: Redis cannot be used /;

/** One fleet run against a fresh sandbox: counts from the sandbox's own log, times from the hosts. */
async function fleetRun(label, createsPerHost, redis, { shared, killHalfway = false }) {
  const stamps = [];
  const statuses = {};
  const sandbox = await sandboxes.startTensorDockSandbox({
    rateLimit: { limit: PER_WINDOW, windowMs: WINDOW_MS },
    log: (line) => {
      stamps.push(performance.now());
      const status = / (\d{3}|dropped|aborted) /.exec(line)?.[1] ?? "?";
      statuses[status] = (statuses[status] ?? 0) + 1;
    },
  });
  try {
    const fleet = await fleetHarness.runFleet({
      hosts: HOSTS,
      createsPerHost,
      prefix: label,
      env: {
        TENSORDOCK_API_TOKEN: sandbox.apiToken,
        TENSORDOCK_BASE_URL: sandbox.baseUrl,
        TENSORDOCK_REQUESTS_PER_MINUTE: String(PER_MINUTE),
        ...(shared ? { SECRETSTACK_RATE_LIMIT_REDIS_URL: redis.url } : {}),
      },
      ...(killHalfway
        ? { at: { created: Math.ceil((HOSTS * createsPerHost) / 2), run: () => redis.kill() } }
        : {}),
    });
    const client = new sdk.TensorDockClient({
      apiToken: sandbox.apiToken,
      baseUrl: sandbox.baseUrl,
      rateLimit: false,
    });
    const byName = new Map();
    for (const secret of await client.list()) byName.set(secret.name, (byName.get(secret.name) ?? 0) + 1);
    const spanMs = stamps.length > 1 ? stamps[stamps.length - 1] - stamps[0] : Number.NaN;
    const sustainedPerMinute = fleetHarness.sustainedPerMinute(stamps, PER_WINDOW);
    return {
      creates: HOSTS * createsPerHost,
      created: fleet.created,
      failed: fleet.failed,
      requests: stamps.length,
      answered429: statuses["429"] ?? 0,
      duplicates: [...byName.values()].filter((n) => n > 1).length,
      spanMs,
      sustainedPerMinute,
      fractionOfLimit: sustainedPerMinute / PER_MINUTE,
      slowestHostMs: fleet.slowestMs,
      hostMs: fleet.hosts.map((h) => h.ms),
      noticesPerHost: fleet.hosts.map((h) => h.stderr.split("\n").filter((l) => NOTICE.test(l)).length),
      firstError: fleet.hosts.flatMap((h) => h.errors)[0],
    };
  } finally {
    await sandbox.close();
  }
}

/** The three runs side by side; Redis is started here (loopback, no persistence) and stopped after. */
export async function sharedRateLimit(scale) {
  const createsPerHost = Math.max(1, Math.round(75 * scale));
  const redis = await fleetHarness.startRedis();
  try {
    const shared = await fleetRun("shared", createsPerHost, redis, { shared: true });
    const alone = await fleetRun("alone", createsPerHost, redis, { shared: false });
    const killed = await fleetRun("killed", createsPerHost, redis, { shared: true, killHalfway: true });
    return {
      hosts: HOSTS,
      createsPerHost,
      limit: { perMinute: PER_MINUTE, windowMs: WINDOW_MS, perWindow: PER_WINDOW },
      shared,
      alone,
      killed,
    };
  } finally {
    await redis.close();
  }
}
