import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  ConnectionError,
  HttpClient,
  type HttpClientOptions,
  type HttpMethod,
  isOutcomeUnknown,
  RateLimitError,
  type RequestEvent,
  ServerError,
  TimeoutError,
} from "../../../sdk/core";
import {
  caught,
  closedPort,
  fakeTime,
  HINT,
  type Reply,
  startServer,
  type TestServer,
  TOKEN,
} from "./helpers";

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(replies: Reply[] | ((seen: unknown, index: number) => Reply)): Promise<TestServer> {
  const server = await startServer(replies);
  servers.push(server);
  return server;
}

/** A client on fake time with deterministic jitter (random = 0.5 unless told otherwise). */
function setup(baseUrl: string, options: Partial<HttpClientOptions> = {}) {
  const time = fakeTime();
  const events: RequestEvent[] = [];
  const client = new HttpClient({
    api: "TensorDock",
    baseUrl,
    auth: { kind: "bearer", token: TOKEN },
    credentialHint: HINT,
    clock: time.clock,
    sleep: time.sleep,
    rateLimit: false,
    onRequest: (event) => events.push(event),
    ...options,
    retry: { random: () => 0.5, ...options.retry },
  });
  return { client, time, events };
}

const call = (method: HttpMethod) =>
  ({ method, path: "/secrets/{id}", params: { id: "s1" }, response: z.object({ ok: z.boolean() }) }) as const;
const ok: Reply = { status: 200, body: { ok: true } };

describe("retry policy", () => {
  it("retries 503, 503, 200 and succeeds on the third attempt", async () => {
    const server = await serve([{ status: 503 }, { status: 503 }, ok]);
    const { client, time, events } = setup(server.baseUrl);
    await expect(client.request(call("GET"))).resolves.toEqual({ ok: true });
    expect(server.seen).toHaveLength(3);
    expect(events.map((e) => [e.attempt, e.status])).toEqual([
      [1, 503],
      [2, 503],
      [3, 200],
    ]);
    expect(time.waits).toEqual([125, 250]);
  });

  it("stops after 4 attempts of a persistent 500 and throws a ServerError", async () => {
    const server = await serve(Array.from({ length: 10 }, () => ({ status: 500 })));
    const { client, time } = setup(server.baseUrl);
    const error = await caught(() => client.request(call("GET")));
    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).attempts).toBe(4);
    expect(server.seen).toHaveLength(4);
    expect(time.waits).toEqual([125, 250, 500]);
  });

  it.each([400, 401, 403, 404, 409, 412, 422, 501])("never retries a %i", async (status) => {
    const server = await serve([{ status }, ok]);
    const { client } = setup(server.baseUrl);
    await caught(() => client.request(call("GET")));
    expect(server.seen).toHaveLength(1);
  });

  it.each([408, 429, 500, 502, 503, 504])("retries a %i for GET, PUT and DELETE", async (status) => {
    for (const method of ["GET", "PUT", "DELETE"] as const) {
      const server = await serve([{ status }, ok]);
      const { client } = setup(server.baseUrl);
      await expect(client.request(call(method))).resolves.toEqual({ ok: true });
      expect(server.seen.map((s) => s.method)).toEqual([method, method]);
    }
  });

  it("does not retry a response that fails the schema", async () => {
    const server = await serve([{ status: 200, body: { ok: "yes" } }, ok]);
    const { client } = setup(server.baseUrl);
    await caught(() => client.request(call("GET")));
    expect(server.seen).toHaveLength(1);
  });

  it("retries a GET after the connection is reset", async () => {
    const server = await serve(["drop", "drop", ok]);
    const { client, events } = setup(server.baseUrl);
    await expect(client.request(call("GET"))).resolves.toEqual({ ok: true });
    expect(events.map((e) => e.error)).toEqual([
      "ConnectionError ECONNRESET",
      "ConnectionError ECONNRESET",
      undefined,
    ]);
  });

  it("retries a GET that times out, up to the attempt limit", async () => {
    const server = await serve(["hang"]);
    const { client } = setup(server.baseUrl, { timeoutMs: 50 });
    const error = await caught(() => client.request(call("GET")));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(server.seen).toHaveLength(4);
  });
});

