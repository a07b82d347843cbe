/**
 * Hostile requests to each sandbox API, one table per API with the status each row must get: bad keys and
 * ids (path traversal, encoded slashes, NUL, CR/LF, Unicode look-alikes, `__proto__`), oversized bodies,
 * wrong JSON types, missing, wrong or insufficiently scoped credentials, and cross-tenant access. Every answer
 * must also have a clear body: the API's own error format, the same status inside, a non-empty message, and
 * nothing of the request echoed back (no control character, no credential, no injected header).
 */
import { type RawRequest, type RawResponse, rawRequest } from "./rawHttp";

/** The API a table is about, which decides the error format. */
export type TableApi = "TensorDock" | "The Wallet Crew" | "NetActuate";

/** What a row is about. */
export type RowKind = "key" | "size" | "type" | "credential" | "tenant";

/** One hostile request and the status it must get. */
export interface Row {
  kind: RowKind;
  name: string;
  request: RawRequest;
  status: number;
}

/** The result of one row. */
export interface RowOutcome {
  row: Row;
  status: number;
  /** Why the row failed; undefined when it passed. */
  problem: string | undefined;
}

const JSON_TYPE = { "content-type": "application/json" };
const encode = (text: string) => encodeURIComponent(text);

/** The id with its first digit replaced by its fullwidth look-alike (U+FF10…U+FF19), URL-encoded. */
export function lookAlikeOf(id: string): string {
  const at = id.search(/[0-9]/);
  if (at < 0) return `${encode("\u0430")}${id}`;
  const digit = String.fromCharCode(0xff10 + Number(id[at]));
  return `${id.slice(0, at)}${encode(digit)}${id.slice(at + 1)}`;
}

/** A body of `bytes` bytes that is valid JSON of the API's create shape. */
const padded = (bytes: number, wrap: (value: string) => unknown) => JSON.stringify(wrap("x".repeat(bytes)));

/** Rows shared by every API: bad path keys/ids of one item route, checked with GET (and DELETE, harmlessly). */
function pathKeyRows(
  item: (key: string) => string,
  real: string,
  headers: Record<string, string>,
  status: { missing: number; malformed: number },
): Row[] {
  const get = (name: string, key: string, expected: number, method = "GET"): Row => ({
    kind: "key",
    name: `${method} ${name}`,
    request: { method, path: item(key), headers },
    status: expected,
  });
  return [
    get("path traversal ..", "..", status.malformed),
    get("path traversal %2E%2E", "%2E%2E", status.malformed),
    get("encoded traversal ..%2F..", "..%2F..%2Fsecrets", status.malformed),
    get("encoded slash after a real key", `${real}%2F..`, status.malformed),
    get("encoded slash", "a%2Fb", status.malformed),
    get("NUL", `${real}%00`, status.malformed),
    get("encoded CR/LF with an injected header", "a%0D%0ASet-Cookie:%20injected=1", status.malformed),
    get("Unicode look-alike of a real key", lookAlikeOf(real), status.malformed),
    get("right-to-left override", `${encode("\u202e")}${real}`, status.malformed),
    get("Unicode look-alike of a real key", lookAlikeOf(real), status.malformed, "DELETE"),
    get("__proto__", "__proto__", status.missing),
    get("constructor", "constructor", status.missing),
    // Raw bytes that no client library would send: the server's HTTP parser refuses them, in the API's format.
    {
      kind: "key",
      name: "GET raw CR in the request target",
      request: { method: "GET", path: `${item("a\rb")}`, headers },
      status: 400,
    },
    {
      kind: "key",
      name: "GET raw NUL in the request target",
      request: { method: "GET", path: `${item("a\u0000b")}`, headers },
      status: 400,
    },
  ];
}

/** The three tables, given the sandbox's origins, credentials and the real objects the rows aim next to. */
export interface TableContext {
  tensordock: { origin: string; token: string; realId: string };
  walletcrew: {
    origin: string;
    tenant: string;
    otherTenant: string;
    /** Keys of `tenant`: both scopes, read only, write only. */
    keys: { full: string; readOnly: string; writeOnly: string };
    /** A key of `otherTenant`. */
    otherKey: string;
    realKey: string;
    otherRealKey: string;
  };
  netactuate: { origin: string; apiKey: string; listId: number; valueId: number };
}

