/**
 * Long waits speak: the client tells its `onWait` listener before it waits, once per wait, with safe text
 * that says what it waits for and how long, so a provider can print one line instead of sitting silent.
 */
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { HttpClient, type HttpClientOptions, type WaitEvent } from "../../../sdk/core";
import { fakeTime, HINT, type Reply, startServer, type TestServer, TOKEN } from "./helpers";

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const list = { method: "GET", path: "/secrets", response: z.object({ ok: z.boolean() }) } as const;
const ok: Reply = { status: 200, body: { ok: true } };

async function setup(script: Parameters<typeof startServer>[0], options: Partial<HttpClientOptions> = {}) {
  const server = await startServer(script);
  servers.push(server);
  const time = fakeTime();
  const waits: WaitEvent[] = [];
  const client = new HttpClient({
    api: "TensorDock",
    baseUrl: server.baseUrl,
    auth: { kind: "bearer", token: TOKEN },
    credentialHint: HINT,
    clock: time.clock,
    sleep: time.sleep,
    retry: { random: () => 0.5 },
    onWait: (event) => waits.push(event),
    ...options,
  });
  return { client, time, waits };
}

describe("wait events", () => {
  it("announces the Retry-After wait of a 429 before waiting it, naming the API and the seconds", async () => {
    const { client, time, waits } = await setup([{ status: 429, headers: { "retry-after": "41" } }, ok], {
      rateLimit: false,
    });
    await expect(client.request(list)).resolves.toEqual({ ok: true });
    expect(time.waits).toEqual([41_000]);
    expect(waits).toEqual([
      {
        api: "TensorDock",
        method: "GET",
        path: "/secrets",
        cause: "rate limit (answered 429)",
        waitMs: 41_000,
        message: "TensorDock rate limit (answered 429): waiting 41 s",
      },
    ]);
  });

  it("announces a retry's backoff after a 503 with its status", async () => {
    const { client, waits } = await setup([{ status: 503 }, ok], { rateLimit: false });
    await client.request(list);
    expect(waits.map((w) => w.message)).toEqual([
      expect.stringMatching(/^TensorDock retry after 503: waiting \d+ s$/),
    ]);
  });

  it("announces the hold of a spent server window once, to the request first in the queue", async () => {
    const spent: Reply = {
      status: 200,
      headers: { "x-ratelimit-limit": "100", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "41" },
      body: { ok: true },
    };
    const { client, time, waits } = await setup(() => spent, { rateLimit: { requestsPerMinute: 100 } });
    await client.request(list);
    // Three requests queue behind the spent window: one wait, one event.
    await Promise.all([client.request(list), client.request(list), client.request(list)]);
    expect(time.waits[0]).toBe(41_000);
    expect(waits.filter((w) => w.waitMs >= 41_000).map((w) => w.message)).toEqual([
      "TensorDock rate limit 100 per 41 s (the server's window is spent): waiting 41 s",
    ]);
  });

  it("names our own pace when it is what holds a request", async () => {
    const { client, waits } = await setup(() => ok, { rateLimit: { requestsPerMinute: 1 } });
    await client.request(list);
    await client.request(list);
    expect(waits.map((w) => w.message)).toEqual(["TensorDock rate limit 1/min: waiting 60 s"]);
  });

  it("keeps the request's outcome when the listener throws", async () => {
    const { client } = await setup([{ status: 503 }, ok], {
      rateLimit: false,
      onWait: () => {
        throw new Error("listener failure");
      },
    });
    await expect(client.request(list)).resolves.toEqual({ ok: true });
  });

  it("never puts the token in what it reports", async () => {
    const { client, waits } = await setup([{ status: 429, headers: { "retry-after": "9" } }, ok], {
      rateLimit: false,
    });
    await client.request(list);
    expect(JSON.stringify(waits)).not.toContain(TOKEN);
  });
});
