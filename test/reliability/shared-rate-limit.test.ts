/**
 * Many pipelines, one rate limit: provider hosts in separate processes deploying one TensorDock account share
 * its rate limit through a real Redis (redis-server on loopback, no persistence), and Redis going away never
 * fails a deployment. Counts are asserted, never durations; the rates and times are the bench's
 * (`npm run bench`).
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FleetResult, type RedisServer, runFleet, startRedis } from "../../harness/fleet";
import { startTensorDockSandbox, type TensorDockSandbox } from "../../sandbox/tensordock";
import { closeSharedRateLimits, RateLimiter, realSleep, systemClock } from "../../sdk/core";
import { TensorDockClient } from "../../sdk/tensordock";
import { runProcess } from "../support/process";
import { recordFigure } from "../support/report";

/** 600 requests a minute, enforced in 1-s windows of 10, so a run spans many windows (as the bench's). */
const WINDOW = { limit: 10, windowMs: 1000 } as const;
const CLIENT_RPM = "600";
const REDIS_PASSWORD = `canary-redis-${randomBytes(6).toString("hex")}`;
const API_TOKEN = `canary-token-${randomBytes(6).toString("hex")}`;
const NOTICE =
  /^secretstack: rate limit shared through Redis: Redis cannot be used \([^)]+\); this process paces each account alone until Redis answers again$/;

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis({ password: REDIS_PASSWORD });
});
afterAll(async () => {
  closeSharedRateLimits();
  await redis?.close();
});

/** A TensorDock sandbox at 10 requests per 1-s window whose token is the canary, counting answers by status. */
async function limitedSandbox(): Promise<{ sandbox: TensorDockSandbox; statuses: Map<string, number> }> {
  const statuses = new Map<string, number>();
  const sandbox = await startTensorDockSandbox({
    rateLimit: WINDOW,
    tokens: [API_TOKEN],
    log: (line) => {
      const status = / (\d{3}|dropped|aborted) /.exec(line)?.[1] ?? "?";
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    },
  });
  return { sandbox, statuses };
}

/** Names the sandbox holds, and how many of them are there more than once. */
async function namesIn(sandbox: TensorDockSandbox): Promise<{ names: Set<string>; duplicates: number }> {
  const client = new TensorDockClient({
    apiToken: sandbox.apiToken,
    baseUrl: sandbox.baseUrl,
    rateLimit: false,
  });
  const seen = new Map<string, number>();
  for (const secret of await client.list()) seen.set(secret.name, (seen.get(secret.name) ?? 0) + 1);
  return { names: new Set(seen.keys()), duplicates: [...seen.values()].filter((n) => n > 1).length };
}

function expectedNames(prefix: string, hosts: number, creates: number): string[] {
  return Array.from({ length: hosts }, (_, h) =>
    Array.from({ length: creates }, (_, i) => `${prefix}-h${h}-${i}`),
  ).flat();
}

/** Every key and value in Redis, read with a client of its own. */
async function redisContents(): Promise<Array<[string, string | null]>> {
  const inspector = new Redis(redis.url);
  try {
    const keys = await inspector.keys("*");
    return await Promise.all(
      keys.map(async (key): Promise<[string, string | null]> => [key, await inspector.get(key)]),
    );
  } finally {
    inspector.disconnect();
  }
}

function noticesOf(fleet: FleetResult): number[] {
  return fleet.hosts.map((h) => h.stderr.split("\n").filter((line) => NOTICE.test(line)).length);
}

