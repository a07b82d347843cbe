import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NetActuateSandbox, startNetActuateSandbox } from "../../sandbox/netactuate";

const KEY = "na_sandbox_test_key_5b1e0c7d";
let sandbox: NetActuateSandbox;
const logLines: string[] = [];

beforeAll(async () => {
  sandbox = await startNetActuateSandbox({
    apiKeys: [KEY, "na_second_key_2222222222"],
    log: (l) => logLines.push(l),
  });
});
afterAll(async () => {
  await sandbox.close();
});

interface Answer {
  status: number;
  body: { result: string; message: string; data: unknown; code: number; fields: Record<string, string[]> };
  headers: Headers;
}

async function call(
  method: string,
  path: string,
  options: {
    json?: unknown;
    form?: Record<string, string>;
    raw?: string;
    auth?: "bearer" | "query" | "none";
    key?: string;
  } = {},
  target: NetActuateSandbox = sandbox,
): Promise<Answer> {
  const key = options.key ?? KEY;
  const headers: Record<string, string> = {};
  let url = `${target.baseUrl}${path}`;
  if ((options.auth ?? "bearer") === "bearer") headers.authorization = `Bearer ${key}`;
  if (options.auth === "query") url += `${url.includes("?") ? "&" : "?"}key=${encodeURIComponent(key)}`;
  let body: string | undefined;
  if (options.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.json);
  } else if (options.form !== undefined) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(options.form).toString();
  } else if (options.raw !== undefined) {
    headers["content-type"] = "application/json";
    body = options.raw;
  }
  const response = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
  return {
    status: response.status,
    body: (await response.json()) as Answer["body"],
    headers: response.headers,
  };
}

async function newList(name: string): Promise<number> {
  const answer = await call("POST", "/secrets/lists", { json: { name } });
  expect(answer.status).toBe(200);
  return (answer.body.data as { id: number }).id;
}

describe("NetActuate sandbox: envelope and authentication", () => {
  it("wraps a success in the envelope with code 200 and empty fields", async () => {
    const answer = await call("GET", "/secrets/lists");
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ result: "success", code: 200, fields: {} });
    expect(Array.isArray(answer.body.data)).toBe(true);
  });

  it.each(["bearer", "query"] as const)("accepts the key as %s", async (auth) => {
    expect((await call("GET", "/secrets/all-values", { auth })).status).toBe(200);
  });

  it("accepts every configured key", async () => {
    expect((await call("GET", "/secrets/lists", { key: "na_second_key_2222222222" })).status).toBe(200);
  });

  it.each([
    ["no key", { auth: "none" as const }],
    ["a wrong Bearer key", { key: "na_wrong" }],
    ["a wrong query key", { auth: "query" as const, key: "na_wrong" }],
  ])("answers %s with a 401 envelope", async (_what, options) => {
    const answer = await call("GET", "/secrets/lists", options);
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ result: "error", code: 401, data: null, fields: {} });
  });

  it("logs templated paths only, never the query key", async () => {
    await call("GET", "/secrets/lists?x=1", { auth: "query" });
    expect(logLines.some((l) => l.startsWith("GET /api/secrets/lists 200"))).toBe(true);
    expect(logLines.join("\n")).not.toContain(KEY);
  });
});

