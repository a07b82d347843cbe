/**
 * Reading NetActuate's envelope the way NetActuate's own SDKs (Go, Python, Node, Rust) read it. The house
 * shape is `{result, message, data, code, fields}`, but every key is optional: the vendors' fixtures answer
 * `{result, message, meta, data}` (no `code`), `{code, data}` (no `result`), writes without `data`, and
 * missing objects as HTTP 404, as `code: 404` inside an HTTP 200, as a 422 whose field says the id "must be
 * a valid" one, or as an HTTP 200 whose `data` is null. Every failure becomes the error class of the status
 * it really means; nothing an SDK accepts becomes a response validation error.
 */
import { type ErrorDescription, errorFor } from "../core";
import { envelopeSchema } from "./schemas";

/** `result` values that mean success (Python SDK: anything else is a failure). */
const SUCCESS_RESULT = /^(success|ok)$/i;
/** Text by which NetActuate says "not found" in a message or any field message. */
const NOT_FOUND_TEXT = /could not be found/i;
/**
 * "must be a valid …" means "not found" only on a field that names an id (`id`, `secret_list_id`,
 * `secret_list_value_id`): the Go SDK keys the rule on the field, since on any other field the same words
 * are a real validation error that must not turn into a silent not-found.
 */
const ID_FIELD = /(^|_)id$/i;
const MUST_BE_VALID = /must be a valid/i;
/** Text by which NetActuate refuses a product the account has no agreement for (Python SDK's rule). */
const CONTRACT_TEXT = /\bcontract\b|not entitled|not enabled/i;
/** Statuses whose message may be read as an entitlement refusal; never 401, 404, 429 or 5xx. */
const CONTRACT_STATUSES: ReadonlySet<number> = new Set([400, 403, 422]);
/** The envelope's own members; an object with none of them is a bare answer, read as the data itself. */
const ENVELOPE_KEYS = ["result", "message", "data", "code", "fields"] as const;

/** The field names and messages of `fields`, whatever shape it arrives in (object, array, null). */
function fieldsOf(raw: unknown): { names: string[]; messages: string[]; notFound: boolean } {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    const messages = Array.isArray(raw) ? raw.filter((m): m is string => typeof m === "string") : [];
    return { names: [], messages, notFound: messages.some((m) => NOT_FOUND_TEXT.test(m)) };
  }
  const names: string[] = [];
  const messages: string[] = [];
  let notFound = false;
  for (const [name, value] of Object.entries(raw)) {
    names.push(name);
    const list = Array.isArray(value) ? value : [value];
    for (const m of list) {
      if (typeof m !== "string") continue;
      messages.push(m);
      if (NOT_FOUND_TEXT.test(m) || (ID_FIELD.test(name) && MUST_BE_VALID.test(m))) notFound = true;
    }
  }
  return { names, messages, notFound };
}

/** The numeric status an envelope reports in `code`, or undefined when it carries none (or 0). */
function codeOf(code: unknown): number | undefined {
  const n =
    typeof code === "number" ? code : typeof code === "string" && /^\d{3}$/.test(code) ? Number(code) : NaN;
  return Number.isInteger(n) && n >= 100 && n <= 599 ? n : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Describes a failed call from its status and envelope: "not found" said in words is a 404 (see
 * {@link ID_FIELD}); 412, or an entitlement refusal said in words, is a 412; a `code` that differs from the
 * HTTP status wins; other 422s name their fields. The server's message becomes the detail (the core scrubs it
 * of everything we sent).
 */
export function describeNetActuateError(status: number, body: unknown): ErrorDescription | undefined {
  const parsed = envelopeSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const envelope = parsed.data;
  const { names, messages, notFound } = fieldsOf(envelope.fields);
  const message = typeof envelope.message === "string" ? envelope.message : undefined;
  const effective = codeOf(envelope.code) ?? status;
  const said = [message, ...messages].filter((m): m is string => m !== undefined && m !== "");
  const detail = [...new Set(said)].join(" ") || undefined;
  const description: ErrorDescription = {};
  if (detail !== undefined) description.detail = detail;
  if (names.length > 0) description.fields = names;
  const failing = effective >= 400 || status >= 400;
  if (failing && (notFound || (message !== undefined && NOT_FOUND_TEXT.test(message)))) {
    description.status = 404;
  } else if (effective === 412 || status === 412) {
    description.status = 412;
  } else if (CONTRACT_STATUSES.has(effective) && message !== undefined && CONTRACT_TEXT.test(message)) {
    description.status = 412;
  } else if (effective !== status && effective >= 400 && effective < 600) {
    description.status = effective;
  }
  return description;
}

/**
 * True when an answer's `data` holds no object: absent, null, or an empty array or object (PHP serializes an
 * empty map as `[]`). A read by id that answers this is a 404 (the Rust SDK's rule); a write that answers it
 * said only that it succeeded.
 */
export function isAbsent(data: unknown): boolean {
  if (data === undefined || data === null) return true;
  if (Array.isArray(data)) return data.length === 0;
  return isRecord(data) && Object.keys(data).length === 0;
}

/**
 * Opens the envelope of a 2xx response and returns its `data` (`undefined` when it has none). An envelope
 * whose `code` is not a 2xx status, or whose `result` is neither "success" nor "ok", is that failure, whatever
 * the HTTP status said (NetActuate answers some failures as HTTP 200). A body that is no envelope at all (a
 * bare array or object) is its own data.
 */
export function unwrapEnvelope(_status: number, body: unknown): unknown {
  if (!isRecord(body) || !ENVELOPE_KEYS.some((key) => key in body)) return body;
  const parsed = envelopeSchema.safeParse(body);
  // Members of the wrong type (a numeric `result`, say): nothing can be said about failure, so read the data.
  if (!parsed.success) return body.data;
  const envelope = parsed.data;
  const code = codeOf(envelope.code);
  const result = typeof envelope.result === "string" ? envelope.result.trim() : "";
  const codeFailed = code !== undefined && (code < 200 || code > 299);
  const resultFailed = result !== "" && !SUCCESS_RESULT.test(result);
  if (codeFailed || resultFailed) {
    // Without a failing code, a failure is a rejected request: 422 when it names fields, else 400.
    const base = codeFailed ? code : fieldsOf(envelope.fields).names.length > 0 ? 422 : 400;
    const described = describeNetActuateError(base, body) ?? {};
    const reported = described.status ?? base;
    // A code that is no error status at all (1xx, 3xx) is still a failure the API did not explain.
    throw errorFor(reported >= 400 && reported < 600 ? reported : 500, described);
  }
  return envelope.data;
}

/**
 * `unwrap` for a read of one object by id: like {@link unwrapEnvelope}, and an answer without an object is
 * a 404, as NetActuate answers a missing object with `data: null` on some endpoints.
 */
export function unwrapObject(status: number, body: unknown): unknown {
  const data = unwrapEnvelope(status, body);
  if (isAbsent(data)) throw errorFor(404, { detail: "the answer held no object" });
  return data;
}

/**
 * `unwrap` for a write: like {@link unwrapEnvelope}, with an answer that holds no object (none, null, empty,
 * or a bare `true` or message) read as `undefined`: the write succeeded and did not say what it made.
 */
export function unwrapWrite(status: number, body: unknown): unknown {
  const data = unwrapEnvelope(status, body);
  return isAbsent(data) || !isRecord(data) ? undefined : data;
}
