import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type Auth,
  HttpClient,
  type HttpClientOptions,
  RateLimitError,
  RateLimiter,
  type RequestEvent,
  sharedRateLimiter,
} from "../../../sdk/core";
import { caught, fakeTime, HINT, type Reply, startServer, type TestServer, TOKEN } from "./helpers";

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(script: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const server = await startServer(script);
  servers.push(server);
  return server;
}

const bearer: Auth = { kind: "bearer", token: TOKEN };
const list = { method: "GET", path: "/secrets", response: z.object({ ok: z.boolean() }) } as const;
const ok: Reply = { status: 200, body: { ok: true } };

function client(
  baseUrl: string,
  time: ReturnType<typeof fakeTime>,
  options: Partial<HttpClientOptions> = {},
) {
  return new HttpClient({
    api: "TensorDock",
    baseUrl,
    auth: bearer,
    credentialHint: HINT,
    clock: time.clock,
    sleep: time.sleep,
    ...options,
  });
}

// Model: a token bucket of L tokens refilled at L per minute, starting full. N requests sent at once
// therefore start by (N − L) × 60 000 / L ms; for N = 250, L = 100 that is exactly 90 000 ms.
describe("our own pace", () => {
  it("lets a full bucket of 100 through at once, then one request every 600 ms", async () => {
    const time = fakeTime();
    const limiter = new RateLimiter({ requestsPerMinute: 100 }, time.clock, time.sleep);
    const starts: number[] = [];
    for (let i = 0; i < 250; i++) {
      await limiter.acquire();
      starts.push(time.elapsed());
    }
    expect(starts.slice(0, 100).every((t) => t === 0)).toBe(true);
    expect(starts.slice(100)).toEqual(Array.from({ length: 150 }, (_, i) => (i + 1) * 600));
    expect(starts.at(-1)).toBe(90_000);
  });

  it("holds 250 concurrent requests at 100/min to exactly (250 − 100) × 600 ms of fake time", async () => {
    const server = await serve([ok]);
    const time = fakeTime();
    const c = client(server.baseUrl, time, { rateLimit: { requestsPerMinute: 100 } });
    const results = await Promise.all(Array.from({ length: 250 }, () => c.request(list)));
    expect(results).toHaveLength(250);
    expect(server.seen).toHaveLength(250);
    expect(time.elapsed()).toBe(90_000);
    expect(time.waits).toEqual(Array.from({ length: 150 }, () => 600));
  });

  it("serves concurrent callers in the order they asked", async () => {
    const time = fakeTime();
    const limiter = new RateLimiter({ requestsPerMinute: 2 }, time.clock, time.sleep);
    const order = await Promise.all(Array.from({ length: 6 }, () => limiter.acquire()));
    expect(order).toEqual([1, 2, 3, 4, 5, 6]);
    expect(time.elapsed()).toBe(4 * 30_000);
  });

  it("shares one budget per (base URL, credential) across clients of the process", async () => {
    const server = await serve([ok]);
    const time = fakeTime();
    const options = { rateLimit: { requestsPerMinute: 1 } };
    await client(server.baseUrl, time, options).request(list);
    await client(server.baseUrl, time, options).request(list);
    expect(time.waits).toEqual([60_000]);
    await client(server.baseUrl, time, {
      ...options,
      auth: { kind: "bearer", token: "another-token" },
    }).request(list);
    expect(time.waits).toEqual([60_000]);
    expect(sharedRateLimiter(server.baseUrl, bearer, undefined, time.clock, time.sleep).released).toBe(2);
  });

  it("takes the lowest rate when clients of one account disagree", async () => {
    const time = fakeTime();
    const limiter = new RateLimiter({ requestsPerMinute: 60 }, time.clock, time.sleep);
    limiter.configure({ requestsPerMinute: 120 });
    limiter.configure({ requestsPerMinute: 30 });
    for (let i = 0; i < 31; i++) await limiter.acquire();
    expect(time.waits).toEqual([2000]);
  });
});

