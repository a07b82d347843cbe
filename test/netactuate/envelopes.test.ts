/**
 * Every envelope variant NetActuate's own SDKs accept (their fixtures and their readers: Go, Python, Node,
 * Rust), fed to our client by a raw HTTP stub: each yields data or the error class of what it means, never a
 * response validation error. Every request is sent with the key as `?key=`; no error or event repeats it.
 */
import { inspect } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  AuthenticationError,
  BadRequestError,
  EntitlementError,
  NotFoundError,
  PermissionDeniedError,
  type RequestEvent,
  ResponseValidationError,
  ServerError,
} from "../../sdk/core";
import { NetActuateClient } from "../../sdk/netactuate";
import { closedPort, type Reply, type Seen, startServer, type TestServer } from "../sdk/core/helpers";

const KEY = "na_CANARY_envelope_5c1e9b7a3d";
const LIST = { id: 7, name: "prod" };
const VALUE = { id: 11, secret_list_id: 7, secret_key: "DB_PASSWORD", secret_value: "s3cret value" };
const VALUE_READ = { id: 11, listId: 7, key: "DB_PASSWORD", value: "s3cret value" };

type Call = (client: NetActuateClient) => Promise<unknown>;
const listLists: Call = (c) => c.lists.list();
const listAll: Call = (c) => c.values.listAll();
const getList: Call = (c) => c.lists.retrieve(7);
const getValue: Call = (c) => c.values.retrieve(7, 11);
const createList: Call = (c) => c.lists.create({ name: "prod" });
const createValue: Call = (c) => c.values.create(7, { key: "DB_PASSWORD", value: "s3cret value" });
const renameList: Call = (c) => c.lists.rename(7, { name: "prod" });
const updateValue: Call = (c) => c.values.update(7, 11, { key: "DB_PASSWORD", value: "s3cret value" });
const deleteList: Call = (c) => c.lists.delete(7);
const deleteValue: Call = (c) => c.values.delete(7, 11);

const ok = (body: unknown): Reply => ({ status: 200, body });

interface Row {
  variant: string;
  call: Call;
  /** Answers in order; the last one repeats. */
  answers: Reply[];
  /** What the call resolves to, or the class it rejects with. */
  expected: { data: unknown } | { error: new (...args: never[]) => Error; status?: number };
  /** Request lines (method, path and query without the key) the client sends. */
  requests?: string[];
}