describe("POST is not retried once it may have reached the server", () => {
  it("makes one attempt after a timeout, and the outcome is unknown", async () => {
    const server = await serve(["hang"]);
    const { client } = setup(server.baseUrl, { timeoutMs: 50 });
    const error = await caught(() => client.request(call("POST")));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(isOutcomeUnknown(error)).toBe(true);
    expect(server.seen).toHaveLength(1);
  });

  it("makes one attempt after a reset after sending, and the outcome is unknown", async () => {
    const server = await serve(["drop", ok]);
    const { client } = setup(server.baseUrl);
    const error = await caught(() => client.request(call("POST")));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(isOutcomeUnknown(error)).toBe(true);
    expect(server.seen).toHaveLength(1);
  });

  it("makes one attempt after a 503, and the outcome is unknown", async () => {
    const server = await serve([{ status: 503 }, ok]);
    const { client } = setup(server.baseUrl);
    const error = await caught(() => client.request(call("POST")));
    expect(error).toBeInstanceOf(ServerError);
    expect(isOutcomeUnknown(error)).toBe(true);
    expect(error.message).toContain("the outcome is unknown");
    expect(server.seen).toHaveLength(1);
  });

  it.each([429, 408])(
    "sends a POST answered %i again (the server refused it before acting on it)",
    async (status) => {
      const server = await serve([{ status, headers: { "retry-after": "1" } }, ok]);
      const { client, time } = setup(server.baseUrl);
      await expect(client.request(call("POST"))).resolves.toEqual({ ok: true });
      expect(server.seen).toHaveLength(2);
      expect(time.waits.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(status === 429 ? 1000 : 0);
    },
  );

  it("gives up a POST refused with 429 four times, with an error whose outcome is known", async () => {
    const busy: Reply = { status: 429, headers: { "retry-after": "1" } };
    const server = await serve([busy, busy, busy, busy, ok]);
    const { client } = setup(server.baseUrl);
    const error = await caught(() => client.request(call("POST")));
    expect(error).toBeInstanceOf(RateLimitError);
    expect(isOutcomeUnknown(error)).toBe(false);
    expect(server.seen).toHaveLength(4);
  });

  it("retries a POST whose connection was refused, and succeeds once the server is up", async () => {
    const port = await closedPort();
    const time = fakeTime();
    let server: TestServer | undefined;
    const events: RequestEvent[] = [];
    const client = new HttpClient({
      api: "NetActuate",
      baseUrl: `http://127.0.0.1:${port}/api`,
      auth: { kind: "bearer", token: TOKEN },
      credentialHint: HINT,
      clock: time.clock,
      rateLimit: false,
      onRequest: (event) => events.push(event),
      // The server comes up during the first backoff.
      sleep: async (ms) => {
        await time.sleep(ms);
        if (server === undefined) {
          server = await startServer([ok], port);
          servers.push(server);
        }
      },
    });
    await expect(client.request(call("POST"))).resolves.toEqual({ ok: true });
    expect(events.map((e) => e.error ?? e.status)).toEqual(["ConnectionError ECONNREFUSED", 200]);
    expect(server?.seen).toHaveLength(1);
  });

  it("reports a refused POST as never sent, so its outcome is known", async () => {
    const port = await closedPort();
    const { client, events } = setup(`http://127.0.0.1:${port}`);
    const error = await caught(() => client.request(call("POST")));
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).requestSent).toBe(false);
    expect(isOutcomeUnknown(error)).toBe(false);
    expect(events).toHaveLength(4);
  });
});