describe("NetActuate sandbox: lists", () => {
  it("creates a list from a JSON body, a form body, an empty JSON body or no body", async () => {
    const json = await call("POST", "/secrets/lists", { json: { name: "from-json" } });
    const form = await call("POST", "/secrets/lists", { form: { name: "from-form" } });
    const empty = await call("POST", "/secrets/lists", { raw: "" });
    const none = await call("POST", "/secrets/lists");
    expect(json.body.data).toMatchObject({ name: "from-json" });
    expect(form.body.data).toMatchObject({ name: "from-form" });
    const emptyId = (empty.body.data as { id: number }).id;
    expect(empty.body.data).toEqual({ id: emptyId, name: `Secret List ${emptyId}` });
    expect((none.body.data as { name: string }).name).toMatch(/^Secret List \d+$/);
  });

  it("gives sequential integer ids", async () => {
    const a = await newList("seq-a");
    const b = await newList("seq-b");
    expect(b).toBe(a + 1);
  });

  it("refuses a duplicate name (create or rename) with 422 and fields.name", async () => {
    const id = await newList("unique-name");
    const other = await newList("other-name");
    const create = await call("POST", "/secrets/lists", { json: { name: "unique-name" } });
    expect(create.status).toBe(422);
    expect(create.body.fields).toEqual({ name: ["The name has already been taken."] });
    const rename = await call("POST", `/secrets/lists/${other}`, { json: { name: "unique-name" } });
    expect(rename.status).toBe(422);
    const same = await call("POST", `/secrets/lists/${id}`, { json: { name: "unique-name" } });
    expect(same.status).toBe(200);
  });

  it("validates names: a rename needs one, and it must be a non-empty string", async () => {
    const id = await newList("to-validate");
    expect((await call("POST", `/secrets/lists/${id}`, { json: {} })).body.fields).toHaveProperty("name");
    expect((await call("POST", `/secrets/lists/${id}`, { json: { name: 5 } })).status).toBe(422);
    expect((await call("POST", "/secrets/lists", { json: { name: "  " } })).status).toBe(422);
    expect((await call("POST", "/secrets/lists", { json: { name: "x".repeat(256) } })).status).toBe(422);
    expect((await call("POST", "/secrets/lists", { json: ["name"] })).status).toBe(422);
  });

  it("answers unknown and malformed ids with a 404 envelope", async () => {
    for (const path of [
      "/secrets/lists/999999",
      "/secrets/lists/abc",
      "/secrets/lists/0",
      "/secrets/lists/999999/values",
    ]) {
      const answer = await call("GET", path);
      expect(answer.status).toBe(404);
      expect(answer.body).toMatchObject({ result: "error", code: 404 });
    }
    expect((await call("DELETE", "/secrets/lists/999999")).status).toBe(404);
  });

  it("deletes a list's values with it", async () => {
    const id = await newList("cascade");
    await call("POST", `/secrets/lists/${id}/values`, {
      json: { secret_key: "CASCADE_K", secret_value: "v" },
    });
    expect((await call("DELETE", `/secrets/lists/${id}`)).status).toBe(200);
    expect(sandbox.values().some((v) => v.key === "CASCADE_K")).toBe(false);
  });

  it("refuses bodies over 128 KiB with a 413 envelope", async () => {
    const answer = await call("POST", "/secrets/lists", { json: { name: "x".repeat(140 * 1024) } });
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ result: "error", code: 413 });
  });

  it("answers a malformed JSON body with a 400 envelope", async () => {
    const answer = await call("POST", "/secrets/lists", { raw: "{not json" });
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe(400);
  });
});

