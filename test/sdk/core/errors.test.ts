import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  errorFromStatus,
  HttpClient,
  isOutcomeUnknown,
  mayHaveTakenEffect,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ResponseValidationError,
  SecretstackError,
  ServerError,
  TimeoutError,
} from "../../../sdk/core";
import { caught, closedPort, fakeTime, HINT, startServer, type TestServer, TOKEN } from "./helpers";

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(script: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const server = await startServer(script);
  servers.push(server);
  return server;
}

function client(baseUrl: string, extra: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}) {
  const time = fakeTime();
  return new HttpClient({
    api: "TensorDock",
    baseUrl,
    auth: { kind: "bearer", token: TOKEN },
    credentialHint: HINT,
    clock: time.clock,
    sleep: time.sleep,
    retry: { maxAttempts: 1 },
    rateLimit: false,
    ...extra,
  });
}

const getSecret = {
  method: "GET",
  path: "/secrets/{id}",
  params: { id: "abc" },
  response: z.unknown(),
} as const;

describe("status → error class", () => {
  const table: Array<[number, new (...args: never[]) => SecretstackError]> = [
    [400, BadRequestError],
    [401, AuthenticationError],
    [403, PermissionDeniedError],
    [404, NotFoundError],
    [408, TimeoutError],
    [409, ConflictError],
    [410, NotFoundError],
    [412, PermissionDeniedError],
    [413, BadRequestError],
    [422, BadRequestError],
    [429, RateLimitError],
    [500, ServerError],
    [501, ServerError],
    [502, ServerError],
    [503, ServerError],
    [504, ServerError],
  ];

  it.each(table)("maps a %i response to %o with the endpoint and status", async (status, type) => {
    const server = await serve([{ status, body: { message: "nope" } }]);
    const error = await caught(() => client(server.baseUrl).request(getSecret));
    expect(error).toBeInstanceOf(type);
    expect(error).toBeInstanceOf(SecretstackError);
    const e = error as SecretstackError;
    expect([e.api, e.method, e.path, e.status]).toEqual(["TensorDock", "GET", "/secrets/{id}", status]);
    expect(e.message.startsWith(`${status} from TensorDock GET /secrets/{id}: `)).toBe(true);
    expect(e.detail).toBe("nope");
  });

  it("names the config key and environment variable in a 401 message", () => {
    const error = errorFromStatus(401, {
      api: "TensorDock",
      method: "GET",
      path: "/secrets",
      credentialHint: HINT,
    });
    expect(error.message).toBe(
      "401 from TensorDock GET /secrets: the token was rejected; set tensordock:apiToken or TENSORDOCK_API_TOKEN",
    );
  });

  it("says API key for key-style credentials and names the scope fix on a 403", () => {
    const hint = { config: "walletcrew:apiKey", env: "WALLETCREW_API_KEY" };
    const error = errorFromStatus(403, {
      api: "The Wallet Crew",
      method: "PUT",
      path: "/api/{tenantId}/secrets/{key}",
      credentialHint: hint,
    });
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect(error.message).toContain("the API key may not do this");
    expect(error.message).toContain("set walletcrew:apiKey or WALLETCREW_API_KEY");
  });

  it("carries the field names of a 422 body and names them in the message", async () => {
    const server = await serve([
      { status: 422, body: { message: "invalid", fields: { secret_key: ["taken"], name: ["short"] } } },
    ]);
    const error = (await caught(() => client(server.baseUrl).request(getSecret))) as BadRequestError;
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.fields).toEqual(["secret_key", "name"]);
    expect(error.message).toContain("(fields: secret_key, name)");
  });

  it("reads RFC 7807 problem details (detail and errors) by default", async () => {
    const problem = {
      type: "about:blank",
      title: "Bad",
      status: 400,
      detail: "Key has invalid characters",
      errors: { key: ["x"] },
    };
    const server = await serve([
      { status: 400, headers: { "content-type": "application/problem+json" }, body: problem },
    ]);
    const error = (await caught(() => client(server.baseUrl).request(getSecret))) as BadRequestError;
    expect(error.detail).toBe("Key has invalid characters");
    expect(error.fields).toEqual(["key"]);
  });

  it("lets describeError turn a 422 that means not-found into a NotFoundError", async () => {
    const server = await serve([{ status: 422, body: { message: "The selected list could not be found." } }]);
    const c = client(server.baseUrl, {
      describeError: (_status, body) =>
        /could not be found/.test(String((body as { message?: unknown }).message))
          ? { status: 404 }
          : undefined,
    });
    const error = await caught(() => c.request(getSecret));
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).status).toBe(404);
  });

  it("treats a describer that throws as saying nothing", async () => {
    const server = await serve([{ status: 409, body: { message: "dup" } }]);
    const c = client(server.baseUrl, {
      describeError: () => {
        throw new Error("describer bug");
      },
    });
    const error = (await caught(() => c.request(getSecret))) as ConflictError;
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.detail).toBeUndefined();
  });

  it("reports the server's Retry-After on a RateLimitError", async () => {
    const server = await serve([{ status: 429, headers: { "retry-after": "12" } }]);
    const error = (await caught(() => client(server.baseUrl).request(getSecret))) as RateLimitError;
    expect(error.retryAfterMs).toBe(12_000);
    expect(error.message).toContain("retry after 12 s");
  });

  it("raises a ConnectionError that was never sent when the connection is refused", async () => {
    const port = await closedPort();
    const error = (await caught(() =>
      client(`http://127.0.0.1:${port}`).request(getSecret),
    )) as ConnectionError;
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.requestSent).toBe(false);
    expect(error.code).toBe("ECONNREFUSED");
  });

  it("raises a ConnectionError that was sent when the server drops the connection", async () => {
    const server = await serve(["drop"]);
    const error = (await caught(() => client(server.baseUrl).request(getSecret))) as ConnectionError;
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.requestSent).toBe(true);
    expect(error.code).toBe("ECONNRESET");
  });

  it("raises a TimeoutError when the server never answers within the per-attempt timeout", async () => {
    const server = await serve(["hang"]);
    const error = await caught(() => client(server.baseUrl, { timeoutMs: 50 }).request(getSecret));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.message).toBe("TensorDock GET /secrets/{id}: no response within 50 ms; try again");
  });

  it("raises a ResponseValidationError naming the endpoint and the first bad field", async () => {
    const server = await serve([{ status: 200, body: { data: { id: 7, name: "x" } } }]);
    const schema = z.object({ data: z.object({ id: z.string(), name: z.string() }) });
    const error = (await caught(() =>
      client(server.baseUrl).request({ ...getSecret, response: schema }),
    )) as ResponseValidationError;
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(error.field).toBe("data.id");
    expect(error.message).toContain("unexpected response from TensorDock GET /secrets/{id}: field data.id");
  });

  it("does not follow a redirect (it would replay the credential elsewhere)", async () => {
    const other = await serve([{ status: 200, body: {} }]);
    const server = await serve([{ status: 302, headers: { location: `${other.baseUrl}/secrets/abc` } }]);
    const error = (await caught(() => client(server.baseUrl).request(getSecret))) as SecretstackError;
    expect(error.status).toBe(302);
    expect(other.seen).toHaveLength(0);
  });
});