function tensordockRows(c: TableContext["tensordock"]): Row[] {
  const auth = { authorization: `Bearer ${c.token}` };
  const secrets = "/api/v2/secrets";
  const create = (
    name: string,
    body: string,
    status: number,
    kind: RowKind = "type",
    headers = { ...auth, ...JSON_TYPE },
  ): Row => ({
    kind,
    name,
    request: { method: "POST", path: secrets, headers, body },
    status,
  });
  const attrs = (attributes: Record<string, unknown>) =>
    JSON.stringify({ data: { type: "secret", attributes } });
  const good = { name: "n", type: "GENERIC", secret_type: "GENERIC", value: "v" };
  return [
    ...pathKeyRows((key) => `${secrets}/${key}`, c.realId, auth, { missing: 404, malformed: 404 }),
    create("POST name with NUL", attrs({ ...good, name: "a\u0000b" }), 400, "key"),
    create("POST name with CR/LF", attrs({ ...good, name: "a\r\nb" }), 400, "key"),
    create(
      "POST body with a __proto__ member",
      `{"__proto__":{"admin":true},"data":{"type":"secret","attributes":${JSON.stringify(good)}}}`,
      400,
      "key",
    ),
    create(
      "POST attributes with a constructor.prototype member",
      `{"data":{"type":"secret","attributes":{"constructor":{"prototype":{"admin":true}},"name":"n","type":"GENERIC","value":"v"}}}`,
      400,
      "key",
    ),
    create(
      "POST 200 KiB body",
      padded(200 * 1024, (value) => ({ data: { type: "secret", attributes: { ...good, value } } })),
      413,
      "size",
    ),
    create(
      "POST value of 64 KiB + 1 byte",
      attrs({ ...good, value: "x".repeat(64 * 1024 + 1) }),
      400,
      "size",
    ),
    create("POST name as a number", attrs({ ...good, name: 123 }), 400),
    create("POST value as an object", attrs({ ...good, value: {} }), 400),
    create("POST type not in the enum", attrs({ ...good, type: "PASSWORD", secret_type: "PASSWORD" }), 400),
    create(
      "POST SSHKEY whose value is no key",
      attrs({ ...good, type: "SSHKEY", secret_type: "SSHKEY" }),
      400,
    ),
    create("POST attributes as an array", JSON.stringify({ data: { type: "secret", attributes: [] } }), 400),
    create("POST data null", JSON.stringify({ data: null }), 400),
    create("POST body as an array", "[]", 400),
    create("POST body null", "null", 400),
    create("POST invalid JSON", "{", 400),
    create("POST text/plain body", "name=n", 415, "type", { ...auth, "content-type": "text/plain" }),
    {
      kind: "credential",
      name: "GET without Authorization",
      request: { method: "GET", path: secrets },
      status: 401,
    },
    {
      kind: "credential",
      name: "GET with a wrong token",
      request: { method: "GET", path: secrets, headers: { authorization: "Bearer wrong-token-123456" } },
      status: 401,
    },
    {
      kind: "credential",
      name: "GET with Basic instead of Bearer",
      request: {
        method: "GET",
        path: secrets,
        headers: { authorization: `Basic ${Buffer.from(`x:${c.token}`).toString("base64")}` },
      },
      status: 401,
    },
    {
      kind: "credential",
      name: "GET with an empty Bearer",
      request: { method: "GET", path: secrets, headers: { authorization: "Bearer " } },
      status: 401,
    },
    {
      kind: "credential",
      name: "GET with the token in the query string",
      request: { method: "GET", path: `${secrets}?token=${c.token}` },
      status: 401,
    },
    {
      kind: "credential",
      name: "DELETE a real secret without a token",
      request: { method: "DELETE", path: `${secrets}/${c.realId}` },
      status: 401,
    },
  ];
}