describe("NetActuate sandbox: values", () => {
  it("creates a value from a form body and returns it with numeric ids", async () => {
    const listId = await newList("form-values");
    const answer = await call("POST", `/secrets/lists/${listId}/values`, {
      form: { secret_key: "FORM_KEY", secret_value: "a=b&c d" },
      auth: "query",
    });
    expect(answer.body.data).toEqual({
      id: expect.any(Number),
      secret_list_id: listId,
      secret_key: "FORM_KEY",
      secret_value: "a=b&c d",
    });
  });

  it("keeps keys unique across the account with 422 and fields.secret_key", async () => {
    const a = await newList("keys-a");
    const b = await newList("keys-b");
    await call("POST", `/secrets/lists/${a}/values`, { json: { secret_key: "SHARED", secret_value: "1" } });
    const dup = await call("POST", `/secrets/lists/${b}/values`, {
      json: { secret_key: "SHARED", secret_value: "2" },
    });
    expect(dup.status).toBe(422);
    expect(dup.body.fields).toEqual({ secret_key: ["The secret key has already been taken."] });
    const other = await call("POST", `/secrets/lists/${b}/values`, {
      json: { secret_key: "OTHER", secret_value: "2" },
    });
    const id = (other.body.data as { id: number }).id;
    const clash = await call("POST", `/secrets/lists/${b}/values/${id}`, {
      json: { secret_key: "SHARED", secret_value: "2" },
    });
    expect(clash.status).toBe(422);
  });

  it("updates key and value in one request and requires both", async () => {
    const listId = await newList("updates");
    const created = await call("POST", `/secrets/lists/${listId}/values`, {
      json: { secret_key: "OLD", secret_value: "1" },
    });
    const id = (created.body.data as { id: number }).id;
    const updated = await call("POST", `/secrets/lists/${listId}/values/${id}`, {
      json: { secret_key: "NEW", secret_value: "2" },
    });
    expect(updated.body.data).toEqual({ id, secret_list_id: listId, secret_key: "NEW", secret_value: "2" });
    const partial = await call("POST", `/secrets/lists/${listId}/values/${id}`, {
      json: { secret_value: "3" },
    });
    expect(partial.status).toBe(422);
    expect(partial.body.fields).toHaveProperty("secret_key");
  });

  it("validates keys and values", async () => {
    const listId = await newList("validation");
    const post = (json: unknown) => call("POST", `/secrets/lists/${listId}/values`, { json });
    for (const bad of ["   ", "tab\there", "K".repeat(129)]) {
      const refused = await post({ secret_key: bad, secret_value: "v" });
      expect(refused.status, JSON.stringify(bad)).toBe(422);
      expect(Object.keys(refused.body.fields as object)).toEqual(["secret_key"]);
    }
    expect((await post({ secret_key: "EMPTY", secret_value: "" })).body.fields).toHaveProperty(
      "secret_value",
    );
    expect((await post({ secret_key: "BIG", secret_value: "é".repeat(33 * 1024) })).status).toBe(422);
    expect((await post({ secret_key: 7, secret_value: ["x"] })).body.fields).toEqual({
      secret_key: ["The secret key field must be a string."],
      secret_value: ["The secret value field must be a string."],
    });
    expect((await post({ secret_key: "a-B_c.9", secret_value: "ok" })).status).toBe(200);
  });

  it("accepts keys as the docs show them: the docs' own example `new key` has a space", async () => {
    const listId = await newList("docs-keys");
    for (const key of ["new key", "K".repeat(128), "ключ"]) {
      const made = await call("POST", `/secrets/lists/${listId}/values`, {
        json: { secret_key: key, secret_value: "new value" },
      });
      expect(made.status, key).toBe(200);
      expect(made.body.data).toMatchObject({ secret_key: key, secret_value: "new value" });
    }
  });

  it("answers a value looked up under another list with 404", async () => {
    const a = await newList("owner");
    const b = await newList("stranger");
    const created = await call("POST", `/secrets/lists/${a}/values`, {
      json: { secret_key: "OWNED", secret_value: "v" },
    });
    const id = (created.body.data as { id: number }).id;
    expect((await call("GET", `/secrets/lists/${b}/values/${id}`)).status).toBe(404);
    expect((await call("DELETE", `/secrets/lists/${b}/values/${id}`)).status).toBe(404);
    expect((await call("GET", `/secrets/lists/${a}/values/${id}`)).status).toBe(200);
  });

  it("lets exactly one of 64 concurrent creates of one key win, and gives 64 distinct keys 64 ids", async () => {
    const listId = await newList("concurrency");
    const same = await Promise.all(
      Array.from({ length: 64 }, (_, i) =>
        call("POST", `/secrets/lists/${listId}/values`, {
          json: { secret_key: "RACE", secret_value: `v${i}` },
        }),
      ),
    );
    expect(same.filter((a) => a.status === 200)).toHaveLength(1);
    expect(same.filter((a) => a.status === 422)).toHaveLength(63);
    const distinct = await Promise.all(
      Array.from({ length: 64 }, (_, i) =>
        call("POST", `/secrets/lists/${listId}/values`, {
          json: { secret_key: `RACE_${i}`, secret_value: "v" },
        }),
      ),
    );
    const ids = distinct.map((a) => (a.body.data as { id: number }).id);
    expect(new Set(ids).size).toBe(64);
    expect(sandbox.values().filter((v) => v.listId === listId)).toHaveLength(65);
  });

  it("shows ids, keys and list ids in process, never values", async () => {
    const listId = await newList("view");
    await call("POST", `/secrets/lists/${listId}/values`, {
      json: { secret_key: "VIEW_K", secret_value: "view-canary-value" },
    });
    expect(sandbox.values()).toContainEqual({ id: expect.any(Number), listId, key: "VIEW_K" });
    expect(sandbox.lists()).toContainEqual({ id: listId, name: "view" });
    expect(JSON.stringify(sandbox.values())).not.toContain("view-canary-value");
  });
});