const ROWS: Row[] = [
  // Collections.
  {
    variant: "the house envelope {result, message, data, code, fields}",
    call: listLists,
    answers: [ok({ result: "success", message: "ok", data: [LIST], code: 200, fields: {} })],
    expected: { data: [LIST] },
  },
  {
    variant: "vAPI2's live shape {result, message: null, meta: [], data} without code",
    call: listLists,
    answers: [ok({ result: "success", message: null, meta: [], data: [LIST] })],
    expected: { data: [LIST] },
  },
  {
    variant: "{code, data} without result",
    call: listAll,
    answers: [ok({ code: 200, data: [VALUE] })],
    expected: { data: [VALUE_READ] },
  },
  {
    variant: '{result: "ok", data}',
    call: listLists,
    answers: [ok({ result: "ok", data: [LIST] })],
    expected: { data: [LIST] },
  },
  {
    variant: 'code as the string "200" and fields as an empty array',
    call: listLists,
    answers: [ok({ result: "success", code: "200", fields: [], data: [LIST] })],
    expected: { data: [LIST] },
  },
  {
    variant: "{data} alone",
    call: listLists,
    answers: [ok({ data: [LIST] })],
    expected: { data: [LIST] },
  },
  {
    variant: "a bare array without an envelope",
    call: listLists,
    answers: [ok([LIST])],
    expected: { data: [LIST] },
  },
  {
    variant: "data: null for an empty account",
    call: listAll,
    answers: [ok({ result: "success", data: null })],
    expected: { data: [] },
  },
  {
    variant: "ids and secret_list_id as strings",
    call: listAll,
    answers: [ok({ code: 200, data: [{ ...VALUE, id: "11", secret_list_id: "7" }] })],
    expected: { data: [VALUE_READ] },
  },
  {
    variant: "a one-page Laravel paginator under data.paginator",
    call: listLists,
    answers: [
      ok({ result: "success", data: { paginator: { current_page: 1, last_page: 1, data: [LIST] } } }),
    ],
    expected: { data: [LIST] },
  },
  {
    variant: "a two-page Laravel paginator in data, followed with ?page=2",
    call: listLists,
    answers: [
      ok({ result: "success", data: { current_page: 1, last_page: 2, per_page: 1, data: [LIST] } }),
      ok({
        result: "success",
        data: { current_page: 2, last_page: 2, per_page: 1, data: [{ id: 8, name: "stage" }] },
      }),
    ],
    expected: { data: [LIST, { id: 8, name: "stage" }] },
    requests: ["GET /api/secrets/lists", "GET /api/secrets/lists?page=2"],
  },
  // Reads by id.
  {
    variant: "an object in the house envelope",
    call: getValue,
    answers: [ok({ result: "success", message: "ok", data: VALUE, code: 200, fields: {} })],
    expected: { data: VALUE_READ },
  },
  {
    variant: "an object in {code, data}",
    call: getList,
    answers: [ok({ code: 200, data: LIST })],
    expected: { data: LIST },
  },
  {
    variant: "HTTP 200 with data: null for a missing object",
    call: getList,
    answers: [ok({ result: "success", message: null, data: null })],
    expected: { error: NotFoundError, status: 404 },
  },
  {
    variant: "HTTP 200 with data: [] (an empty PHP map) for a missing object",
    call: getValue,
    answers: [ok({ code: 200, data: [] })],
    expected: { error: NotFoundError, status: 404 },
  },
  {
    variant: "HTTP 200 with code 404",
    call: getList,
    answers: [ok({ result: "error", message: "missing", code: 404, data: null })],
    expected: { error: NotFoundError, status: 404 },
  },
  {
    variant: "HTTP 404 with the envelope",
    call: getValue,
    answers: [{ status: 404, body: { result: "error", message: "missing", data: [], code: 404 } }],
    expected: { error: NotFoundError, status: 404 },
  },
  {
    variant: "HTTP 404 with an HTML page",
    call: getList,
    answers: [
      { status: 404, body: "<html><body>Not Found</body></html>", headers: { "content-type": "text/html" } },
    ],
    expected: { error: NotFoundError, status: 404 },
  },
  {
    variant: "HTTP 422 whose secret_list_id must be a valid one (the Go SDK's not-found)",
    call: getList,
    answers: [
      {
        status: 422,
        body: {
          result: "error",
          code: 422,
          fields: { secret_list_id: ["The secret list id must be a valid secret list."] },
        },
      },
    ],
    expected: { error: NotFoundError, status: 404 },
  },
  {
    variant: "HTTP 200 with code 422 whose secret_list_value_id must be a valid one",
    call: deleteValue,
    answers: [
      ok({
        code: 422,
        fields: { secret_list_value_id: ["The secret list value id must be a valid value."] },
      }),
    ],
    expected: { error: NotFoundError, status: 404 },
  },
  {
    variant: 'HTTP 422 whose message says "could not be found"',
    call: deleteList,
    answers: [{ status: 422, body: { result: "error", message: "Secret list could not be found." } }],
    expected: { error: NotFoundError, status: 404 },
  },
  // Failures that are not "not found".
  {
    variant: 'HTTP 422 whose secret_key "must be a valid" identifier (a real validation error)',
    call: createValue,
    answers: [
      {
        status: 422,
        body: {
          result: "error",
          code: 422,
          fields: { secret_key: ["The secret key must be a valid identifier."] },
        },
      },
    ],
    expected: { error: BadRequestError, status: 422 },
  },
  {
    variant: "HTTP 412 (contract or entitlement)",
    call: listLists,
    answers: [{ status: 412, body: { result: "error", code: 412, message: "Precondition failed" } }],
    expected: { error: EntitlementError, status: 412 },
  },
  {
    variant: "HTTP 200 with code 412",
    call: createList,
    answers: [ok({ code: 412, message: "agreement disabled", data: [] })],
    expected: { error: EntitlementError, status: 412 },
  },
  {
    variant: "HTTP 403 saying the product is not enabled (the Python SDK's contract rule)",
    call: listAll,
    answers: [
      { status: 403, body: { result: "error", message: "Secret Manager is not enabled for this account" } },
    ],
    expected: { error: EntitlementError, status: 412 },
  },
  {
    variant: "HTTP 403 for another reason",
    call: listAll,
    answers: [{ status: 403, body: { result: "error", message: "Your IP address is not allowed" } }],
    expected: { error: PermissionDeniedError, status: 403 },
  },
  {
    variant: 'HTTP 200 with result "error" and no code',
    call: renameList,
    answers: [ok({ result: "error", message: "The request failed." })],
    expected: { error: BadRequestError, status: 400 },
  },
  {
    variant: 'HTTP 200 with result "error" naming a field',
    call: createList,
    answers: [ok({ result: "error", fields: { name: ["The name has already been taken."] } })],
    expected: { error: BadRequestError, status: 422 },
  },
  {
    variant: "HTTP 401 with the envelope",
    call: listLists,
    answers: [{ status: 401, body: { result: "error", code: 401, message: "Unauthenticated." } }],
    expected: { error: AuthenticationError, status: 401 },
  },
  {
    variant: "HTTP 200 with code 500",
    call: listLists,
    answers: [ok({ result: "error", code: 500, message: "Server Error" })],
    expected: { error: ServerError, status: 500 },
  },
  // Writes.
  {
    variant: "a create answered without data, found by its account-unique name",
    call: createList,
    answers: [
      ok({ result: "success", message: "Secret list created." }),
      ok({ result: "success", data: [LIST] }),
    ],
    expected: { data: LIST },
    requests: ["POST /api/secrets/lists", "GET /api/secrets/lists"],
  },
  {
    variant: "a value create answered with data: null, found by its account-unique key",
    call: createValue,
    answers: [ok({ code: 200, data: null }), ok({ code: 200, data: [VALUE] })],
    expected: { data: VALUE_READ },
    requests: ["POST /api/secrets/lists/7/values", "GET /api/secrets/all-values"],
  },
  {
    variant: "a create answered with ids as strings",
    call: createList,
    answers: [ok({ code: 200, data: { id: "7", name: "prod" } })],
    expected: { data: LIST },
  },
  {
    variant: "a rename answered with {code} alone",
    call: renameList,
    answers: [ok({ code: 200 })],
    expected: { data: LIST },
  },
  {
    variant: "an update answered with data: true",
    call: updateValue,
    answers: [ok({ result: "success", data: true })],
    expected: { data: VALUE_READ },
  },
  {
    variant: "a delete answered with {result, message}",
    call: deleteList,
    answers: [ok({ result: "success", message: "Secret list deleted." })],
    expected: { data: undefined },
  },
  {
    variant: "a delete answered with {code, data: null}",
    call: deleteValue,
    answers: [ok({ code: 200, data: null })],
    expected: { data: undefined },
  },
];