describe("four provider hosts creating 75 TensorDock secrets each in one account", () => {
  it("share its rate limit through Redis: no request answered 429, every secret created once", async () => {
    const { sandbox, statuses } = await limitedSandbox();
    try {
      const fleet = await runFleet({
        hosts: 4,
        createsPerHost: 75,
        prefix: "shared",
        env: {
          TENSORDOCK_API_TOKEN: sandbox.apiToken,
          TENSORDOCK_BASE_URL: sandbox.baseUrl,
          TENSORDOCK_REQUESTS_PER_MINUTE: CLIENT_RPM,
          SECRETSTACK_RATE_LIMIT_REDIS_URL: redis.url,
        },
      });
      const { names, duplicates } = await namesIn(sandbox);
      const answered429 = statuses.get("429") ?? 0;
      const kase =
        "4 hosts × 75 TensorDock creates in one account, sharing its limit (10 per 1-s window) through Redis";
      recordFigure({
        section: "Load",
        case: kase,
        measure: "429 responses",
        value: answered429,
        target: "0",
        ok: answered429 === 0,
      });
      recordFigure({
        section: "Load",
        case: kase,
        measure: "secrets created",
        value: fleet.created,
        target: "= 300",
        ok: fleet.created === 300,
      });
      expect(fleet.hosts.flatMap((h) => h.errors)).toEqual([]);
      expect(fleet.created).toBe(300);
      expect(answered429).toBe(0);
      expect(duplicates).toBe(0);
      expect([...names].sort()).toEqual(expectedNames("shared", 4, 75).sort());
      // Nothing to say: Redis was there all along.
      expect(noticesOf(fleet)).toEqual([0, 0, 0, 0]);

      // Redis holds counters under a hash of the account: no token, no password, no name, no value.
      const contents = await redisContents();
      expect(contents.length).toBeGreaterThan(0);
      for (const [key, value] of contents) {
        expect(key).toMatch(/^secretstack:rate:(pace|window|hold|limit|seconds):[A-Za-z0-9_-]{43}$/);
        expect(value).toMatch(/^-?\d+$/);
        for (const secret of [API_TOKEN, REDIS_PASSWORD, "shared-h", "value-"])
          expect(key).not.toContain(secret);
      }
      for (const host of fleet.hosts) {
        expect(host.stderr).not.toContain(REDIS_PASSWORD);
        expect(host.stderr).not.toContain(API_TOKEN);
      }
    } finally {
      await sandbox.close();
    }
  }, 240_000);

  it("with Redis killed halfway: every create still succeeds, once; each host says so in one line", async () => {
    const { sandbox } = await limitedSandbox();
    const hosts = 4;
    const creates = 25;
    try {
      const fleet = await runFleet({
        hosts,
        createsPerHost: creates,
        prefix: "killed",
        env: {
          TENSORDOCK_API_TOKEN: sandbox.apiToken,
          TENSORDOCK_BASE_URL: sandbox.baseUrl,
          TENSORDOCK_REQUESTS_PER_MINUTE: CLIENT_RPM,
          SECRETSTACK_RATE_LIMIT_REDIS_URL: redis.url,
        },
        at: { created: (hosts * creates) / 2, run: () => redis.kill() },
      });
      const { names, duplicates } = await namesIn(sandbox);
      const kase = "4 hosts × 25 TensorDock creates sharing one limit through Redis, Redis killed after 50";
      recordFigure({
        section: "Faults",
        case: kase,
        measure: "failed creates",
        value: fleet.failed,
        target: "0",
        ok: fleet.failed === 0,
      });
      recordFigure({
        section: "Faults",
        case: kase,
        measure: "duplicates",
        value: duplicates,
        target: "0",
        ok: duplicates === 0,
      });
      expect(fleet.hosts.flatMap((h) => h.errors)).toEqual([]);
      expect(fleet.created).toBe(hosts * creates);
      expect(duplicates).toBe(0);
      expect([...names].sort()).toEqual(expectedNames("killed", hosts, creates).sort());
      // Each host says so once, if it still had creates to make when Redis went (two or more left: its next
      // request then needs the shared budget); a host already done has nothing to say.
      const busy = fleet.hosts.map((h) => ((h.createdWhenFired ?? 0) <= creates - 2 ? 1 : 0));
      const notices = noticesOf(fleet);
      expect(notices.every((n) => n <= 1)).toBe(true);
      expect(notices.filter((n, i) => busy[i] === 1 && n !== 1)).toEqual([]);
      expect(busy.some((b) => b === 1)).toBe(true);
      for (const host of fleet.hosts) {
        expect(host.stderr).not.toContain(REDIS_PASSWORD);
        expect(host.stderr).not.toContain(API_TOKEN);
      }
    } finally {
      await sandbox.close();
      await redis.restart();
    }
  }, 240_000);
});