describe("waits", () => {
  it("grows exponentially with full jitter and stops at the cap", async () => {
    const server = await serve([{ status: 500 }]);
    const { client, time } = setup(server.baseUrl, {
      retry: { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 3000, random: () => 0.999 },
    });
    await caught(() => client.request(call("GET")));
    expect(time.waits).toEqual([999, 1998, 2997, 2997]);
  });

  it("waits at least the Retry-After seconds of a 429, never jittered below them", async () => {
    const server = await serve([{ status: 429, headers: { "retry-after": "7" } }, ok]);
    const { client, time } = setup(server.baseUrl, { retry: { random: () => 0 } });
    await expect(client.request(call("GET"))).resolves.toEqual({ ok: true });
    expect(time.waits).toEqual([7000]);
  });

  it("honours a Retry-After given as an HTTP date", async () => {
    const time = fakeTime();
    const server = await serve(() => ({
      status: 503,
      headers: { "retry-after": new Date(time.state.now + 30_000).toUTCString() },
    }));
    const client = new HttpClient({
      api: "TensorDock",
      baseUrl: server.baseUrl,
      auth: { kind: "bearer", token: TOKEN },
      credentialHint: HINT,
      clock: time.clock,
      sleep: time.sleep,
      retry: { maxAttempts: 2, random: () => 0 },
    });
    await caught(() => client.request(call("GET")));
    expect(time.waits).toEqual([30_000]);
  });

  it("keeps the backoff when it is longer than what the server asked", async () => {
    const server = await serve([{ status: 429, headers: { "retry-after": "0" } }, ok]);
    const { client, time } = setup(server.baseUrl);
    await client.request(call("GET"));
    expect(time.waits).toEqual([125]);
  });

  it.each([
    [
      "X-RateLimit-Reset as seconds from now",
      { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "5" },
      5000,
    ],
    [
      "X-RateLimit-Reset as epoch seconds",
      { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(1_800_000_000 + 12) },
      12_000,
    ],
    ["RateLimit-Reset", { "ratelimit-remaining": "0", "ratelimit-reset": "9" }, 9000],
    ["a combined RateLimit header", { ratelimit: '"default";r=0;t=4' }, 4000],
  ])("waits out a 429 until the reset given by %s", async (_name, headers, expected) => {
    const server = await serve([{ status: 429, headers }, ok]);
    const { client, time } = setup(server.baseUrl, { retry: { random: () => 0 } });
    await expect(client.request(call("GET"))).resolves.toEqual({ ok: true });
    expect(time.waits).toEqual([expected]);
  });
});

describe("the deadline", () => {
  it("stops retrying when the next wait would pass it, and throws the last error", async () => {
    const server = await serve([{ status: 503, headers: { "retry-after": "50" } }]);
    const { client, time } = setup(server.baseUrl, { deadlineMs: 120_000, retry: { maxAttempts: 10 } });
    const error = await caught(() => client.request(call("GET")));
    expect(error).toBeInstanceOf(ServerError);
    expect(server.seen).toHaveLength(3);
    expect(time.waits).toEqual([50_000, 50_000]);
  });

  it("counts backoff waits too", async () => {
    const server = await serve([{ status: 500 }]);
    const { client, time } = setup(server.baseUrl, {
      deadlineMs: 1000,
      retry: { maxAttempts: 10, baseDelayMs: 600, random: () => 0.999 },
    });
    await caught(() => client.request(call("GET")));
    expect(time.waits).toEqual([599]);
    expect(server.seen).toHaveLength(2);
  });

  it("cuts the last attempt's timeout to what is left of it", async () => {
    const server = await serve(["hang"]);
    const time = fakeTime();
    const client = new HttpClient({
      api: "TensorDock",
      baseUrl: server.baseUrl,
      auth: { kind: "bearer", token: TOKEN },
      credentialHint: HINT,
      clock: time.clock,
      sleep: time.sleep,
      rateLimit: false,
      deadlineMs: 60,
    });
    const error = await caught(() => client.request(call("GET")));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.message).toContain("the call's deadline of 60 ms passed");
  });
});
