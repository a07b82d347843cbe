import { afterEach, describe, expect, it } from "vitest";
import { call, type Demo, jsonWith, startDemo } from "./demo";

const TOKEN = "demo-token-1234";
let demo: Demo | undefined;

afterEach(async () => {
  await demo?.server.close();
  demo = undefined;
});

const create = (d: Demo, token = TOKEN) =>
  call(d.server.origin, "POST", "/items", { headers: jsonWith(token), body: JSON.stringify({ name: "n" }) });

describe("rate limiter", () => {
  it("answers 429 with Retry-After and X-RateLimit headers at limit + 1, and resets after the window", async () => {
    let now = 1_000_000;
    const limited = await startDemo({ rateLimit: { limit: 2, windowMs: 60_000 }, clock: () => now });
    demo = limited;
    const get = (token = TOKEN) => call(limited.server.origin, "GET", "/items", { headers: jsonWith(token) });

    const first = await get();
    expect(first.status).toBe(200);
    expect(first.headers).toMatchObject({
      "x-ratelimit-limit": "2",
      "x-ratelimit-remaining": "1",
      "x-ratelimit-reset": "60",
    });
    now += 10_000;
    expect((await get()).headers["x-ratelimit-remaining"]).toBe("0");

    const refused = await get();
    expect(refused.status).toBe(429);
    expect(refused.headers).toMatchObject({
      "retry-after": "50",
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset": "50",
    });
    expect(refused.body).toMatchObject({ error: { status: 429 } });
    // Another credential has its own window.
    expect((await get("other-token-5678")).status).toBe(200);

    now += 49_500;
    const stillRefused = await get();
    expect(stillRefused.status).toBe(429);
    expect(stillRefused.headers["retry-after"]).toBe("1");

    now += 500;
    const afterWindow = await get();
    expect(afterWindow.status).toBe(200);
    expect(afterWindow.headers["x-ratelimit-remaining"]).toBe("1");
    expect(demo.app.sandbox.stats()).toMatchObject({
      rateLimited: 2,
      requests: { "GET /items": { "200": 4, "429": 2 } },
      // Two admitted in the first window of TOKEN: the most any credential had in one window.
      peakRateWindow: 2,
    });
  });

  it("never limits admin routes", async () => {
    demo = await startDemo({ rateLimit: { limit: 1, windowMs: 60_000 }, clock: () => 0 });
    for (let i = 0; i < 3; i++)
      expect((await call(demo.server.origin, "GET", "/__sandbox/stats")).status).toBe(200);
    expect((await call(demo.server.origin, "GET", "/items", { headers: jsonWith(TOKEN) })).status).toBe(200);
  });
});

describe("FaultInjector", () => {
  it("answers a burst to matching requests without touching state, then recovers", async () => {
    demo = await startDemo();
    demo.faults.burst(503, 2, { method: "post", route: "/items" });
    const answers = [await create(demo), await create(demo)];
    expect(answers.map((a) => a.status)).toEqual([503, 503]);
    expect(answers[0]?.headers["retry-after"]).toBe("1");
    expect(answers[0]?.body).toMatchObject({ error: { status: 503 } });
    expect(demo.commits()).toBe(0);
    // A request the burst does not match is served normally meanwhile.
    demo.faults.burst(500, 1, { route: "/items/:id" });
    expect((await call(demo.server.origin, "GET", "/items", { headers: jsonWith(TOKEN) })).status).toBe(200);
    expect((await create(demo)).status).toBe(201);
    expect(demo.commits()).toBe(1);
  });

  it("gives injected 429s a Retry-After", async () => {
    demo = await startDemo();
    demo.faults.burst(429, 1, {}, { retryAfterSeconds: 7 });
    const answer = await create(demo);
    expect([answer.status, answer.headers["retry-after"]]).toEqual([429, "7"]);
  });

  it("drops the connection after the handler committed its work", async () => {
    demo = await startDemo();
    demo.faults.dropAfterCommit(1, { method: "POST", route: "/items" });
    await expect(create(demo)).rejects.toMatchObject({ code: "ECONNRESET" });
    expect(demo.commits()).toBe(1);
    expect(demo.lines.at(-1)).toMatch(/^POST \/items dropped \d+ms$/);
    expect(demo.app.sandbox.stats().requests["POST /items"]).toEqual({ dropped: 1 });
    expect((await create(demo)).status).toBe(201);
    expect(demo.commits()).toBe(2);
  });

  it("does not spend a drop-after-commit on a request refused before its handler", async () => {
    demo = await startDemo();
    demo.faults.dropAfterCommit(1);
    const unauthenticated = await call(demo.server.origin, "POST", "/items", { body: "{}" });
    expect(unauthenticated.status).toBe(401);
    await expect(create(demo)).rejects.toMatchObject({ code: "ECONNRESET" });
    expect(demo.commits()).toBe(1);
  });

  it("drops the connection before any work with dropBeforeCommit", async () => {
    demo = await startDemo();
    demo.faults.dropBeforeCommit(1, { route: "/items" });
    await expect(create(demo)).rejects.toMatchObject({ code: "ECONNRESET" });
    expect(demo.commits()).toBe(0);
    expect((await create(demo)).status).toBe(201);
  });

  it("lets a route drop at its own commit point with afterCommit", async () => {
    demo = await startDemo();
    demo.faults.dropAfterCommit(1, { route: "/touch" });
    await expect(
      call(demo.server.origin, "POST", "/touch", { headers: jsonWith(TOKEN), body: "{}" }),
    ).rejects.toMatchObject({
      code: "ECONNRESET",
    });
    expect([demo.commits(), demo.afterCommitPassed()]).toEqual([1, 0]);
    const answer = await call(demo.server.origin, "POST", "/touch", { headers: jsonWith(TOKEN), body: "{}" });
    expect(answer.status).toBe(200);
    expect([demo.commits(), demo.afterCommitPassed()]).toEqual([2, 1]);
    expect(demo.app.sandbox.stats().requests["POST /touch"]).toEqual({ dropped: 1, "200": 1 });
  });

  it("serves requests normally under added latency", async () => {
    demo = await startDemo();
    demo.faults.setLatency(1);
    expect((await create(demo)).status).toBe(201);
    expect(demo.faults.latencyMs).toBe(1);
  });
});