let server: TestServer;
let answers: Reply[] = [];

beforeAll(async () => {
  server = await startServer(
    (_request: Seen, index: number) => answers[Math.min(index, answers.length - 1)] ?? "hang",
  );
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.seen.length = 0;
});

/** Method, path and query of a request, with the key taken out (it is checked separately). */
function requestLine(request: Seen): string {
  const url = new URL(request.url, "http://stub");
  expect(url.searchParams.get("key")).toBe(KEY);
  url.searchParams.delete("key");
  return `${request.method} ${url.pathname}${url.search}`;
}

describe.each(ROWS)("NetActuate answers $variant", (row) => {
  it("becomes data or the error of what it means, never a response validation error", async () => {
    answers = row.answers;
    const events: RequestEvent[] = [];
    const client = new NetActuateClient({
      baseUrl: `${server.baseUrl.replace(/\/api\/v2$/, "")}/api/`,
      apiKey: KEY,
      retry: { maxAttempts: 1 },
      onRequest: (event) => events.push(event),
    });
    const outcome = await row.call(client).then(
      (data) => ({ data }),
      (error: unknown) => ({ error }),
    );
    if ("data" in row.expected) {
      expect(outcome).toEqual({ data: row.expected.data });
    } else {
      const { error } = outcome as { error: unknown };
      expect(error).not.toBeInstanceOf(ResponseValidationError);
      expect(error).toBeInstanceOf(row.expected.error);
      if (row.expected.status !== undefined) expect(error).toMatchObject({ status: row.expected.status });
      const reported = JSON.stringify([error, String(error), (error as Error).stack]);
      expect(reported).not.toContain(KEY);
    }
    const lines = server.seen.map(requestLine);
    if (row.requests !== undefined) expect(lines).toEqual(row.requests);
    else expect(lines).toHaveLength(1);
    expect(JSON.stringify(events)).not.toContain(KEY);
  });
});

