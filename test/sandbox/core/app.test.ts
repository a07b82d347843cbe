import { afterEach, describe, expect, it } from "vitest";
import { createApp, FaultInjector, listen } from "../../../sandbox/core";
import { call, type Demo, jsonWith, startDemo } from "./demo";

const TOKEN = "demo-token-1234";
let demo: Demo | undefined;

afterEach(async () => {
  await demo?.server.close();
  demo = undefined;
});

describe("createApp", () => {
  it("answers an unknown route with 404 through errorBody and logs it as <unmatched>", async () => {
    demo = await startDemo();
    const answer = await call(demo.server.origin, "GET", "/nowhere/at/all?x=1", { headers: jsonWith(TOKEN) });
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ error: { status: 404, message: "no such route" } });
    expect(demo.lines).toHaveLength(1);
    expect(demo.lines[0]).toMatch(/^GET <unmatched> 404 \d+ms$/);
  });

  it("refuses a body over the limit with 413 through errorBody, logged with the route template", async () => {
    demo = await startDemo({ bodyLimit: 1024 });
    const body = JSON.stringify({ name: "x".repeat(2000) });
    const answer = await call(demo.server.origin, "POST", "/items", { headers: jsonWith(TOKEN), body });
    expect(answer.status).toBe(413);
    expect(answer.body).toEqual({
      error: { status: 413, message: "the request body exceeds the limit of 1024 bytes" },
    });
    expect(demo.commits()).toBe(0);
    expect(demo.lines[0]).toMatch(/^POST \/items 413 \d+ms$/);
  });

  it("applies the 128 KiB default body limit", async () => {
    demo = await startDemo();
    const headers = jsonWith(TOKEN);
    const small = await call(demo.server.origin, "POST", "/items", {
      headers,
      body: JSON.stringify({ name: "x".repeat(100 * 1024) }),
    });
    const large = await call(demo.server.origin, "POST", "/items", {
      headers,
      body: JSON.stringify({ name: "x".repeat(130 * 1024) }),
    });
    expect([small.status, large.status]).toEqual([201, 413]);
  });

  it("answers malformed JSON with 400 through errorBody", async () => {
    demo = await startDemo();
    const answer = await call(demo.server.origin, "POST", "/items", {
      headers: jsonWith(TOKEN),
      body: "{nope",
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: { status: 400, message: "the request body is not valid JSON" } });
  });

  it("answers a malformed URL with 400 through errorBody", async () => {
    demo = await startDemo();
    const answer = await call(demo.server.origin, "GET", "/items/%zz", { headers: jsonWith(TOKEN) });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: { status: 400, message: "the request URL is malformed" } });
  });

  it("parses form-encoded bodies", async () => {
    demo = await startDemo();
    const answer = await call(demo.server.origin, "POST", "/items", {
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/x-www-form-urlencoded" },
      body: "name=from%20a%20form",
    });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ name: "from a form" });
  });

  it("renders a thrown SandboxHttpError with its fields", async () => {
    demo = await startDemo();
    const answer = await call(demo.server.origin, "POST", "/items", { headers: jsonWith(TOKEN), body: "{}" });
    expect(answer.status).toBe(422);
    expect(answer.body).toEqual({
      error: { status: 422, message: "invalid item", fields: { name: ["is required"] } },
    });
  });

  it("answers any other thrown error with a 500 that reveals no internals", async () => {
    demo = await startDemo();
    const answer = await call(demo.server.origin, "GET", "/boom", { headers: jsonWith(TOKEN) });
    expect(answer.status).toBe(500);
    expect(answer.body).toEqual({ error: { status: 500, message: "internal error in the Demo sandbox" } });
    expect(JSON.stringify(answer.body)).not.toContain("internal detail");
    expect(demo.internalErrors).toHaveLength(1);
  });

  it("logs one line per request with the route template, never the query string, path values or token", async () => {
    demo = await startDemo();
    const canaryToken = "CANARY-TOKEN-7f3a";
    const canaryKey = "CANARY-QUERY-91bc";
    await call(demo.server.origin, "POST", `/items?key=${canaryKey}`, {
      headers: jsonWith(canaryToken),
      body: JSON.stringify({ name: "CANARY-BODY" }),
    });
    await call(demo.server.origin, "GET", `/items/item-1?key=${canaryKey}`, {
      headers: { authorization: `Bearer ${canaryToken}` },
    });
    await call(demo.server.origin, "GET", `/items/item-1?other=${canaryKey}`);
    expect(demo.lines).toHaveLength(3);
    expect(demo.lines[0]).toMatch(/^POST \/items 201 \d+ms$/);
    expect(demo.lines[1]).toMatch(/^GET \/items\/:id 200 \d+ms$/);
    // The auth hook's 401 is logged with the template too.
    expect(demo.lines[2]).toMatch(/^GET \/items\/:id 401 \d+ms$/);
    const all = demo.lines.join("\n");
    for (const leak of ["CANARY", "item-1", "?", "key=", "Bearer"]) expect(all).not.toContain(leak);
  });

  it("counts requests by method, template and status in stats", async () => {
    demo = await startDemo();
    const headers = jsonWith(TOKEN);
    await call(demo.server.origin, "GET", "/items", { headers });
    await call(demo.server.origin, "GET", "/items", { headers });
    await call(demo.server.origin, "GET", "/items/missing", { headers });
    await call(demo.server.origin, "GET", "/items");
    expect(demo.app.sandbox.stats()).toEqual({
      requests: { "GET /items": { "200": 2, "401": 1 }, "GET /items/:id": { "404": 1 } },
      total: 4,
      rateLimited: 0,
      peakRateWindow: 0,
    });
    demo.app.sandbox.resetStats();
    expect(demo.app.sandbox.stats()).toEqual({ requests: {}, total: 0, rateLimited: 0, peakRateWindow: 0 });
  });
});

