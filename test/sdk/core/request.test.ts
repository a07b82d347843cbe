import { afterEach, describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import {
  type Auth,
  BadRequestError,
  errorFor,
  HttpClient,
  type HttpClientOptions,
  NotFoundError,
  type RequestEvent,
  ResponseValidationError,
  ServerError,
} from "../../../sdk/core";
import { caught, fakeTime, HINT, type Reply, startServer, type TestServer, TOKEN } from "./helpers";

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(replies: Parameters<typeof startServer>[0], options: Partial<HttpClientOptions> = {}) {
  const server = await startServer(replies);
  servers.push(server);
  const time = fakeTime();
  const events: RequestEvent[] = [];
  const client = new HttpClient({
    api: "NetActuate",
    baseUrl: server.baseUrl,
    auth: { kind: "bearer", token: TOKEN },
    credentialHint: { config: "netactuate:apiKey", env: "NETACTUATE_API_KEY" },
    clock: time.clock,
    sleep: time.sleep,
    onRequest: (event) => events.push(event),
    ...options,
  });
  return { server, client, events, time };
}

const ok: Reply = { status: 200, body: { ok: true } };
const okSchema = z.object({ ok: z.boolean() });

describe("the outgoing request", () => {
  it.each<[string, Auth, (headers: Record<string, unknown>, url: string) => boolean]>([
    ["a Bearer header", { kind: "bearer", token: TOKEN }, (h) => h.authorization === `Bearer ${TOKEN}`],
    ["a named header", { kind: "header", name: "X-API-KEY", value: TOKEN }, (h) => h["x-api-key"] === TOKEN],
    [
      "a query parameter",
      { kind: "query", name: "key", value: TOKEN },
      (_headers, url) => url === `/api/v2/secrets/lists?limit=5&key=${TOKEN}`,
    ],
  ])("authenticates with %s", async (_name, auth, check) => {
    const { server, client } = await setup([ok], { auth });
    await client.request({
      method: "GET",
      path: "/secrets/lists",
      query: { limit: 5, skip: undefined },
      response: okSchema,
    });
    const [seen] = server.seen;
    expect(seen !== undefined && check(seen.headers, seen.url)).toBe(true);
    if (auth.kind !== "bearer") expect(seen?.headers.authorization).toBeUndefined();
  });

  it("encodes every path segment", async () => {
    const { server, client } = await setup([ok]);
    await client.request({
      method: "GET",
      path: "/secrets/lists/{list}/values/{value}",
      params: { list: 12, value: "a/b c?d#e" },
      response: okSchema,
    });
    expect(server.seen[0]?.url).toBe("/api/v2/secrets/lists/12/values/a%2Fb%20c%3Fd%23e");
  });

  it.each(["", ".", ".."])("rejects the path parameter %j before sending, naming it", async (value) => {
    const { server, client } = await setup([ok]);
    const error = await caught(() =>
      client.request({
        method: "DELETE",
        path: "/secrets/{id}",
        params: { id: value },
        response: z.unknown(),
      }),
    );
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).fields).toEqual(["id"]);
    expect((error as BadRequestError).status).toBeUndefined();
    expect(error.message).toBe(
      'NetActuate DELETE /secrets/{id}: path parameter "id" must not be empty, "." or ".."; pass a real id',
    );
    expect(server.seen).toHaveLength(0);
  });

  it("rejects a missing path parameter before sending", async () => {
    const { server, client } = await setup([ok]);
    const error = await caught(() =>
      client.request({ method: "GET", path: "/secrets/{id}", response: z.unknown() }),
    );
    expect(error.message).toContain('path parameter "id" is missing');
    expect(server.seen).toHaveLength(0);
  });

  it("sends JSON bodies by default", async () => {
    const { server, client } = await setup([ok]);
    await client.request({
      method: "POST",
      path: "/secrets",
      body: { name: "n", tags: [1] },
      response: okSchema,
    });
    expect(server.seen[0]?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(server.seen[0]?.body ?? "")).toEqual({ name: "n", tags: [1] });
  });

  it("sends form bodies when asked", async () => {
    const { server, client } = await setup([ok]);
    await client.request({
      method: "POST",
      path: "/secrets/lists/{id}/values",
      params: { id: 3 },
      body: { secret_key: "K", secret_value: "a b&c=d", skipped: undefined },
      bodyEncoding: "form",
      response: okSchema,
    });
    expect(server.seen[0]?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(server.seen[0]?.body))).toEqual({
      secret_key: "K",
      secret_value: "a b&c=d",
    });
  });

  it("refuses a nested form field before sending", async () => {
    const { server, client } = await setup([ok]);
    const error = await caught(() =>
      client.request({
        method: "POST",
        path: "/x",
        body: { a: { b: 1 } },
        bodyEncoding: "form",
        response: z.unknown(),
      }),
    );
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).fields).toEqual(["a"]);
    expect(server.seen).toHaveLength(0);
  });
});