describe("the server's view", () => {
  it("waits for the reset when the server says none remain", async () => {
    const time = fakeTime();
    const arrivals: number[] = [];
    const server = await serve(() => {
      arrivals.push(time.elapsed());
      return {
        status: 200,
        headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "30" },
        body: { ok: true },
      };
    });
    const c = client(server.baseUrl, time, { rateLimit: { requestsPerMinute: 100 } });
    await c.request(list);
    await c.request(list);
    expect(time.waits).toEqual([30_000]);
    expect(arrivals).toEqual([0, 30_000]);
  });

  it("fails at once with a RateLimitError when the server holds requests past the call's deadline", async () => {
    const server = await serve([
      {
        status: 200,
        headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "3600" },
        body: { ok: true },
      },
    ]);
    const time = fakeTime();
    const c = client(server.baseUrl, time);
    await c.request(list);
    const error = await caught(() => c.request(list));
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(3_600_000);
    expect(error.message).toContain("admits no request for 3600 s");
    expect(time.waits).toEqual([]);
    expect(server.seen).toHaveLength(1);
  });

  it("adopts the server's view even without a pace of our own", async () => {
    const server = await serve([
      { status: 200, headers: { "ratelimit-remaining": "0", "ratelimit-reset": "20" }, body: { ok: true } },
    ]);
    const time = fakeTime();
    const c = client(server.baseUrl, time);
    await c.request(list);
    await c.request(list);
    expect(time.waits).toEqual([20_000]);
  });

  it("ignores the headers when rate limiting is off", async () => {
    const server = await serve([
      {
        status: 200,
        headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "20" },
        body: { ok: true },
      },
    ]);
    const time = fakeTime();
    const c = client(server.baseUrl, time, { rateLimit: false });
    await c.request(list);
    await c.request(list);
    expect(time.waits).toEqual([]);
  });

  it("counts requests sent after the one that reported, which the server may not have seen", async () => {
    const time = fakeTime();
    const limiter = new RateLimiter(undefined, time.clock, time.sleep);
    for (let i = 0; i < 5; i++) await limiter.acquire();
    // The first request's response says 3 remain; 4 more were sent since, so none remain.
    limiter.observe(1, 200, { "x-ratelimit-remaining": "3", "x-ratelimit-reset": "10" });
    await limiter.acquire();
    expect(time.waits).toEqual([10_000]);
  });

  it("holds until the later of two resets reported with the same count", async () => {
    const time = fakeTime();
    const limiter = new RateLimiter(undefined, time.clock, time.sleep);
    const first = await limiter.acquire();
    limiter.observe(first, 200, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1" });
    await time.sleep(40);
    // Answered 40 ms later for the same window: its end is estimated from a later moment, and that one holds.
    limiter.observe(first, 200, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1" });
    expect(limiter.delayMs(time.state.now)).toBe(1_000);
  });

  it("after a reset, lets no more than the server's reported limit through until an answer reports", async () => {
    const time = fakeTime();
    // Lets the requests already released record their start before the clock moves on.
    const sleep = async (ms: number) => {
      await new Promise((resolve) => setImmediate(resolve));
      await time.sleep(ms);
    };
    const limiter = new RateLimiter({ requestsPerMinute: 600 }, time.clock, sleep);
    const first = await limiter.acquire();
    limiter.observe(first, 200, {
      "x-ratelimit-limit": "3",
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset": "1",
    });
    const starts: number[] = [];
    await Promise.all(
      Array.from({ length: 7 }, async () => {
        await limiter.acquire();
        starts.push(time.elapsed());
      }),
    );
    // Our own pace alone would let all seven go at 1 s; the server's limit of 3 per window holds the rest.
    expect(starts).toEqual([1_000, 1_000, 1_000, 2_000, 2_000, 2_000, 3_000]);
  });

  it("does not let a stale, higher count for the same window raise the budget", async () => {
    const time = fakeTime();
    const limiter = new RateLimiter(undefined, time.clock, time.sleep);
    const first = await limiter.acquire();
    const second = await limiter.acquire();
    limiter.observe(second, 200, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "10" });
    limiter.observe(first, 200, { "x-ratelimit-remaining": "1", "x-ratelimit-reset": "10" });
    expect(limiter.delayMs(time.state.now)).toBe(10_000);
  });

  it.each([
    [
      "our pace equal to the window",
      10,
      60_000,
      [
        [0, 10],
        [60_000, 10],
        [120_000, 10],
        [180_000, 5],
      ],
      180_000,
    ],
    // 600/min may burst 600, but the server allows 10 per second: after each reset only 10 may go.
    [
      "a per-minute pace over per-second windows",
      600,
      1_000,
      [
        [0, 10],
        [1_000, 10],
        [2_000, 10],
        [3_000, 5],
      ],
      3_000,
    ],
  ] as const)(
    "keeps a busy process at a fixed-window server's limit with zero 429s: %s",
    async (_name, perMinute, windowMs, expectedWindows, expectedElapsed) => {
      const time = fakeTime();
      const limit = 10;
      let windowStart = Number.NEGATIVE_INFINITY;
      let count = 0;
      const perWindow = new Map<number, number>();
      const statuses: number[] = [];
      // The same fixed window the sandbox uses: it starts at the first request after the last one ended.
      const server = await serve(() => {
        const now = time.state.now;
        if (now >= windowStart + windowMs) {
          windowStart = now;
          count = 0;
        }
        const headers = {
          "x-ratelimit-limit": String(limit),
          "x-ratelimit-remaining": String(Math.max(0, limit - count - 1)),
          "x-ratelimit-reset": String(Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000))),
        };
        if (count >= limit) {
          statuses.push(429);
          return { status: 429, headers: { ...headers, "retry-after": headers["x-ratelimit-reset"] } };
        }
        count += 1;
        perWindow.set(windowStart - time.start, (perWindow.get(windowStart - time.start) ?? 0) + 1);
        statuses.push(200);
        return { status: 200, headers, body: { ok: true } };
      });
      const events: RequestEvent[] = [];
      let limiter: RateLimiter | undefined;
      // Fake time moves only once every request already let through has been answered, as real time would
      // while the process waits.
      const sleep = async (ms: number) => {
        while (events.length < (limiter?.released ?? 0))
          await new Promise((resolve) => setImmediate(resolve));
        await time.sleep(ms);
      };
      const c = client(server.baseUrl, time, {
        rateLimit: { requestsPerMinute: perMinute },
        sleep,
        onRequest: (event) => events.push(event),
      });
      limiter = sharedRateLimiter(server.baseUrl, bearer, undefined, time.clock, sleep);
      const results = await Promise.all(Array.from({ length: 35 }, () => c.request(list)));
      expect(results).toHaveLength(35);
      expect(statuses.filter((s) => s === 429)).toHaveLength(0);
      expect([...perWindow.entries()]).toEqual(expectedWindows);
      expect(time.elapsed()).toBe(expectedElapsed);
    },
  );
});