describe("the API key sent as ?key= (the default)", () => {
  it("never reaches an error, a request event, a wait event or a URL we report, whatever fails", async () => {
    const reported: unknown[] = [];
    const client = (baseUrl: string, timeoutMs = 2_000) =>
      new NetActuateClient({
        baseUrl,
        apiKey: KEY,
        timeoutMs,
        retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
        sleep: async () => {},
        onRequest: (event) => reported.push(event),
        onWait: (event) => reported.push(event),
      });
    const base = `${server.baseUrl.replace(/\/api\/v2$/, "")}/api/`;
    const echoed = `the key ${KEY} at /api/secrets/lists?key=${KEY} is not valid`;
    const failures: [string, Reply[], Call, string][] = [
      [
        "a 401 that echoes the key",
        [{ status: 401, body: { result: "error", message: echoed } }],
        listLists,
        "GET",
      ],
      [
        "a 422 that echoes it in a field",
        [{ status: 422, body: { fields: { key: [echoed] } } }],
        createList,
        "POST",
      ],
      [
        "a 429 with Retry-After, then a 500 that echoes it",
        [
          { status: 429, headers: { "retry-after": "1" }, body: { code: 429, message: echoed } },
          { status: 500, body: { code: 500, message: echoed } },
        ],
        listAll,
        "GET",
      ],
      [
        "an answer that is not JSON and echoes it",
        [{ status: 200, body: `<html>${echoed}</html>` }],
        getList,
        "GET",
      ],
      ["no answer at all", ["hang"], deleteList, "DELETE"],
    ];
    for (const [what, replies, call, method] of failures) {
      answers = replies;
      server.seen.length = 0;
      const error = await call(client(base, 200)).catch((e: unknown) => e);
      expect(error, what).toBeInstanceOf(Error);
      expect(server.seen[0]?.method, what).toBe(method);
      expect(new URL(server.seen[0]?.url ?? "", "http://stub").searchParams.get("key"), what).toBe(KEY);
      reported.push(error, String(error), (error as Error).stack, inspect(error));
    }
    const refused = await listLists(client(`http://127.0.0.1:${await closedPort()}/api/`)).catch(
      (e: unknown) => e,
    );
    reported.push(refused, String(refused), (refused as Error).stack, inspect(refused));
    const text = JSON.stringify(reported);
    expect(
      reported.filter((r) => typeof r === "object" && r !== null && "cause" in r && "waitMs" in r),
    ).not.toHaveLength(0);
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(KEY.slice(0, 12));
    // Server text that echoed the query keeps its shape, with the key cut out.
    expect(text).not.toMatch(/key=(?!\[redacted\])/);
    expect(text).toContain("key=[redacted]");
  });
});