describe("the response", () => {
  it("lets unknown fields pass and returns the schema's type", async () => {
    const { client } = await setup([{ status: 200, body: { ok: true, extra: { deep: 1 } } }]);
    const result = await client.request({ method: "GET", path: "/x", response: okSchema });
    expectTypeOf(result).toEqualTypeOf<{ ok: boolean }>();
    expect(result).toEqual({ ok: true });
  });

  it("parses a 204 as undefined", async () => {
    const { client } = await setup([{ status: 204 }]);
    await expect(
      client.request({ method: "DELETE", path: "/x", response: z.undefined() }),
    ).resolves.toBeUndefined();
  });

  it("returns a text/plain body verbatim in text mode", async () => {
    const { client } = await setup([
      { status: 200, headers: { "content-type": "text/plain" }, body: '"quoted" value' },
    ]);
    const value = await client.request({
      method: "GET",
      path: "/x",
      responseType: "text",
      response: z.string(),
    });
    expect(value).toBe('"quoted" value');
  });

  it("returns the value of a JSON string in text mode", async () => {
    const { client } = await setup([{ status: 200, body: "s3cr3t" }]);
    const value = await client.request({
      method: "GET",
      path: "/x",
      responseType: "text",
      response: z.string(),
    });
    expect(value).toBe("s3cr3t");
  });

  it("raises a ResponseValidationError for a 200 that is not JSON", async () => {
    const { client } = await setup([
      { status: 200, headers: { "content-type": "text/html" }, body: "<html>" },
    ]);
    const error = (await caught(() =>
      client.request({ method: "GET", path: "/x", response: z.unknown() }),
    )) as ResponseValidationError;
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(error.field).toBe("(body)");
  });

  it("names the first bad field inside arrays", async () => {
    const { client } = await setup([{ status: 200, body: { data: [{ id: 1 }, { id: "x" }] } }]);
    const schema = z.object({ data: z.array(z.object({ id: z.number() })) });
    const error = (await caught(() =>
      client.request({ method: "GET", path: "/x", response: schema }),
    )) as ResponseValidationError;
    expect(error.field).toBe("data[1].id");
    expect(error.message).toContain("NetActuate GET /x: field data[1].id is not a valid number");
  });

  it("opens an envelope with unwrap", async () => {
    const { client } = await setup([
      { status: 200, body: { result: "success", code: 200, data: { id: 5 } } },
    ]);
    const value = await client.request({
      method: "GET",
      path: "/x",
      unwrap: (_status, body) => (body as { data: unknown }).data,
      response: z.object({ id: z.number() }),
    });
    expect(value).toEqual({ id: 5 });
  });

  it("turns an envelope's failure code into the error class of that status", async () => {
    const { client } = await setup([{ status: 200, body: { code: 404, message: "gone" } }]);
    const error = await caught(() =>
      client.request({
        method: "GET",
        path: "/secrets/lists/{id}",
        params: { id: 9 },
        unwrap: (_status, body) => {
          const envelope = body as { code: number; message: string };
          if (envelope.code !== 200) throw errorFor(envelope.code, { detail: envelope.message });
          return body;
        },
        response: z.unknown(),
      }),
    );
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toBe(
      "404 from NetActuate GET /secrets/lists/{id}: not found: gone; the object does not exist or was deleted",
    );
  });

  it("retries an idempotent envelope failure of a retryable status", async () => {
    const { server, client } = await setup([
      { status: 200, body: { code: 503 } },
      { status: 200, body: { code: 200 } },
    ]);
    const unwrap = (_status: number, body: unknown) => {
      const code = (body as { code: number }).code;
      if (code !== 200) throw errorFor(code);
      return body;
    };
    await client.request({ method: "GET", path: "/x", unwrap, response: z.unknown() });
    expect(server.seen).toHaveLength(2);
    const error = await caught(() =>
      client.request({
        method: "POST",
        path: "/x",
        unwrap: () => unwrap(200, { code: 500 }),
        response: z.unknown(),
      }),
    );
    expect(error).toBeInstanceOf(ServerError);
    expect(server.seen).toHaveLength(3);
  });
});

describe("request events", () => {
  it("reports each attempt with the templated path, status and fake-clock duration, and no URL", async () => {
    const { client, events } = await setup([{ status: 503 }, ok], {
      auth: { kind: "query", name: "key", value: TOKEN },
      retry: { random: () => 0 },
    });
    await client.request({
      method: "GET",
      path: "/secrets/lists/{id}",
      params: { id: 42 },
      query: { q: "x" },
      response: okSchema,
    });
    expect(events).toEqual([
      {
        api: "NetActuate",
        method: "GET",
        path: "/secrets/lists/{id}",
        status: 503,
        attempt: 1,
        durationMs: 0,
        error: "ServerError",
      },
      {
        api: "NetActuate",
        method: "GET",
        path: "/secrets/lists/{id}",
        status: 200,
        attempt: 2,
        durationMs: 0,
      },
    ]);
  });

  it("ignores an observer that throws", async () => {
    const { client } = await setup([ok], {
      onRequest: () => {
        throw new Error("observer bug");
      },
    });
    await expect(client.request({ method: "GET", path: "/x", response: okSchema })).resolves.toEqual({
      ok: true,
    });
  });
});

describe("configuration", () => {
  it("refuses a base URL that is not http(s) without repeating it", () => {
    const make = () =>
      new HttpClient({
        api: "TensorDock",
        baseUrl: `ftp://user:${TOKEN}@host`,
        auth: { kind: "bearer", token: "t" },
        credentialHint: HINT,
      });
    expect(make).toThrow("TensorDock: the base URL must be an http:// or https:// URL");
  });

  it("refuses a non-positive timeout", () => {
    const make = () =>
      new HttpClient({
        api: "TensorDock",
        baseUrl: "http://127.0.0.1:1",
        auth: { kind: "bearer", token: "t" },
        credentialHint: HINT,
        timeoutMs: 0,
      });
    expect(make).toThrow(RangeError);
  });
});