describe("admin routes", () => {
  it("serve stats without a credential and are neither counted nor passed to emulator hooks", async () => {
    demo = await startDemo();
    await call(demo.server.origin, "GET", "/items", { headers: jsonWith(TOKEN) });
    const stats = await call(demo.server.origin, "GET", "/__sandbox/stats");
    expect(stats.status).toBe(200);
    expect(stats.body).toEqual({
      requests: { "GET /items": { "200": 1 } },
      total: 1,
      rateLimited: 0,
      peakRateWindow: 0,
    });
    const reset = await call(demo.server.origin, "POST", "/__sandbox/stats/reset");
    expect(reset.status).toBe(204);
    expect(demo.app.sandbox.stats().total).toBe(0);
    expect(demo.lines.at(-1)).toMatch(/^POST \/__sandbox\/stats\/reset 204 \d+ms$/);
  });

  it("set and clear faults over HTTP", async () => {
    demo = await startDemo();
    const set = await call(demo.server.origin, "POST", "/__sandbox/faults", {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        latencyMs: 1,
        burst: { status: 500, count: 1, method: "GET", route: "/items" },
      }),
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      latencyMs: 1,
      bursts: [{ status: 500, remaining: 1, route: "/items" }],
    });
    const failed = await call(demo.server.origin, "GET", "/items", { headers: jsonWith(TOKEN) });
    expect(failed.status).toBe(500);
    demo.app.sandbox.setFaults({ burst: { status: 503, count: 5 } });
    const cleared = await call(demo.server.origin, "DELETE", "/__sandbox/faults");
    expect(cleared.status).toBe(204);
    expect(demo.faults.snapshot()).toEqual({
      latencyMs: 0,
      bursts: [],
      dropBeforeCommit: [],
      dropAfterCommit: [],
    });
    const recovered = await call(demo.server.origin, "GET", "/items", { headers: jsonWith(TOKEN) });
    expect(recovered.status).toBe(200);
  });

  it("refuse an invalid fault specification with 400 and field messages through errorBody", async () => {
    demo = await startDemo();
    const answer = await call(demo.server.origin, "POST", "/__sandbox/faults", {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ burst: { status: 200, count: 0 } }),
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { status: 400, message: "invalid fault specification" } });
    const fields = (answer.body as { error: { fields: Record<string, string[]> } }).error.fields;
    expect(Object.keys(fields).sort()).toEqual(["burst.count", "burst.status"]);
  });

  it("answer an unknown admin path with 404 through errorBody", async () => {
    demo = await startDemo();
    const answer = await call(demo.server.origin, "GET", "/__sandbox/nothing");
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ error: { status: 404 } });
  });
});

describe("listen", () => {
  it("listens on 127.0.0.1 with an origin clients can use", async () => {
    const app = createApp({
      name: "Bare",
      errorBody: (s, m) => ({ s, m }),
      credentialOf: () => undefined,
      faults: new FaultInjector(),
    });
    app.get("/ping", async () => "pong");
    const server = await listen(app);
    try {
      expect(server.origin).toBe(`http://127.0.0.1:${server.port}`);
      expect((await call(server.origin, "GET", "/ping")).body).toBe("pong");
    } finally {
      await server.close();
      await server.close();
    }
  });

  it("refuses an address that is not loopback", async () => {
    const app = createApp({
      name: "Bare",
      errorBody: (s, m) => ({ s, m }),
      credentialOf: () => undefined,
      faults: new FaultInjector(),
    });
    await expect(listen(app, { host: "0.0.0.0" })).rejects.toThrow(/loopback only/);
    await app.close();
  });
});
