import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startWalletCrewSandbox, type WalletCrewSandbox } from "../../sandbox/walletcrew";
import { recordFigure } from "../support/report";
import { findLeak, readTree } from "../support/leaks";
import { raw } from "./helpers";

const READER = "reader-key-0001";
const WRITER = "writer-key-0001";
const FULL = "full-key-demo-0001";
const FULL_EU = "full-key-eu-0001";

let clock = Date.parse("2030-06-01T00:00:00Z");
let sandbox: WalletCrewSandbox;
const logs: string[] = [];

function json(key: string, extra: Record<string, string> = {}): Record<string, string> {
  return { "x-api-key": key, "content-type": "application/json", ...extra };
}

beforeAll(async () => {
  sandbox = await startWalletCrewSandbox({
    clock: () => clock,
    log: (line) => logs.push(line),
    tenants: [
      {
        id: "demo",
        keys: [
          { key: FULL, scopes: ["Secret.Read", "Secret.Write"] },
          { key: READER, scopes: ["Secret.Read"] },
          { key: WRITER, scopes: ["Secret.Write"] },
        ],
      },
      { id: "demo-eu", keys: [{ key: FULL_EU, scopes: ["Secret.Read", "Secret.Write"] }] },
    ],
  });
});

afterAll(async () => {
  await sandbox.close();
});

beforeEach(() => {
  sandbox.faults.clear();
});

async function put(key: string, body: unknown, apiKey = FULL, tenant = "demo") {
  return raw(sandbox.baseUrl, "PUT", `/api/${tenant}/secrets/${key}`, json(apiKey), JSON.stringify(body));
}