function walletcrewRows(c: TableContext["walletcrew"]): Row[] {
  const full = { "x-api-key": c.keys.full };
  const base = `/api/${c.tenant}/secrets`;
  const put = (
    name: string,
    body: string,
    status: number,
    kind: RowKind = "type",
    headers: Record<string, string> = { ...full, ...JSON_TYPE },
    key = "bad-input",
  ): Row => ({
    kind,
    name,
    request: { method: "PUT", path: `${base}/${key}`, headers, body },
    status,
  });
  const value = (body: Record<string, unknown>) => JSON.stringify(body);
  const asKey = (key: string, name: string, status: number): Row =>
    put(`PUT key ${name}`, value({ value: "v" }), status, "key", { ...full, ...JSON_TYPE }, key);
  return [
    ...pathKeyRows((key) => `${base}/${key}`, c.realKey, full, { missing: 404, malformed: 400 }),
    asKey("a%2Fb", "with an encoded slash", 400),
    asKey("a%00b", "with NUL", 400),
    asKey("a%0D%0Ab", "with CR/LF", 400),
    asKey(lookAlikeOf(c.realKey), "look-alike of a real key", 400),
    asKey("K".repeat(129), "of 129 characters", 400),
    {
      kind: "key",
      name: "GET tenant __proto__",
      request: { method: "GET", path: "/api/__proto__/secrets", headers: full },
      status: 403,
    },
    {
      kind: "key",
      name: "GET tenant ..%2F<other tenant>",
      request: { method: "GET", path: `/api/..%2F${c.otherTenant}/secrets`, headers: full },
      status: 403,
    },
    put("PUT body with a __proto__ member", `{"__proto__":{"value":"x"},"value":"v"}`, 400, "key"),
    put(
      "PUT body with a constructor.prototype member",
      `{"constructor":{"prototype":{"value":"x"}},"value":"v"}`,
      400,
      "key",
    ),
    put(
      "PUT 200 KiB body",
      padded(200 * 1024, (v) => ({ value: v })),
      413,
      "size",
    ),
    put("PUT value of 64 KiB + 1 byte", value({ value: "x".repeat(64 * 1024 + 1) }), 400, "size"),
    put("PUT value as a number", value({ value: 5 }), 400),
    // A null value is not in this table: the seed marks value nullable, and the sandbox stores it as "".
    put("PUT value as an array", value({ value: ["x"] }), 400),
    put("PUT without value", value({ expiresOn: "2030-01-01T00:00:00Z" }), 400),
    put("PUT body as an array", "[]", 400),
    put("PUT body null", "null", 400),
    put("PUT invalid JSON", "{", 400),
    put("PUT expiresOn as a number", value({ value: "v", expiresOn: 1893456000 }), 400),
    put("PUT expiresOn not a date-time", value({ value: "v", expiresOn: "tomorrow" }), 400),
    put("PUT expiresOn without an offset", value({ value: "v", expiresOn: "2030-01-01T00:00:00" }), 400),
    put(
      "PUT notBefore after expiresOn",
      value({ value: "v", expiresOn: "2030-01-01T00:00:00Z", notBefore: "2031-01-01T00:00:00Z" }),
      400,
    ),
    put(
      "PUT expiresOn given twice",
      value({ value: "v", expiresOn: "2030-01-01T00:00:00Z", ExpiresOn: "2030-01-01T00:00:00Z" }),
      400,
    ),
    put("PUT unknown field", value({ value: "v", valeu: "typo" }), 400),
    put("PUT text/plain body", "v", 415, "type", { ...full, "content-type": "text/plain" }),
    { kind: "credential", name: "GET without a key", request: { method: "GET", path: base }, status: 401 },
    {
      kind: "credential",
      name: "GET with a wrong key",
      request: { method: "GET", path: base, headers: { "x-api-key": "wrong-key-123456" } },
      status: 401,
    },
    {
      kind: "credential",
      name: "GET with a wrong Bearer token",
      request: { method: "GET", path: base, headers: { authorization: "Bearer wrong-key-123456" } },
      status: 401,
    },
    {
      kind: "credential",
      name: "GET with the key in the query string",
      request: { method: "GET", path: `${base}?apiKey=${c.keys.full}` },
      status: 401,
    },
    put("PUT with a read-only key", value({ value: "v" }), 403, "credential", {
      "x-api-key": c.keys.readOnly,
      ...JSON_TYPE,
    }),
    {
      kind: "credential",
      name: "DELETE with a read-only key",
      request: { method: "DELETE", path: `${base}/${c.realKey}`, headers: { "x-api-key": c.keys.readOnly } },
      status: 403,
    },
    {
      kind: "credential",
      name: "GET a value with a write-only key",
      request: { method: "GET", path: `${base}/${c.realKey}`, headers: { "x-api-key": c.keys.writeOnly } },
      status: 403,
    },
    {
      kind: "credential",
      name: "GET the list with a write-only key",
      request: { method: "GET", path: base, headers: { "x-api-key": c.keys.writeOnly } },
      status: 403,
    },
    {
      kind: "tenant",
      name: "GET another tenant's list",
      request: { method: "GET", path: `/api/${c.otherTenant}/secrets`, headers: full },
      status: 403,
    },
    {
      kind: "tenant",
      name: "GET another tenant's value",
      request: { method: "GET", path: `/api/${c.otherTenant}/secrets/${c.otherRealKey}`, headers: full },
      status: 403,
    },
    {
      kind: "tenant",
      name: "PUT into another tenant",
      request: {
        method: "PUT",
        path: `/api/${c.otherTenant}/secrets/${c.otherRealKey}`,
        headers: { ...full, ...JSON_TYPE },
        body: value({ value: "overwritten" }),
      },
      status: 403,
    },
    {
      kind: "tenant",
      name: "DELETE in another tenant",
      request: { method: "DELETE", path: `/api/${c.otherTenant}/secrets/${c.otherRealKey}`, headers: full },
      status: 403,
    },
    {
      kind: "tenant",
      name: "GET this tenant with the other tenant's key",
      request: { method: "GET", path: `${base}/${c.realKey}`, headers: { "x-api-key": c.otherKey } },
      status: 403,
    },
    {
      kind: "tenant",
      name: "GET an unknown tenant",
      request: { method: "GET", path: "/api/no-such-tenant/secrets", headers: full },
      status: 403,
    },
  ];
}

