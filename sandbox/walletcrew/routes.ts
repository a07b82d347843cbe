/**
 * The four routes of The Wallet Crew secrets API. Every route authenticates first (401/403), then checks the
 * key (400), then does its work; every error answers with problem details.
 */
import type { FastifyRequest } from "fastify";
import { type ErrorFields, type SandboxApp, SandboxHttpError } from "../core";
import { credentialOf, type KeyRing, type Scope } from "./auth";
import type { SecretTable } from "./store";

/** Keys: letters, digits, `-` and `_`, case-sensitive, 1 to 128 characters. */
export const KEY_RULE = /^[A-Za-z0-9_-]{1,128}$/;

/** Largest value, in UTF-8 bytes. */
export const MAX_VALUE_BYTES = 64 * 1024;

// RFC 3339 date-time with a required offset (`Z` or `±hh:mm`); `T` and `Z` in either case, as RFC 3339 allows.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

const BODY_FIELDS = new Set(["value", "expiresOn", "notBefore", "ExpiresOn", "NotBefore"]);

/** How GET answers a value. */
export type ValueEncoding = "json" | "text";

interface Params {
  tenantId: string;
  key?: string;
}

const NOT_FOUND = {
  missing: "no secret with this key in the tenant",
  expired: "the secret has expired",
  notYetValid: "the secret is not valid yet",
} as const;

/** Route options of the emulator. */
export interface RouteOptions {
  keyRing: KeyRing;
  table: SecretTable;
  /** GET's media type for values: JSON strings, unless the client asks only for text/plain. */
  valueEncoding: ValueEncoding;
}

function checkKey(key: string | undefined): string {
  if (key === undefined || !KEY_RULE.test(key)) {
    // The offending key is not echoed: it may hold control characters or be very long.
    throw new SandboxHttpError(400, "the secret key is invalid", {
      key: ["keys are 1 to 128 letters, digits, '-' or '_' (case-sensitive)"],
    });
  }
  return key;
}

function parseDate(body: Record<string, unknown>, name: "expiresOn" | "notBefore", fields: ErrorFields) {
  const pascal = name === "expiresOn" ? "ExpiresOn" : "NotBefore";
  if (body[name] !== undefined && body[pascal] !== undefined) {
    fields[name] = [`give ${name} once (as ${name} or ${pascal}, not both)`];
    return undefined;
  }
  // Not `??`: a null date is a type error, not an absent one.
  const raw = body[name] !== undefined ? body[name] : body[pascal];
  if (raw === undefined) return undefined;
  const at = typeof raw === "string" && DATE_TIME.test(raw) ? Date.parse(raw.toUpperCase()) : Number.NaN;
  if (!Number.isFinite(at)) {
    fields[name] = [`${name} must be an ISO 8601 date-time with an offset, e.g. 2030-01-01T00:00:00Z`];
    return undefined;
  }
  return at;
}

/** Validates a PUT body: `{value, expiresOn?, notBefore?}` (PascalCase dates accepted). */
function parseBody(request: FastifyRequest): { value: string; expiresOn?: number; notBefore?: number } {
  const type = String(request.headers["content-type"] ?? "")
    .split(";", 1)[0]
    ?.trim()
    .toLowerCase();
  if (type !== "application/json") {
    throw new SandboxHttpError(415, "unsupported content type; send the body as application/json");
  }
  const body = request.body;
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new SandboxHttpError(400, "the request body must be a JSON object", {
      body: ["expected an object"],
    });
  }
  const record = body as Record<string, unknown>;
  const fields: ErrorFields = {};
  for (const name of Object.keys(record)) {
    if (!BODY_FIELDS.has(name)) fields[name] = ["unknown field; the body has value, expiresOn and notBefore"];
  }
  // The seed marks `value` required and nullable, and PUT only ever stores what it is given: a null is
  // stored as the empty value (GET then answers ""), not refused and not read as "delete" or "keep".
  const value = record.value === null ? "" : record.value;
  if (typeof value !== "string") fields.value = ["value is required and must be a string or null"];
  else if (Buffer.byteLength(value, "utf8") > MAX_VALUE_BYTES) {
    fields.value = [`value must be at most ${MAX_VALUE_BYTES} bytes`];
  }
  const expiresOn = parseDate(record, "expiresOn", fields);
  const notBefore = parseDate(record, "notBefore", fields);
  if (expiresOn !== undefined && notBefore !== undefined && notBefore >= expiresOn) {
    fields.notBefore = ["notBefore must be before expiresOn"];
  }
  if (Object.keys(fields).length > 0 || typeof value !== "string") {
    throw new SandboxHttpError(400, "the secret is invalid", fields);
  }
  return {
    value,
    ...(expiresOn !== undefined ? { expiresOn } : {}),
    ...(notBefore !== undefined ? { notBefore } : {}),
  };
}