describe("The Wallet Crew sandbox", () => {
  it("stores, lists, returns and deletes a secret", async () => {
    expect((await put("alpha", { value: "first" })).status).toBe(204);
    const list = await raw(sandbox.baseUrl, "GET", "/api/demo/secrets", json(FULL));
    expect(list.status).toBe(200);
    expect(JSON.parse(list.text)).toContain("alpha");
    const got = await raw(sandbox.baseUrl, "GET", "/api/demo/secrets/alpha", json(FULL));
    expect(got).toMatchObject({ status: 200, text: '"first"' });
    expect(got.contentType).toMatch(/^application\/json/);
    expect((await put("alpha", { value: "second" })).status).toBe(204);
    expect((await raw(sandbox.baseUrl, "GET", "/api/demo/secrets/alpha", json(FULL))).text).toBe('"second"');
    expect(
      (await raw(sandbox.baseUrl, "DELETE", "/api/demo/secrets/alpha", { "x-api-key": FULL })).status,
    ).toBe(204);
    const gone = await raw(sandbox.baseUrl, "DELETE", "/api/demo/secrets/alpha", { "x-api-key": FULL });
    expect(gone.status).toBe(404);
    expect(gone.contentType).toMatch(/^application\/problem\+json/);
  });

  it("keys are case-sensitive and tenants are separate", async () => {
    await put("Case", { value: "upper" });
    await put("case", { value: "lower" });
    await put("case", { value: "eu" }, FULL_EU, "demo-eu");
    expect((await raw(sandbox.baseUrl, "GET", "/api/demo/secrets/Case", json(FULL))).text).toBe('"upper"');
    expect((await raw(sandbox.baseUrl, "GET", "/api/demo/secrets/case", json(FULL))).text).toBe('"lower"');
    expect((await raw(sandbox.baseUrl, "GET", "/api/demo-eu/secrets/case", json(FULL_EU))).text).toBe('"eu"');
    expect(sandbox.secrets("demo-eu").map((s) => s.key)).toEqual(["case"]);
  });

  it("answers 401 without a key or with an unknown one, and accepts a bearer token", async () => {
    const none = await raw(sandbox.baseUrl, "GET", "/api/demo/secrets");
    expect(none.status).toBe(401);
    expect(JSON.parse(none.text)).toMatchObject({ status: 401, title: "Unauthorized" });
    expect(
      (await raw(sandbox.baseUrl, "GET", "/api/demo/secrets", { "x-api-key": "nope-nope" })).status,
    ).toBe(401);
    const bearer = await raw(sandbox.baseUrl, "GET", "/api/demo/secrets", {
      authorization: `Bearer ${FULL}`,
    });
    expect(bearer.status).toBe(200);
  });

  it("answers 403 for a missing scope and for a key of another tenant", async () => {
    const write = await put("scoped", { value: "v" }, READER);
    expect(write.status).toBe(403);
    expect(JSON.parse(write.text).detail).toContain("Secret.Write");
    expect((await put("scoped", { value: "v" }, WRITER)).status).toBe(204);
    const read = await raw(sandbox.baseUrl, "GET", "/api/demo/secrets/scoped", json(WRITER));
    expect(read.status).toBe(403);
    expect(JSON.parse(read.text).detail).toContain("Secret.Read");
    expect(
      (await raw(sandbox.baseUrl, "DELETE", "/api/demo/secrets/scoped", { "x-api-key": READER })).status,
    ).toBe(403);
    const other = await raw(sandbox.baseUrl, "GET", "/api/demo-eu/secrets", json(FULL));
    expect(other.status).toBe(403);
    expect(JSON.parse(other.text).detail).toContain("another tenant");
  });

  it.each([
    ["an encoded slash", "a%2Fb"],
    ["a dot-dot segment", ".."],
    ["an encoded dot-dot", "%2E%2E"],
    ["a NUL", "a%00b"],
    ["CR/LF", "a%0D%0Ab"],
    ["a space", "a%20b"],
    ["a dot", "a.b"],
    ["129 characters", "k".repeat(129)],
  ])("answers 400 with problem details for a key with %s", async (_name, key) => {
    for (const method of ["GET", "PUT", "DELETE"]) {
      const body = method === "PUT" ? JSON.stringify({ value: "v" }) : undefined;
      const headers = method === "PUT" ? json(FULL) : { "x-api-key": FULL };
      const answer = await raw(sandbox.baseUrl, method, `/api/demo/secrets/${key}`, headers, body);
      expect(answer.status).toBe(400);
      expect(answer.contentType).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(answer.text)).toMatchObject({ status: 400, errors: { key: [expect.any(String)] } });
    }
  });

  it("answers 405 with Allow for a method a known path does not serve", async () => {
    const patch = await raw(sandbox.baseUrl, "PATCH", "/api/demo/secrets/alpha", json(FULL), "{}");
    expect(patch.status).toBe(405);
    expect(patch.headers.allow).toBe("GET, HEAD, PUT, DELETE");
    expect(patch.contentType).toMatch(/^application\/problem\+json/);
    const post = await raw(sandbox.baseUrl, "POST", "/api/demo/secrets", json(FULL), "{}");
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe("GET, HEAD");
  });

  it('stores a null value (the seed marks value nullable) as the empty value, read back as ""', async () => {
    expect((await put("nullable", { value: "before" })).status).toBe(204);
    expect((await put("nullable", { value: null, expiresOn: "2031-01-01T00:00:00Z" })).status).toBe(204);
    const got = await raw(sandbox.baseUrl, "GET", "/api/demo/secrets/nullable", json(FULL));
    expect(got).toMatchObject({ status: 200, text: '""' });
    const list = await raw(sandbox.baseUrl, "GET", "/api/demo/secrets", json(FULL));
    expect(JSON.parse(list.text)).toContain("nullable");
  });

  it("accepts a 128-character key", async () => {
    expect((await put("K".repeat(128), { value: "v" })).status).toBe(204);
  });

  it("validates the body: value required, at most 64 KiB, dates with offsets, notBefore before expiresOn", async () => {
    const cases: [unknown, string][] = [
      [{}, "value"],
      [{ value: 7 }, "value"],
      [{ value: "x".repeat(64 * 1024 + 1) }, "value"],
      [{ value: "v", expiresOn: "2031-01-01T00:00:00" }, "expiresOn"],
      [{ value: "v", notBefore: "tomorrow" }, "notBefore"],
      [{ value: "v", notBefore: "2031-01-01T00:00:00Z", expiresOn: "2031-01-01T00:00:00Z" }, "notBefore"],
      [{ value: "v", expiresOn: "2031-01-01T00:00:00Z", ExpiresOn: "2031-01-01T00:00:00Z" }, "expiresOn"],
      [{ value: "v", colour: "red" }, "colour"],
    ];
    for (const [body, field] of cases) {
      const answer = await put("validated", body);
      expect(answer.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      const problem = JSON.parse(answer.text);
      expect(problem.title).toBe("One or more validation errors occurred.");
      expect(Object.keys(problem.errors)).toContain(field);
    }
    expect((await put("validated", { value: "x".repeat(64 * 1024) })).status).toBe(204);
  });

  it("never echoes a rejected value in an error", async () => {
    const canary = "canary-value-in-bad-body";
    const answer = await put("echo", { value: canary, expiresOn: "soon" });
    expect(answer.status).toBe(400);
    expect(answer.text).not.toContain(canary);
  });

  it("answers 413 for bodies over 128 KiB and 415 for bodies that are not JSON", async () => {
    const big = await put("big", { value: "x".repeat(130 * 1024) });
    expect(big.status).toBe(413);
    expect(big.contentType).toMatch(/^application\/problem\+json/);
    const text = await raw(
      sandbox.baseUrl,
      "PUT",
      "/api/demo/secrets/t",
      { "x-api-key": FULL, "content-type": "text/plain" },
      "v",
    );
    expect(text.status).toBe(415);
  });

  it("accepts the PascalCase spellings of the validity dates", async () => {
    expect(
      (
        await put("pascal", {
          value: "v",
          ExpiresOn: "2031-01-01T00:00:00Z",
          NotBefore: "2030-01-01T00:00:00+02:00",
        })
      ).status,
    ).toBe(204);
    expect(sandbox.secrets("demo").find((s) => s.key === "pascal")).toEqual({
      key: "pascal",
      expiresOn: "2031-01-01T00:00:00.000Z",
      notBefore: "2029-12-31T22:00:00.000Z",
      valid: true,
    });
  });

  it("evaluates validity at request time: expired and not-yet-valid secrets answer 404 but stay listed", async () => {
    const start = clock;
    await put("short-lived", { value: "v", expiresOn: new Date(start + 60_000).toISOString() });
    await put("later", { value: "v", notBefore: new Date(start + 60_000).toISOString() });
    expect((await raw(sandbox.baseUrl, "GET", "/api/demo/secrets/short-lived", json(FULL))).status).toBe(200);
    expect((await raw(sandbox.baseUrl, "GET", "/api/demo/secrets/later", json(FULL))).status).toBe(404);
    clock = start + 60_000;
    const expired = await raw(sandbox.baseUrl, "GET", "/api/demo/secrets/short-lived", json(FULL));
    expect(expired.status).toBe(404);
    expect(JSON.parse(expired.text).detail).toContain("expired");
    expect((await raw(sandbox.baseUrl, "GET", "/api/demo/secrets/later", json(FULL))).status).toBe(200);
    const keys = JSON.parse((await raw(sandbox.baseUrl, "GET", "/api/demo/secrets", json(FULL))).text);
    expect(keys).toEqual(expect.arrayContaining(["short-lived", "later"]));
    expect(sandbox.secrets("demo").find((s) => s.key === "short-lived")?.valid).toBe(false);
    clock = start;
  });

  it("answers text/plain to a client that asks only for text", async () => {
    await put("texty", { value: 'say "hi"' });
    const text = await raw(sandbox.baseUrl, "GET", "/api/demo/secrets/texty", {
      "x-api-key": FULL,
      accept: "text/plain",
    });
    expect(text.contentType).toMatch(/^text\/plain/);
    expect(text.text).toBe('say "hi"');
  });

  it("injects 429 bursts with Retry-After through the admin route", async () => {
    const set = await raw(
      sandbox.baseUrl,
      "POST",
      "/__sandbox/faults",
      { "content-type": "application/json" },
      JSON.stringify({
        burst: { status: 429, count: 1, retryAfterSeconds: 7, route: "/api/:tenantId/secrets" },
      }),
    );
    expect(set.status).toBe(200);
    const limited = await raw(sandbox.baseUrl, "GET", "/api/demo/secrets", json(FULL));
    expect(limited.status).toBe(429);
    expect(limited.headers["retry-after"]).toBe("7");
    expect(JSON.parse(limited.text)).toMatchObject({ status: 429 });
    expect((await raw(sandbox.baseUrl, "GET", "/api/demo/secrets", json(FULL))).status).toBe(200);
  });

  it("keeps 64 concurrent writers consistent: no lost key, the last value of each key wins", async () => {
    const writes = Array.from({ length: 64 }, (_, i) => put(`conc-${i % 16}`, { value: `value-${i}` }));
    const answers = await Promise.all(writes);
    expect(answers.every((a) => a.status === 204)).toBe(true);
    const keys = sandbox.secrets("demo").filter((s) => s.key.startsWith("conc-"));
    recordFigure({
      section: "Load",
      case: "The Wallet Crew sandbox: 64 concurrent PUTs to 16 keys",
      measure: "keys stored",
      value: keys.length,
      target: "= 16",
      ok: keys.length === 16,
    });
    expect(keys).toHaveLength(16);
    const got = await raw(sandbox.baseUrl, "GET", "/api/demo/secrets/conc-3", json(FULL));
    expect(["value-3", "value-19", "value-35", "value-51"]).toContain(JSON.parse(got.text));
  });

  it("logs route templates and statuses, never keys, values or API keys", () => {
    const text = logs.join("\n");
    expect(text).toContain("PUT /api/:tenantId/secrets/:key 204");
    expect(
      findLeak(text, [FULL, READER, "first", "canary-value-in-bad-body", "short-lived"]),
    ).toBeUndefined();
  });

  it("counts requests by route and status", () => {
    const stats = sandbox.stats();
    expect(stats.requests["GET /api/:tenantId/secrets"]?.["401"]).toBeGreaterThanOrEqual(1);
  });
});