describe("isOutcomeUnknown", () => {
  const base = { api: "NetActuate", path: "/secrets/lists" } as const;
  const cases: Array<[string, SecretstackError, boolean]> = [
    ["POST 500", errorFromStatus(500, { ...base, method: "POST" }), true],
    ["POST 503", errorFromStatus(503, { ...base, method: "POST" }), true],
    ["PUT 500 (idempotent: a retry is harmless)", errorFromStatus(500, { ...base, method: "PUT" }), false],
    ["POST 422", errorFromStatus(422, { ...base, method: "POST" }), false],
    ["POST 429", errorFromStatus(429, { ...base, method: "POST" }), false],
    ["POST 408 (the request never arrived whole)", errorFromStatus(408, { ...base, method: "POST" }), false],
    ["POST timeout", new TimeoutError("t", { ...base, method: "POST" }), true],
    [
      "POST reset after sending",
      new ConnectionError("c", { ...base, method: "POST", requestSent: true }),
      true,
    ],
    ["POST refused", new ConnectionError("c", { ...base, method: "POST", requestSent: false }), false],
    ["POST unreadable 2xx", new ResponseValidationError("v", { ...base, method: "POST", field: "id" }), true],
  ];
  it.each(cases)("is %s → %s", (_name, error, expected) => {
    expect(isOutcomeUnknown(error)).toBe(expected);
  });

  it("is POST only, while a write of any method may have taken effect on the same failures", () => {
    const put = { ...base, method: "PUT" } as const;
    const rows: Array<[SecretstackError, boolean]> = [
      [errorFromStatus(500, put), true],
      [new TimeoutError("t", put), true],
      [new ConnectionError("c", { ...put, requestSent: true }), true],
      [new ResponseValidationError("v", { ...put, field: "value" }), true],
      [errorFromStatus(422, put), false],
      [errorFromStatus(408, put), false],
      [new ConnectionError("c", { ...put, requestSent: false }), false],
    ];
    for (const [error, mayHave] of rows) {
      expect(isOutcomeUnknown(error)).toBe(false);
      expect(mayHaveTakenEffect(error), error.message).toBe(mayHave);
    }
  });

  it("is false for errors that are not ours", () => {
    expect(isOutcomeUnknown(new Error("x"))).toBe(false);
    expect(mayHaveTakenEffect(new Error("x"))).toBe(false);
    expect(isOutcomeUnknown("POST")).toBe(false);
  });
});

describe("serialization", () => {
  it("puts only allow-listed fields in toJSON", () => {
    const error = errorFromStatus(429, {
      api: "TensorDock",
      method: "GET",
      path: "/secrets",
      retryAfterMs: 1000,
    });
    expect(Object.keys(error.toJSON()).sort()).toEqual(
      [
        "api",
        "attempts",
        "detail",
        "fields",
        "message",
        "method",
        "name",
        "path",
        "retryAfterMs",
        "status",
      ].sort(),
    );
    expect(error.cause).toBeUndefined();
  });

  it("keeps the class name in the stack header", () => {
    const error = errorFromStatus(404, { api: "TensorDock", method: "GET", path: "/secrets/{id}" });
    expect(error.stack?.startsWith("NotFoundError: 404 from TensorDock GET /secrets/{id}")).toBe(true);
    expect(String(error)).toBe(`NotFoundError: ${error.message}`);
  });

  it("says how many attempts were made when it gave up after retries", () => {
    const error = errorFromStatus(503, { api: "TensorDock", method: "GET", path: "/secrets", attempts: 4 });
    expect(error.message.endsWith("(gave up after 4 attempts)")).toBe(true);
    expect(error.attempts).toBe(4);
  });
});
