/**
 * From a response to a value or one of our errors: body decoding, the `unwrap` hook, lenient zod parsing,
 * and error bodies read into scrubbed text.
 */
import {
  type ErrorContext,
  errorFromStatus,
  ResponseValidationError,
  SecretstackError,
  StatusSignal,
} from "./errors";
import type { KeptHeaders } from "./headers";
import { scrub } from "./redact";
import type { ErrorDescription, RequestOptions } from "./types";

/** A body that is not JSON (or not there) decodes to this marker, so callers can tell it from `null`. */
const NOT_JSON: unique symbol = Symbol("not JSON");

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

function isJsonType(headers: KeptHeaders): boolean {
  return /[/+]json\b/i.test(headers["content-type"] ?? "");
}

/** Error bodies: JSON when it parses, otherwise the raw text (for a describer that wants it). */
export function decodeErrorBody(text: string): unknown {
  if (text.trim() === "") return undefined;
  const parsed = parseJson(text);
  return parsed === NOT_JSON ? text : parsed;
}

function firstString(...candidates: unknown[]): string | undefined {
  return candidates.find((value): value is string => typeof value === "string" && value.trim() !== "");
}

/**
 * The describer used when a client brings none: RFC 7807 problem details (`detail`/`title`, `errors`), and
 * `{message, fields}` or `{error: {message}}` bodies. Plain text bodies other than HTML count as detail.
 */
export function defaultDescribeError(_status: number, body: unknown): ErrorDescription | undefined {
  if (typeof body === "string") return body.trimStart().startsWith("<") ? undefined : { detail: body };
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  const record = body as Record<string, unknown>;
  const nested =
    typeof record.error === "object" && record.error !== null
      ? (record.error as Record<string, unknown>)
      : {};
  const detail = firstString(record.detail, record.message, nested.message, record.error, record.title);
  const fieldSource = [record.errors, record.fields, nested.fields].find(
    (value) => typeof value === "object" && value !== null,
  );
  const fields = Array.isArray(fieldSource)
    ? fieldSource.filter((value): value is string => typeof value === "string")
    : fieldSource !== undefined
      ? Object.keys(fieldSource)
      : [];
  const description: ErrorDescription = {};
  if (detail !== undefined) description.detail = detail;
  if (fields.length > 0) description.fields = fields;
  return description;
}

/** Everything a response needs to become an error. */
export interface ResponseContext extends ErrorContext {
  sensitive: readonly string[];
  describeError: (status: number, body: unknown) => ErrorDescription | undefined;
}

/** The error for a non-2xx status (or an envelope's failure), with scrubbed detail and field names. */
export function errorForResponse(
  status: number,
  description: ErrorDescription | undefined,
  context: ResponseContext,
): SecretstackError {
  const override = description?.status;
  const effective = override !== undefined && override >= 400 && override <= 599 ? override : status;
  const fields = (description?.fields ?? [])
    .map((field) => scrub(field, context.sensitive))
    .filter((field): field is string => field !== undefined);
  const { sensitive: _sensitive, describeError: _describe, ...rest } = context;
  return errorFromStatus(effective, {
    ...rest,
    detail: scrub(description?.detail, context.sensitive),
    fields,
  });
}

/** Reads an error body through the client's describer; a describer that throws counts as saying nothing. */
export function describe(
  status: number,
  text: string,
  context: ResponseContext,
): ErrorDescription | undefined {
  const body = decodeErrorBody(text);
  try {
    return context.describeError(status, body) ?? undefined;
  } catch {
    return undefined;
  }
}

function invalid(
  context: ResponseContext,
  status: number,
  field: string,
  problem: string,
): ResponseValidationError {
  const head = `unexpected response from ${context.api} ${context.method} ${context.path}`;
  const message = `${head}: ${field === "(body)" ? "the body" : `field ${field}`} ${problem}; the API may have changed shape: report it`;
  const {
    sensitive: _sensitive,
    describeError: _describe,
    credentialHint: _hint,
    retryAfterMs: _after,
    ...rest
  } = context;
  return new ResponseValidationError(message, { ...rest, status, field });
}

/** `data.items[3].id`, with keys scrubbed (a server may key a map by something we sent). */
function fieldPath(path: readonly PropertyKey[], sensitive: readonly string[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += `${out === "" ? "" : "."}${scrub(String(key), sensitive) ?? "(key)"}`;
  }
  return out === "" ? "(body)" : out;
}

/** Decodes, unwraps and parses a 2xx response; throws one of our errors. */
export function parseSuccess<T>(
  status: number,
  headers: KeptHeaders,
  text: string,
  options: RequestOptions<T>,
  context: ResponseContext,
): T {
  let body: unknown;
  if (status === 204 || status === 205) {
    body = undefined;
  } else if (text === "") {
    // An empty text body is an empty value; an empty JSON body is no value.
    body = options.responseType === "text" && !isJsonType(headers) ? "" : undefined;
  } else if (options.responseType === "text" && !isJsonType(headers)) {
    body = text;
  } else {
    body = parseJson(text);
    if (body === NOT_JSON) throw invalid(context, status, "(body)", "is not JSON");
  }
  if (options.unwrap !== undefined) {
    try {
      body = options.unwrap(status, body);
    } catch (error) {
      if (error instanceof StatusSignal) throw errorForResponse(error.status, error.description, context);
      if (error instanceof SecretstackError) throw error;
      throw invalid(context, status, "(body)", "has an envelope we cannot open");
    }
  }
  const result = options.response.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const expected =
    issue !== undefined && "expected" in issue && typeof issue.expected === "string"
      ? issue.expected
      : undefined;
  const problem =
    expected !== undefined ? `is not a valid ${expected}` : `failed the check "${issue?.code ?? "unknown"}"`;
  throw invalid(context, status, fieldPath(issue?.path ?? [], context.sensitive), problem);
}
