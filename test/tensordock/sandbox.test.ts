import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startTensorDockSandbox, type TensorDockSandbox } from "../../sandbox/tensordock";
import { call, canary, createBody, findLeak, privateKeyText, publicKeyLine, readTree } from "./helpers";

const running: TensorDockSandbox[] = [];
const dirs: string[] = [];

async function start(options: Parameters<typeof startTensorDockSandbox>[0] = {}): Promise<TensorDockSandbox> {
  const sandbox = await startTensorDockSandbox(options);
  running.push(sandbox);
  return sandbox;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("TensorDock sandbox", () => {
  it("answers 401 with a JSON error when the token is missing or wrong", async () => {
    const sandbox = await start();
    const missing = await call(sandbox.baseUrl, "GET", "/secrets");
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({
      error: { status: 401, message: expect.stringContaining("missing") },
    });
    expect(missing.headers.get("www-authenticate")).toContain("Bearer");
    const wrong = await call(sandbox.baseUrl, "GET", "/secrets", { token: "not-the-token" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("content-type")).toContain("application/json");
  });

  it("serves the seed OpenAPI shapes by default and never returns GENERIC or SECRET values", async () => {
    const sandbox = await start();
    const token = sandbox.apiToken;
    const key = publicKeyLine("ed25519", "ops@fleet");
    const ssh = await call(sandbox.baseUrl, "POST", "/secrets", {
      token,
      body: createBody("k1", "SSHKEY", key, "seed"),
    });
    expect(ssh.status).toBe(201);
    expect(ssh.body).toEqual({
      data: {
        type: "secret",
        id: expect.any(String),
        attributes: { name: "k1", secret_type: "SSHKEY", value: key },
      },
    });
    const generic = await call(sandbox.baseUrl, "POST", "/secrets", {
      token,
      body: createBody("g1", "GENERIC", "v"),
    });
    expect(generic.status).toBe(201);
    const genericId = (generic.body as { data: { id: string } }).data.id;
    expect(genericId).toMatch(/^[0-9a-f-]{36}$/);
    expect(generic.body).toEqual({
      data: { type: "secret", id: genericId, attributes: { name: "g1", secret_type: "GENERIC" } },
    });
    const list = await call(sandbox.baseUrl, "GET", "/secrets", { token });
    expect(list.body).toEqual({
      data: {
        secrets: [
          {
            type: "secret",
            id: expect.any(String),
            attributes: { name: "k1", secret_type: "SSHKEY", value: key },
          },
          { type: "secret", id: genericId, attributes: { name: "g1", secret_type: "GENERIC" } },
        ],
      },
    });
    const one = await call(sandbox.baseUrl, "GET", `/secrets/${genericId}`, { token });
    expect(one.body).toEqual({
      data: { type: "secret", id: genericId, attributes: { name: "g1", secret_type: "GENERIC" } },
    });
  });

  it("serves the vendor docs' flat shapes in the vendor dialect", async () => {
    const sandbox = await start({ dialect: "vendor" });
    const token = sandbox.apiToken;
    const key = publicKeyLine();
    const created = await call(sandbox.baseUrl, "POST", "/secrets", {
      token,
      body: createBody("k", "SSHKEY", key, "vendor"),
    });
    expect(created.status).toBe(201);
    const id = (created.body as { data: { id: string } }).data.id;
    expect(created.body).toEqual({ data: { type: "secret", id, name: "k" } });
    await call(sandbox.baseUrl, "POST", "/secrets", {
      token,
      body: createBody("s", "SECRET", "hidden", "vendor"),
    });
    const list = await call(sandbox.baseUrl, "GET", "/secrets", { token });
    expect(list.body).toEqual({
      data: {
        secrets: [
          { type: "SSHKEY", id, name: "k" },
          { type: "SECRET", id: expect.any(String), name: "s" },
        ],
      },
    });
    const one = await call(sandbox.baseUrl, "GET", `/secrets/${id}`, { token });
    expect(one.body).toEqual({ data: { type: "secret", id, name: "k", value: key } });
  });

  it("accepts either spelling of the type in both dialects and refuses two spellings that disagree", async () => {
    const seed = await start();
    for (const spelling of ["vendor", "seed", "both"] as const) {
      // The community Terraform provider, a real client, sends `type` only ("vendor").
      const made = await call(seed.baseUrl, "POST", "/secrets", {
        token: seed.apiToken,
        body: createBody(`n-${spelling}`, "GENERIC", "v", spelling),
      });
      expect(made.status, spelling).toBe(201);
    }
    const neither = await call(seed.baseUrl, "POST", "/secrets", {
      token: seed.apiToken,
      body: { data: { type: "secret", attributes: { name: "n", value: "v" } } },
    });
    expect(neither.status).toBe(400);
    expect(neither.body).toMatchObject({
      error: { fields: { "data.attributes.secret_type": [expect.any(String)] } },
    });
    const vendor = await start({ dialect: "vendor" });
    const disagree = await call(vendor.baseUrl, "POST", "/secrets", {
      token: vendor.apiToken,
      body: {
        data: {
          type: "secret",
          attributes: { name: "n", value: "v", type: "GENERIC", secret_type: "SECRET" },
        },
      },
    });
    expect(disagree.status).toBe(400);
    expect(disagree.body).toMatchObject({
      error: { fields: { "data.attributes.secret_type": [expect.any(String)] } },
    });
  });

  it.each([
    ["an unknown type", createBody("n", "PASSWORD", "v"), "data.attributes.secret_type"],
    ["an empty name", createBody("", "GENERIC", "v"), "data.attributes.name"],
    ["a 256-character name", createBody("x".repeat(256), "GENERIC", "v"), "data.attributes.name"],
    ["a value over 64 KiB", createBody("n", "GENERIC", "é".repeat(32 * 1024 + 1)), "data.attributes.value"],
    ["an empty value", createBody("n", "GENERIC", ""), "data.attributes.value"],
    [
      "an SSHKEY that is not a public key",
      createBody("n", "SSHKEY", "ssh-ed25519 AAAAnotakey"),
      "data.attributes.value",
    ],
    ["an SSHKEY that is a private key", createBody("n", "SSHKEY", privateKeyText()), "data.attributes.value"],
    ["a body without data", { attributes: {} }, "data"],
  ])("answers 400 naming the field for %s", async (_label, body, field) => {
    const sandbox = await start();
    const response = await call(sandbox.baseUrl, "POST", "/secrets", { token: sandbox.apiToken, body });
    expect(response.status).toBe(400);
    const error = (response.body as { error: { status: number; fields: Record<string, string[]> } }).error;
    expect(error.status).toBe(400);
    expect(Object.keys(error.fields)).toContain(field);
    expect(sandbox.secrets()).toEqual([]);
  });

  it("accepts a 255-character name and a value of exactly 64 KiB", async () => {
    const sandbox = await start();
    const response = await call(sandbox.baseUrl, "POST", "/secrets", {
      token: sandbox.apiToken,
      body: createBody("n".repeat(255), "GENERIC", "v".repeat(64 * 1024)),
    });
    expect(response.status).toBe(201);
  });

  it("answers 400 for malformed JSON and 413 for bodies over 128 KiB", async () => {
    const sandbox = await start();
    const malformed = await call(sandbox.baseUrl, "POST", "/secrets", {
      token: sandbox.apiToken,
      rawBody: "{nope",
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ error: { status: 400 } });
    const huge = await call(sandbox.baseUrl, "POST", "/secrets", {
      token: sandbox.apiToken,
      body: createBody("n", "GENERIC", "v".repeat(129 * 1024)),
    });
    expect(huge.status).toBe(413);
    expect(huge.body).toMatchObject({ error: { status: 413 } });
  });

  it("deletes a secret, then answers 404 for it, and 405 for an update", async () => {
    const sandbox = await start();
    const token = sandbox.apiToken;
    const created = await call(sandbox.baseUrl, "POST", "/secrets", {
      token,
      body: createBody("n", "GENERIC", "v"),
    });
    const id = (created.body as { data: { id: string } }).data.id;
    const patch = await call(sandbox.baseUrl, "PATCH", `/secrets/${id}`, { token, body: {} });
    expect(patch.status).toBe(405);
    const deleted = await call(sandbox.baseUrl, "DELETE", `/secrets/${id}`, { token });
    expect(deleted).toMatchObject({
      status: 200,
      body: { data: { type: "success", message: expect.any(String) } },
    });
    expect((await call(sandbox.baseUrl, "DELETE", `/secrets/${id}`, { token })).status).toBe(404);
    const missing = await call(sandbox.baseUrl, "GET", `/secrets/${id}`, { token });
    expect(missing).toMatchObject({
      status: 404,
      body: { error: { status: 404, message: expect.any(String) } },
    });
  });

  it("limits each token to 100 requests per minute by default, with Retry-After and X-RateLimit headers", async () => {
    let now = 1_000_000;
    const sandbox = await start({ clock: () => now, tokens: ["tok-a-123456", "tok-b-123456"] });
    for (let i = 0; i < 100; i++) {
      expect((await call(sandbox.baseUrl, "GET", "/secrets", { token: "tok-a-123456" })).status).toBe(200);
    }
    const limited = await call(sandbox.baseUrl, "GET", "/secrets", { token: "tok-a-123456" });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
    expect(limited.headers.get("x-ratelimit-limit")).toBe("100");
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(limited.headers.get("x-ratelimit-reset")).toBe("60");
    expect(limited.body).toMatchObject({ error: { status: 429 } });
    expect((await call(sandbox.baseUrl, "GET", "/secrets", { token: "tok-b-123456" })).status).toBe(200);
    now += 60_000;
    expect((await call(sandbox.baseUrl, "GET", "/secrets", { token: "tok-a-123456" })).status).toBe(200);
    expect(sandbox.stats().rateLimited).toBe(1);
  });

  it("takes a configured rate limit, or none", async () => {
    const tight = await start({ rateLimit: { limit: 2, windowMs: 1_000 } });
    await call(tight.baseUrl, "GET", "/secrets", { token: tight.apiToken });
    await call(tight.baseUrl, "GET", "/secrets", { token: tight.apiToken });
    expect((await call(tight.baseUrl, "GET", "/secrets", { token: tight.apiToken })).status).toBe(429);
    const open = await start({ rateLimit: false });
    for (let i = 0; i < 120; i++) await call(open.baseUrl, "GET", "/secrets", { token: open.apiToken });
    expect(open.stats().rateLimited).toBe(0);
  });

  it("commits a create and then drops the connection when told to", async () => {
    const sandbox = await start();
    sandbox.faults.dropAfterCommit(1, { method: "POST" });
    await expect(
      call(sandbox.baseUrl, "POST", "/secrets", {
        token: sandbox.apiToken,
        body: createBody("dropped", "GENERIC", "v"),
      }),
    ).rejects.toThrow();
    expect(sandbox.secrets()).toEqual([{ id: expect.any(String), name: "dropped", type: "GENERIC" }]);
  });

  it("keeps every one of 64 concurrent creates, each with its own id", async () => {
    const sandbox = await start({ rateLimit: false });
    const results = await Promise.all(
      Array.from({ length: 64 }, (_, i) =>
        call(sandbox.baseUrl, "POST", "/secrets", {
          token: sandbox.apiToken,
          body: createBody(`n${i}`, "GENERIC", "v"),
        }),
      ),
    );
    expect(results.every((r) => r.status === 201)).toBe(true);
    expect(new Set(sandbox.secrets().map((s) => s.id)).size).toBe(64);
  });

  it("seals values at rest: no token or value reaches the database files or the log", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "td-sandbox-"));
    dirs.push(dataDir);
    const token = canary("Token");
    const value = canary("Value");
    const lines: string[] = [];
    const sandbox = await start({ dataDir, tokens: [token], log: (line) => lines.push(line) });
    const created = await call(sandbox.baseUrl, "POST", "/secrets", {
      token,
      body: createBody("named", "SECRET", value),
    });
    const id = (created.body as { data: { id: string } }).data.id;
    await call(sandbox.baseUrl, "GET", `/secrets/${id}`, { token });
    await call(sandbox.baseUrl, "GET", "/secrets", { token: `${token}x` });
    expect(findLeak(readTree(dataDir), [token, value])).toBeUndefined();
    expect(readTree(dataDir)).toContain("named");
    await sandbox.close();
    expect(findLeak(readTree(dataDir), [token, value])).toBeUndefined();
    expect(findLeak(lines.join("\n"), [token, value])).toBeUndefined();
    expect(lines.some((l) => l.startsWith("POST /api/v2/secrets 201"))).toBe(true);
  });

  it("keeps secrets across a restart on the same data directory and key", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "td-sandbox-"));
    dirs.push(dataDir);
    const first = await start({ dataDir });
    await call(first.baseUrl, "POST", "/secrets", {
      token: first.apiToken,
      body: createBody("kept", "GENERIC", "v"),
    });
    await first.close();
    const second = await start({ dataDir });
    expect(second.secrets().map((s) => s.name)).toEqual(["kept"]);
  });
});
