/**
 * The rate limit shared through Redis, where no Redis answers: its options are checked before anything
 * connects, and a Redis that cannot be reached never fails a request. The client paces itself alone and says
 * so in one line, which never carries the URL. (Against a real Redis: test/reliability/shared-rate-limit.test.ts.)
 */
import { createServer } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { closeSharedRateLimits, RateLimiter, systemClock } from "../../../sdk/core";
import { TensorDockClient } from "../../../sdk/tensordock";
import { startTensorDockSandbox } from "../../../sandbox/tensordock";

const CANARY = "canary-redis-password-51c9";

/** A loopback port nothing listens on: connections to it are refused at once. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

afterAll(() => closeSharedRateLimits());

describe("a shared rate limit's options", () => {
  it("refuses a URL that is not redis:// or rediss:// without repeating it", () => {
    const make = () =>
      new TensorDockClient({
        apiToken: "t",
        baseUrl: "http://127.0.0.1:1/api/v2",
        rateLimit: { requestsPerMinute: 100, shared: { redisUrl: `http://:${CANARY}@cache:6379` } },
      });
    expect(make).toThrow(/must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(make).toThrow(expect.objectContaining({ message: expect.not.stringContaining(CANARY) }));
  });

  it("refuses a command timeout that is not a positive number", () => {
    const make = () =>
      new TensorDockClient({
        apiToken: "t",
        baseUrl: "http://127.0.0.1:1/api/v2",
        rateLimit: { requestsPerMinute: 100, shared: { redisUrl: "redis://cache", commandTimeoutMs: 0 } },
      });
    expect(make).toThrow(/commandTimeoutMs must be a positive number/);
  });

  it("needs the limiter of an account, which names the keys", () => {
    const limiter = new RateLimiter(undefined, systemClock, async () => undefined);
    expect(() =>
      limiter.configure({ requestsPerMinute: 100, shared: { redisUrl: "redis://cache" } }),
    ).toThrow(/use sharedRateLimiter/);
  });
});

describe("Redis unreachable from the start", () => {
  it("never fails a request: the client paces alone and says so in one line without the URL", async () => {
    const sandbox = await startTensorDockSandbox({ rateLimit: { limit: 100, windowMs: 1000 } });
    const notices: string[] = [];
    try {
      const port = await closedPort();
      const client = new TensorDockClient({
        apiToken: sandbox.apiToken,
        baseUrl: sandbox.baseUrl,
        rateLimit: {
          requestsPerMinute: 600,
          shared: { redisUrl: `redis://:${CANARY}@127.0.0.1:${port}`, onNotice: (m) => notices.push(m) },
        },
      });
      for (let i = 0; i < 5; i += 1) await client.create({ name: `alone-${i}`, type: "GENERIC", value: "v" });
      expect((await client.list()).length).toBe(5);
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatch(
        /Redis cannot be used \(ECONNREFUSED\); this process paces each account alone/,
      );
      expect(notices[0]).not.toContain(CANARY);
      expect(notices[0]).not.toContain(String(port));
    } finally {
      await sandbox.close();
    }
  });
});
