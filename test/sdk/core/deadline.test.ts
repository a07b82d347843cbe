/**
 * No wait without an end, in the sdk: the one deadline helper, and the rate limiter's queue, whose requests give up
 * once it lets nothing through for `SECRETSTACK_QUEUE_DEADLINE_MS`. Fake timers only: no test waits for real time.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  DEFAULT_QUEUE_DEADLINE_MS,
  HttpClient,
  queueDeadlineMs,
  RateLimitError,
  RateLimiter,
  SlotDeadlineError,
  withDeadline,
} from "../../../sdk/core";
import { HINT, startServer, type TestServer, TOKEN } from "./helpers";
import { rejection } from "../../support/failures";

/** A clock and a sleep on vitest's fake timers, as the limiter would use real ones. */
const timerClock = { now: () => Date.now() };
const timerSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("withDeadline", () => {
  it("fails with the caller's error once the deadline passes, and not a millisecond before", async () => {
    const outcome = withDeadline(new Promise<never>(() => undefined), {
      ms: 1_000,
      expired: (waited) => new Error(`waited ${waited} ms for the test`),
    }).catch((error: unknown) => error as Error);
    await vi.advanceTimersByTimeAsync(999);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect((await outcome).message).toBe("waited 1000 ms for the test");
  });

  it("resolves with what it waited for and leaves no timer behind", async () => {
    const waited = withDeadline(Promise.resolve("answer"), { ms: 1_000, expired: () => new Error("late") });
    await expect(waited).resolves.toBe("answer");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("goes on waiting while the progress marker moves, and fails once it stops", async () => {
    let moves = 0;
    const expired = vi.fn(() => undefined);
    const outcome = withDeadline(new Promise<never>(() => undefined), {
      ms: 1_000,
      progress: () => moves,
      onExpire: expired,
      expired: (waited) => new Error(`waited ${waited} ms`),
    }).catch((error: unknown) => error as Error);
    for (let i = 0; i < 3; i++) {
      moves += 1;
      await vi.advanceTimersByTimeAsync(1_000);
    }
    expect(expired).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(expired).toHaveBeenCalledOnce();
    expect((await outcome).message).toBe("waited 4000 ms");
  });

  it("reads SECRETSTACK_QUEUE_DEADLINE_MS, and falls back to 5 minutes when it is not a positive number", () => {
    expect(queueDeadlineMs({ SECRETSTACK_QUEUE_DEADLINE_MS: "2500" })).toBe(2_500);
    for (const raw of [undefined, "", " ", "0", "-5", "soon"]) {
      const env = raw === undefined ? {} : { SECRETSTACK_QUEUE_DEADLINE_MS: raw };
      expect(queueDeadlineMs(env)).toBe(DEFAULT_QUEUE_DEADLINE_MS);
    }
    expect(DEFAULT_QUEUE_DEADLINE_MS).toBe(300_000);
  });
});

/** A limiter whose server window is spent for a day: the queue cannot move. */
function heldForADay(): RateLimiter {
  const limiter = new RateLimiter({ requestsPerMinute: 600 }, timerClock, timerSleep);
  limiter.observe(0, 429, { "retry-after": "86400" });
  return limiter;
}

describe("the rate limiter's queue", () => {
  it("fails a request that waited the deadline for a slot while nothing went out, saying what held it", async () => {
    const limiter = heldForADay();
    const outcome = rejection(limiter.acquire(undefined, 300_000));
    await vi.advanceTimersByTimeAsync(299_999);
    await vi.advanceTimersByTimeAsync(1);
    const error = await outcome;
    expect(error).toBeInstanceOf(SlotDeadlineError);
    expect(error.message).toBe(
      "waited 300 s for a request slot and the queue let nothing through (rate limit (the server's window is " +
        "spent)); try again later or lower the parallelism (SECRETSTACK_QUEUE_DEADLINE_MS sets the wait)",
    );
    expect(limiter.released).toBe(0);
  });

  it("takes a request that gave up out of the queue: the next slot goes to the one behind it", async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 1 }, timerClock, timerSleep);
    expect(await limiter.acquire()).toBe(1);
    const impatient = rejection(limiter.acquire(undefined, 10_000));
    const patient = limiter.acquire(undefined, 120_000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await impatient).toBeInstanceOf(SlotDeadlineError);
    await vi.advanceTimersByTimeAsync(50_000);
    await expect(patient).resolves.toBe(2);
  });

  it("never cuts short a long queue that keeps moving", async () => {
    // One request a minute: the fourth waits three minutes, three times the deadline, and still gets its slot.
    const limiter = new RateLimiter({ requestsPerMinute: 1 }, timerClock, timerSleep);
    const slots = Array.from({ length: 4 }, () => limiter.acquire(undefined, 61_000));
    await vi.advanceTimersByTimeAsync(180_000);
    await expect(Promise.all(slots)).resolves.toEqual([1, 2, 3, 4]);
  });
});

describe("a request of the HttpClient", () => {
  let server: TestServer;
  afterEach(async () => {
    vi.useRealTimers();
    await server.close();
  });

  it("fails with a RateLimitError naming the request once its slot is held past the deadline", async () => {
    vi.stubEnv("SECRETSTACK_QUEUE_DEADLINE_MS", "300000");
    // The first request is answered: a 429 that closes the window for a day. The second, queued behind the
    // first (the first request to an account goes alone), would wait that day.
    server = await startServer([{ status: 429, headers: { "retry-after": "86400" } }]);
    const client = new HttpClient({
      api: "TensorDock",
      baseUrl: server.baseUrl,
      auth: { kind: "bearer", token: TOKEN },
      credentialHint: HINT,
      retry: { maxAttempts: 1 },
    });
    const list = { method: "GET", path: "/secrets", response: z.unknown() } as const;
    const first = rejection(client.request(list));
    const second = rejection(client.request(list));
    // Awaited without advancing the fake clock: the second request stays queued behind the first's answer.
    expect(await first).toBeInstanceOf(RateLimitError);
    expect(server.seen).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(300_000);
    const error = await second;
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.message).toMatch(
      /^TensorDock GET \/secrets: waited 300 s for a request slot and the queue let nothing through \(rate limit .*the server's window is spent\).*SECRETSTACK_QUEUE_DEADLINE_MS sets the wait\)$/,
    );
    expect(error.message).not.toContain(TOKEN);
    expect(server.seen).toHaveLength(1);
    vi.unstubAllEnvs();
  });
});