describe("NetActuate sandbox: faults, limits and storage", () => {
  it("commits a create and then drops the connection when asked", async () => {
    const listId = await newList("drops");
    sandbox.faults.dropAfterCommit(1, { method: "POST", route: "/api/secrets/lists/:secretList/values" });
    await expect(
      call("POST", `/secrets/lists/${listId}/values`, { json: { secret_key: "DROPPED", secret_value: "v" } }),
    ).rejects.toThrow();
    expect(sandbox.values().some((v) => v.key === "DROPPED")).toBe(true);
  });

  it("rate-limits per key when configured, with Retry-After", async () => {
    let now = 1_000_000;
    const limited = await startNetActuateSandbox({
      apiKeys: [KEY],
      rateLimit: { limit: 2, windowMs: 60_000 },
      clock: () => now,
    });
    try {
      expect((await call("GET", "/secrets/lists", {}, limited)).status).toBe(200);
      expect((await call("GET", "/secrets/lists", {}, limited)).status).toBe(200);
      const refused = await call("GET", "/secrets/lists", {}, limited);
      expect(refused.status).toBe(429);
      expect(refused.body.code).toBe(429);
      expect(refused.headers.get("retry-after")).toBe("60");
      now += 60_000;
      expect((await call("GET", "/secrets/lists", {}, limited)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it("keeps values sealed at rest and readable after a restart with the same key only", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "na-sandbox-"));
    const key = Buffer.alloc(32, 7);
    const canary = "CANARY-na-at-rest-8d1f2e";
    try {
      const first = await startNetActuateSandbox({ apiKeys: [KEY], dataDir, key });
      const listId = (await call("POST", "/secrets/lists", { json: { name: "persisted" } }, first)).body
        .data as { id: number };
      await call(
        "POST",
        `/secrets/lists/${listId.id}/values`,
        { json: { secret_key: "AT_REST", secret_value: canary } },
        first,
      );
      await first.close();
      const bytes = readdirSync(dataDir).map((f) => readFileSync(join(dataDir, f)));
      for (const needle of [canary, Buffer.from(canary).toString("base64"), encodeURIComponent(canary)]) {
        expect(bytes.some((b) => b.includes(needle))).toBe(false);
      }
      const second = await startNetActuateSandbox({ apiKeys: [KEY], dataDir, key });
      const all = await call("GET", "/secrets/all-values", {}, second);
      expect(all.body.data).toEqual([
        { id: 1, secret_list_id: listId.id, secret_key: "AT_REST", secret_value: canary },
      ]);
      await second.close();
      await expect(
        startNetActuateSandbox({ apiKeys: [KEY], dataDir, key: Buffer.alloc(32, 8) }),
      ).rejects.toThrow(/does not match/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
