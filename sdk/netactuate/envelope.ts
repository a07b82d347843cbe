/**
 * Reading NetActuate's envelope `{result, message, data, code, fields}`: success is HTTP 200 with `code`
 * 200, and every failure, whether carried by the HTTP status or by `code` inside a 200, becomes the error
 * class of the status it really means.
 */
import { type ErrorDescription, errorFor } from "../core";
import { envelopeSchema } from "./schemas";

/** Phrases by which NetActuate says "not found" inside a 422 (an unknown id in a path or a body). */
const NOT_FOUND_PHRASES = /could not be found|must be a valid/i;

/** The field names and messages of `fields`, whatever shape it arrives in (object, array, null). */
function fieldsOf(raw: unknown): { names: string[]; messages: string[] } {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    const messages = Array.isArray(raw) ? raw.filter((m): m is string => typeof m === "string") : [];
    return { names: [], messages };
  }
  const names: string[] = [];
  const messages: string[] = [];
  for (const [name, value] of Object.entries(raw)) {
    names.push(name);
    const list = Array.isArray(value) ? value : [value];
    for (const m of list) if (typeof m === "string") messages.push(m);
  }
  return { names, messages };
}

/** The numeric status an envelope reports in `code`, or undefined when it carries none. */
function codeOf(code: unknown): number | undefined {
  const n =
    typeof code === "number" ? code : typeof code === "string" && /^\d{3}$/.test(code) ? Number(code) : NaN;
  return Number.isInteger(n) ? n : undefined;
}

/**
 * Describes a failed call from its status and envelope: a 422 whose messages say "could not be found" or
 * "must be a valid" is a 404; other 422s name their fields; the server's message becomes the detail (the
 * core scrubs it of everything we sent).
 */
export function describeNetActuateError(status: number, body: unknown): ErrorDescription | undefined {
  const parsed = envelopeSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const envelope = parsed.data;
  const { names, messages } = fieldsOf(envelope.fields);
  const message = typeof envelope.message === "string" ? envelope.message : undefined;
  const effective = codeOf(envelope.code) ?? status;
  const said = [message, ...messages].filter((m): m is string => m !== undefined && m !== "");
  const detail = [...new Set(said)].join(" ") || undefined;
  const description: ErrorDescription = {};
  if (detail !== undefined) description.detail = detail;
  if (names.length > 0) description.fields = names;
  if ((effective === 422 || status === 422) && said.some((m) => NOT_FOUND_PHRASES.test(m))) {
    description.status = 404;
  } else if (effective !== status && effective >= 400 && effective < 600) {
    description.status = effective;
  }
  return description;
}

/**
 * Opens the envelope of a 2xx response and returns its `data`. An envelope whose `code` is not a 2xx status
 * is that error, whatever the HTTP status said (NetActuate answers some failures as HTTP 200).
 */
export function unwrapEnvelope(_status: number, body: unknown): unknown {
  const parsed = envelopeSchema.safeParse(body);
  // Not an envelope at all: hand the body to the response schema, which names what is missing.
  if (!parsed.success) return body;
  const envelope = parsed.data;
  const code = codeOf(envelope.code);
  if (code !== undefined && (code < 200 || code > 299)) {
    const described = describeNetActuateError(code, body) ?? {};
    const reported = described.status ?? code;
    // A code that is no error status at all (1xx, 3xx) is still a failure the API did not explain.
    throw errorFor(reported >= 400 && reported < 600 ? reported : 500, described);
  }
  return envelope.data;
}