describe("Redis faults in one process", () => {
  /** A client sharing its limit through the test's Redis under a key prefix of its own. */
  function sharedClient(sandbox: TensorDockSandbox, keyPrefix: string, notices: string[]) {
    return new TensorDockClient({
      apiToken: sandbox.apiToken,
      baseUrl: sandbox.baseUrl,
      rateLimit: {
        requestsPerMinute: 6000,
        shared: { redisUrl: redis.url, keyPrefix, onNotice: (message) => notices.push(message) },
      },
    });
  }

  async function keysUnder(prefix: string): Promise<string[]> {
    return (await redisContents()).map(([key]) => key).filter((key) => key.startsWith(`${prefix}:`));
  }

  it("lost mid-run: requests go on alone with one notice, and rejoin once Redis is back", async () => {
    const sandbox = await startTensorDockSandbox({ rateLimit: { limit: 1000, windowMs: 1000 } });
    const notices: string[] = [];
    const prefix = `rejoin-${randomBytes(4).toString("hex")}`;
    try {
      const client = sharedClient(sandbox, prefix, notices);
      for (let i = 0; i < 3; i += 1)
        await client.create({ name: `before-${i}`, type: "GENERIC", value: "v" });
      expect(await keysUnder(prefix)).toContainEqual(expect.stringMatching(/:window:/));

      await redis.kill();
      for (let i = 0; i < 5; i += 1)
        await client.create({ name: `during-${i}`, type: "GENERIC", value: "v" });
      expect(notices).toHaveLength(1);

      await redis.restart();
      // A fresh Redis holds nothing; the client's next requests write the shared window there again.
      let rejoined = false;
      for (let i = 0; i < 100 && !rejoined; i += 1) {
        await client.create({ name: `after-${i}`, type: "GENERIC", value: "v" });
        rejoined = (await keysUnder(prefix)).some((key) => key.includes(":window:"));
        if (!rejoined) await realSleep(100);
      }
      expect(rejoined).toBe(true);
      expect(notices).toHaveLength(1);
      expect(notices[0]).not.toContain(REDIS_PASSWORD);
    } finally {
      await sandbox.close();
    }
  }, 60_000);

  it("frozen (answering nothing): a create completes while Redis still sleeps", async () => {
    const sandbox = await startTensorDockSandbox({ rateLimit: { limit: 1000, windowMs: 1000 } });
    const notices: string[] = [];
    const probe = new Redis(redis.url, { maxRetriesPerRequest: 0 });
    try {
      const client = sharedClient(sandbox, `frozen-${randomBytes(4).toString("hex")}`, notices);
      await client.create({ name: "warm", type: "GENERIC", value: "v" });
      await probe.ping();
      redis.freeze();
      let pinged = false;
      const ping = probe.ping().then(() => {
        pinged = true;
      });
      await client.create({ name: "while-frozen", type: "GENERIC", value: "v" });
      // The create did not wait for Redis: Redis has not answered anyone yet.
      expect(pinged).toBe(false);
      expect(notices).toEqual([expect.stringMatching(/Redis cannot be used \(no answer within 500 ms\)/)]);
      redis.resume();
      await ping;
    } finally {
      redis.resume();
      probe.disconnect();
      await sandbox.close();
    }
  }, 60_000);

  it("a 429 seen by one process holds the others for its Retry-After", async () => {
    const options = {
      requestsPerMinute: 600,
      shared: { redisUrl: redis.url, keyPrefix: `hold-${randomBytes(4).toString("hex")}` },
    };
    // Two limiters of one account, as two hosts would have: the same name in Redis, nothing else shared.
    const first = new RateLimiter(options, systemClock, realSleep, false, "account-fingerprint");
    const second = new RateLimiter(options, systemClock, realSleep, false, "account-fingerprint");
    const sequence = await first.acquire();
    first.observe(sequence, 429, { "retry-after": "2" });
    for (
      let i = 0;
      i < 50 && !(await keysUnder(options.shared.keyPrefix)).some((k) => k.includes(":hold:"));
      i += 1
    ) {
      await realSleep(20);
    }
    const waits: Array<{ ms: number; cause: string }> = [];
    await second.acquire((ms, cause) => waits.push({ ms, cause }));
    expect(waits).toEqual([
      { ms: expect.any(Number), cause: expect.stringMatching(/asked every process to wait/) },
    ]);
    expect(waits[0]?.ms).toBeGreaterThan(1000);
  }, 30_000);
});

describe("loading", () => {
  it("never loads ioredis or rate-limiter-flexible in a process that does not set the Redis URL", async () => {
    const script = `
      const loaded = () => Object.keys(require.cache).some((f) => /[\\\\/]node_modules[\\\\/](ioredis|rate-limiter-flexible)[\\\\/]/.test(f));
      const sdk = require("pulumi-secretstack/sdk");
      require("pulumi-secretstack/providers/tensordock/genericSecret");
      const plain = new sdk.TensorDockClient({ apiToken: "t", baseUrl: "http://127.0.0.1:9/api/v2" });
      plain.list().catch(() => undefined).then(async () => {
        const before = loaded();
        const shared = new sdk.TensorDockClient({ apiToken: "t", baseUrl: "http://127.0.0.1:9/api/v2",
          rateLimit: { requestsPerMinute: 100, shared: { redisUrl: "redis://127.0.0.1:9", onNotice: () => undefined } } });
        await shared.list().catch(() => undefined);
        process.stdout.write(JSON.stringify({ before, after: loaded() }));
      });`;
    const run = await runProcess(process.execPath, ["-e", script]);
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual({ before: false, after: true });
  }, 60_000);
});
