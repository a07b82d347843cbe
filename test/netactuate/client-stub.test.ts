/**
 * The client against a raw HTTP stub that answers what the real API may answer but our sandbox never does:
 * ids as strings, failures inside HTTP 200, "not found" said with a 422, `fields` as an array or null.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  BadRequestError,
  EntitlementError,
  NotFoundError,
  PermissionDeniedError,
  type RequestEvent,
  ResponseValidationError,
  ServerError,
} from "../../sdk/core";
import { NetActuateClient } from "../../sdk/netactuate";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

const KEY = "na_stub_key_canary_7f3a9c";
let server: Server;
let baseUrl: string;
let seen: Seen[] = [];
let answer: { status: number; body: unknown } = { status: 200, body: {} };

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      res.writeHead(answer.status, { "content-type": "application/json" });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  seen = [];
});

const envelope = (data: unknown, code = 200, extra: Record<string, unknown> = {}) => ({
  result: code === 200 ? "success" : "error",
  message: code === 200 ? "ok" : "failed",
  data,
  code,
  fields: [],
  ...extra,
});

function client(events: RequestEvent[] = [], auth: "bearer" | "query" = "bearer") {
  return new NetActuateClient({
    baseUrl,
    apiKey: KEY,
    auth,
    retry: { maxAttempts: 1 },
    sleep: async () => {},
    onRequest: (e) => events.push(e),
  });
}

describe("NetActuateClient as a tolerant reader", () => {
  it("reads ids and secret_list_id sent as strings as numbers", async () => {
    answer = {
      status: 200,
      body: envelope([
        { id: "7", secret_list_id: "3", secret_key: "A", secret_value: "x", created_at: "2024-01-01" },
        { id: 8, secret_list_id: 3, secret_key: "B", secret_value: "y" },
      ]),
    };
    expect(await client().values.listAll()).toEqual([
      { id: 7, listId: 3, key: "A", value: "x" },
      { id: 8, listId: 3, key: "B", value: "y" },
    ]);
  });

  it("reads a code given as a string and fields given as null", async () => {
    answer = { status: 200, body: { ...envelope({ id: "12", name: "prod" }), code: "200", fields: null } };
    expect(await client().lists.retrieve(12)).toEqual({ id: 12, name: "prod" });
  });

  it("treats HTTP 200 with code 404 as NotFoundError", async () => {
    answer = { status: 200, body: envelope(null, 404, { message: "Secret list not found" }) };
    const error = await client()
      .lists.retrieve(5)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).status).toBe(404);
  });

  it("treats HTTP 200 with code 422 as a validation error carrying the field names", async () => {
    answer = {
      status: 200,
      body: envelope(null, 422, { fields: { secret_key: ["The secret key has already been taken."] } }),
    };
    const error = await client()
      .values.create(1, { key: "K", value: "v" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).fields).toEqual(["secret_key"]);
    expect((error as Error).message).toContain("has already been taken");
  });

  it("treats HTTP 200 with code 500 as ServerError, an unknown outcome for a create", async () => {
    answer = { status: 200, body: envelope(null, 500) };
    await expect(client().lists.create({ name: "x" })).rejects.toBeInstanceOf(ServerError);
  });

  it.each([
    ["could not be found", { secretList: ["The selected secret list could not be found."] }],
    ["must be a valid", { secret_list_id: ["The secret list id must be a valid secret list."] }],
  ])("maps a 422 saying %j to NotFoundError", async (_phrase, fields) => {
    answer = { status: 422, body: envelope(null, 422, { fields }) };
    const error = await client()
      .values.retrieve(1, 2)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
  });

  it("maps an HTTP 404 envelope to NotFoundError", async () => {
    answer = { status: 404, body: envelope(null, 404) };
    await expect(client().lists.delete(4)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("maps 412 to EntitlementError, a PermissionDeniedError, about the contract or entitlement", async () => {
    answer = {
      status: 412,
      body: envelope(null, 412, { message: "Secret Manager is not enabled for this contract" }),
    };
    const error = await client()
      .lists.list()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EntitlementError);
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect((error as Error).message).toMatch(/contract or entitlement/);
  });

  it("rejects a success envelope whose data lacks the fields we rely on, naming the field", async () => {
    answer = { status: 200, body: envelope({ id: 1 }) };
    const error = await client()
      .lists.retrieve(1)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as ResponseValidationError).field).toContain("name");
  });

  it("reads an empty account answered with data null as no values", async () => {
    answer = { status: 200, body: envelope(null) };
    expect(await client().values.listAll()).toEqual([]);
  });
});

describe("NetActuateClient requests", () => {
  it("sends the key as ?key= and the body as a form by default, as NetActuate's own SDKs do", async () => {
    answer = {
      status: 200,
      body: envelope({ id: 1, secret_list_id: 2, secret_key: "K", secret_value: "v w&x" }),
    };
    const c = new NetActuateClient({ baseUrl, apiKey: KEY, retry: { maxAttempts: 1 } });
    await c.values.update(2, 1, { key: "K", value: "v w&x" });
    const request = seen[0];
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe(`/api/secrets/lists/2/values/1?key=${KEY}`);
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.headers["content-type"]).toMatch(/^application\/x-www-form-urlencoded/);
    expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
      secret_key: "K",
      secret_value: "v w&x",
    });
  });

  it("sends the key as a Bearer header and the body as JSON when asked, as the docs show", async () => {
    answer = {
      status: 200,
      body: envelope({ id: 1, secret_list_id: 2, secret_key: "K", secret_value: "v" }),
    };
    const c = new NetActuateClient({ baseUrl, apiKey: KEY, auth: "bearer", bodyEncoding: "json" });
    await c.values.update(2, 1, { key: "K", value: "v" });
    const request = seen[0];
    expect(request?.url).toBe("/api/secrets/lists/2/values/1");
    expect(request?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(request?.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(request?.body ?? "")).toEqual({ secret_key: "K", secret_value: "v" });
  });

  it("sends the key as ?key= with query auth and never reports it", async () => {
    const events: RequestEvent[] = [];
    answer = { status: 404, body: envelope(null, 404, { message: `no list for ${KEY}` }) };
    const error = await client(events, "query")
      .lists.retrieve(9)
      .catch((e: unknown) => e);
    expect(seen[0]?.url).toBe(`/api/secrets/lists/9?key=${KEY}`);
    expect(seen[0]?.headers.authorization).toBeUndefined();
    expect(error).toBeInstanceOf(NotFoundError);
    const reported = JSON.stringify([events, error, String(error), (error as Error).stack]);
    expect(reported).not.toContain(KEY);
    expect(reported).not.toContain(encodeURIComponent(KEY));
  });

  it("sends form bodies when asked", async () => {
    answer = { status: 200, body: envelope({ id: 3, name: "a b&c" }) };
    const c = new NetActuateClient({
      baseUrl,
      apiKey: KEY,
      auth: "bearer",
      bodyEncoding: "form",
      retry: { maxAttempts: 1 },
    });
    await c.lists.rename(3, { name: "a b&c" });
    expect(seen[0]?.headers["content-type"]).toMatch(/^application\/x-www-form-urlencoded/);
    expect(new URLSearchParams(seen[0]?.body).get("name")).toBe("a b&c");
  });
});