describe("The Wallet Crew sandbox at rest", () => {
  it("encrypts values in its data files, binds them to tenant and key, and keeps them across restarts", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "wc-sandbox-"));
    try {
      const canary = "canary-at-rest-7f3a9c";
      const first = await startWalletCrewSandbox({ dataDir });
      expect(first.tenants.map((t) => t.id)).toEqual(["demo", "demo-eu"]);
      const headers = json(first.apiKey);
      await raw(first.baseUrl, "PUT", "/api/demo/secrets/kept", headers, JSON.stringify({ value: canary }));
      await raw(
        first.baseUrl,
        "PUT",
        "/api/demo/secrets/other",
        headers,
        JSON.stringify({ value: "other-value" }),
      );
      await first.close();
      expect(findLeak(readTree(dataDir), [canary, first.apiKey])).toBeUndefined();

      const second = await startWalletCrewSandbox({ dataDir });
      expect(second.apiKey).toBe(first.apiKey);
      const got = await raw(second.baseUrl, "GET", "/api/demo/secrets/kept", json(second.apiKey));
      expect(JSON.parse(got.text)).toBe(canary);
      await second.close();

      // A sealed value copied onto another record does not open there.
      const db = new DatabaseSync(join(dataDir, "walletcrew.db"));
      db.exec(
        "UPDATE walletcrew_secrets SET value = (SELECT value FROM walletcrew_secrets WHERE key = 'kept') WHERE key = 'other'",
      );
      db.close();
      const third = await startWalletCrewSandbox({ dataDir });
      const moved = await raw(third.baseUrl, "GET", "/api/demo/secrets/other", json(third.apiKey));
      expect(moved.status).toBe(500);
      expect(moved.text).not.toContain(canary);
      await third.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("rate limits per API key when asked to, with Retry-After", async () => {
    let now = 0;
    const limited = await startWalletCrewSandbox({
      rateLimit: { limit: 2, windowMs: 60_000 },
      clock: () => now,
    });
    try {
      const headers = json(limited.apiKey);
      expect((await raw(limited.baseUrl, "GET", "/api/demo/secrets", headers)).status).toBe(200);
      expect((await raw(limited.baseUrl, "GET", "/api/demo/secrets", headers)).status).toBe(200);
      const third = await raw(limited.baseUrl, "GET", "/api/demo/secrets", headers);
      expect(third.status).toBe(429);
      expect(third.headers["retry-after"]).toBe("60");
      now = 60_000;
      expect((await raw(limited.baseUrl, "GET", "/api/demo/secrets", headers)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it("refuses an API key listed for two tenants", async () => {
    await expect(
      startWalletCrewSandbox({
        tenants: [
          { id: "a", keys: [{ key: "shared-key-1", scopes: ["Secret.Read"] }] },
          { id: "b", keys: [{ key: "shared-key-1", scopes: ["Secret.Read"] }] },
        ],
      }),
    ).rejects.toThrow(/two tenants/);
  });
});