function netactuateRows(c: TableContext["netactuate"]): Row[] {
  const auth = { authorization: `Bearer ${c.apiKey}` };
  const lists = "/api/secrets/lists";
  const values = `${lists}/${c.listId}/values`;
  const post = (
    name: string,
    path: string,
    body: string,
    status: number,
    kind: RowKind = "type",
    headers: Record<string, string> = { ...auth, ...JSON_TYPE },
  ): Row => ({
    kind,
    name,
    request: { method: "POST", path, headers, body },
    status,
  });
  const pair = (key: unknown, value: unknown = "v") =>
    JSON.stringify({ secret_key: key, secret_value: value });
  const badKey = (key: string, name: string) =>
    post(`POST secret_key ${name}`, values, pair(key), 422, "key");
  return [
    ...pathKeyRows((id) => `${lists}/${id}`, String(c.listId), auth, { missing: 404, malformed: 404 }),
    ...pathKeyRows((id) => `${values}/${id}`, String(c.valueId), auth, {
      missing: 404,
      malformed: 404,
    }),
    {
      kind: "key",
      name: "GET list id -1",
      request: { method: "GET", path: `${lists}/-1`, headers: auth },
      status: 404,
    },
    {
      kind: "key",
      name: "GET list id in exponent form",
      request: { method: "GET", path: `${lists}/1e0`, headers: auth },
      status: 404,
    },
    {
      kind: "key",
      name: "GET list id past 2^53",
      request: { method: "GET", path: `${lists}/99999999999999999999`, headers: auth },
      status: 404,
    },
    {
      kind: "key",
      name: "GET list id in Arabic-Indic digits",
      request: { method: "GET", path: `${lists}/${encode("\u0661")}`, headers: auth },
      status: 404,
    },
    // Keys are taken as the docs show them (`new key`): only blank keys, control characters and length refuse.
    badKey("   ", "blank"),
    badKey("a\u0000b", "with NUL"),
    badKey("a\r\nb", "with CR/LF"),
    badKey("a\tb", "with a tab"),
    badKey("a\u007fb", "with DEL"),
    badKey("", "empty"),
    badKey("K".repeat(129), "of 129 characters"),
    post(
      "POST body with a __proto__ member",
      values,
      `{"__proto__":{"admin":true},"secret_key":"PROTO","secret_value":"v"}`,
      400,
      "key",
    ),
    post(
      "POST list body with a constructor.prototype member",
      lists,
      `{"constructor":{"prototype":{"admin":true}},"name":"proto"}`,
      400,
      "key",
    ),
    post(
      "POST 200 KiB body",
      values,
      padded(200 * 1024, (v) => ({ secret_key: "BIG", secret_value: v })),
      413,
      "size",
    ),
    post("POST value of 64 KiB + 1 byte", values, pair("BIG", "x".repeat(64 * 1024 + 1)), 422, "size"),
    post("POST secret_value as a number", values, pair("NUM", 5), 422),
    post("POST secret_key null", values, pair(null), 422),
    post("POST list name as an array", lists, JSON.stringify({ name: [] }), 422),
    post("POST body as an array", values, "[]", 422),
    post("POST invalid JSON", values, "{", 400),
    { kind: "credential", name: "GET without a key", request: { method: "GET", path: lists }, status: 401 },
    {
      kind: "credential",
      name: "GET with a wrong Bearer key",
      request: { method: "GET", path: lists, headers: { authorization: "Bearer wrong-key-123456" } },
      status: 401,
    },
    {
      kind: "credential",
      name: "GET with a wrong ?key=",
      request: { method: "GET", path: `${lists}?key=wrong-key-123456` },
      status: 401,
    },
    {
      kind: "credential",
      name: "GET with an empty ?key=",
      request: { method: "GET", path: `${lists}?key=` },
      status: 401,
    },
    {
      kind: "credential",
      name: "DELETE a real list without a key",
      request: { method: "DELETE", path: `${lists}/${c.listId}` },
      status: 401,
    },
  ];
}