/** Whether the client asked for text/plain and not for JSON. */
function wantsText(request: FastifyRequest): boolean {
  const accept = String(request.headers.accept ?? "").toLowerCase();
  if (accept === "" || /application\/json|\*\/\*|application\/\*/.test(accept)) return false;
  return /text\/plain|text\/\*/.test(accept);
}

/** Methods of each path, for the 405 answer (with `Allow`) to any other method. */
const ALLOWED: [RegExp, string][] = [
  [/^\/api\/[^/]+\/secrets\/?$/, "GET, HEAD"],
  [/^\/api\/[^/]+\/secrets\/[^/]+$/, "GET, HEAD, PUT, DELETE"],
];

/** Registers the secrets routes on the emulator's app. */
export function registerRoutes(app: SandboxApp, options: RouteOptions): void {
  const { keyRing, table } = options;

  // A known path with a method it does not serve is a 405, not a 404: the resource exists, the verb does not.
  // In onRequest, so it answers before fastify looks at the body of a method such as QUERY.
  app.addHook("onRequest", async (request) => {
    if (request.routeOptions.url !== undefined) return;
    const path = request.url.split("?", 1)[0] ?? "";
    const allowed = ALLOWED.find(([pattern]) => pattern.test(path))?.[1];
    if (allowed !== undefined && !allowed.split(", ").includes(request.method)) {
      throw new SandboxHttpError(405, `method ${request.method} is not allowed here`, undefined, {
        allow: allowed,
      });
    }
  });
  const guard = (scope: Scope) => async (request: FastifyRequest) => {
    const { tenantId } = request.params as Params;
    keyRing.authorize(credentialOf(request), tenantId, scope);
  };

  app.get("/api/:tenantId/secrets", { onRequest: guard("Secret.Read") }, async (request, reply) => {
    const { tenantId } = request.params as Params;
    return reply
      .code(200)
      .type("application/json; charset=utf-8")
      .send(JSON.stringify(table.keys(tenantId)));
  });

  app.get("/api/:tenantId/secrets/:key", { onRequest: guard("Secret.Read") }, async (request, reply) => {
    const { tenantId, key } = request.params as Params;
    const found = table.get(tenantId, checkKey(key));
    if (found.state !== "valid") throw new SandboxHttpError(404, NOT_FOUND[found.state]);
    const text = options.valueEncoding === "text" || wantsText(request);
    return text
      ? reply.code(200).type("text/plain; charset=utf-8").send(found.value)
      : reply.code(200).type("application/json; charset=utf-8").send(JSON.stringify(found.value));
  });

  app.put("/api/:tenantId/secrets/:key", { onRequest: guard("Secret.Write") }, async (request, reply) => {
    const { tenantId, key } = request.params as Params;
    const checkedKey = checkKey(key);
    const body = parseBody(request);
    table.put(tenantId, checkedKey, body.value, body.expiresOn, body.notBefore);
    if (app.sandbox.afterCommit(request, reply)) return reply;
    return reply.code(204).send();
  });

  app.delete("/api/:tenantId/secrets/:key", { onRequest: guard("Secret.Write") }, async (request, reply) => {
    const { tenantId, key } = request.params as Params;
    if (!table.delete(tenantId, checkKey(key)))
      throw new SandboxHttpError(404, "no secret with this key in the tenant");
    if (app.sandbox.afterCommit(request, reply)) return reply;
    return reply.code(204).send();
  });
}