/** Every API's table. */
export function badInputTables(context: TableContext): Record<TableApi, { origin: string; rows: Row[] }> {
  return {
    TensorDock: { origin: context.tensordock.origin, rows: tensordockRows(context.tensordock) },
    "The Wallet Crew": { origin: context.walletcrew.origin, rows: walletcrewRows(context.walletcrew) },
    NetActuate: { origin: context.netactuate.origin, rows: netactuateRows(context.netactuate) },
  };
}

/** The message and status an API's error body carries, or a reason it is not that API's error format. */
function errorOf(api: TableApi, response: RawResponse): { message: string; status: unknown } | string {
  const body = response.json as Record<string, unknown> | undefined;
  const type = response.headers["content-type"] ?? "";
  if (body === undefined || typeof body !== "object" || body === null)
    return `body is not JSON: ${response.text.slice(0, 80)}`;
  if (api === "TensorDock") {
    if (!type.startsWith("application/json")) return `content type ${type}`;
    const error = body.error as Record<string, unknown> | undefined;
    return { message: String(error?.message ?? ""), status: error?.status };
  }
  if (api === "The Wallet Crew") {
    if (!type.startsWith("application/problem+json")) return `content type ${type}`;
    return {
      message: `${String(body.title ?? "")} ${String(body.detail ?? "")}`.trim(),
      status: body.status,
    };
  }
  if (!type.startsWith("application/json")) return `content type ${type}`;
  if (body.result !== "error") return `result ${String(body.result)}`;
  return { message: String(body.message ?? ""), status: body.code };
}

/** Sends one row and judges the answer: the status, then the clarity and safety of the body. */
export async function runRow(
  api: TableApi,
  origin: string,
  row: Row,
  secrets: readonly string[],
): Promise<RowOutcome> {
  const response = await rawRequest(origin, row.request);
  const fail = (problem: string): RowOutcome => ({ row, status: response.status, problem });
  if (response.status !== row.status)
    return fail(`status ${response.status}, expected ${row.status}: ${response.text.slice(0, 160)}`);
  const error = errorOf(api, response);
  if (typeof error === "string") return fail(error);
  if (error.message.length < 8) return fail(`unclear message "${error.message}"`);
  if (error.status !== response.status)
    return fail(`body status ${String(error.status)} differs from ${response.status}`);
  // eslint-disable-next-line no-control-regex -- a control character echoed back is what is checked
  if (/[\u0000-\u001f\u202e]/.test(error.message)) return fail("the message echoes a control character");
  if (secrets.some((secret) => response.text.includes(secret))) return fail("the body echoes a credential");
  if (Object.keys(response.headers).some((h) => h === "set-cookie" || h === "x-injected"))
    return fail("an injected header came back");
  return { row, status: response.status, problem: undefined };
}
