/**
 * The NetActuate response envelope, in the house shape `{result, message, data, code, fields}` or in one of
 * the variants NetActuate's own SDKs are written to read (their test fixtures and readers), so a client's
 * tolerance can be tested end to end. The house shape is the default; a variant is a setting of the emulator.
 */
import type { ErrorFields } from "../core";

/**
 * How the emulator answers:
 * - `house`: `{result, message, data, code, fields}`; `code` repeats the HTTP status; a missing object is a 404.
 * - `result`: vAPI2's live shape in the Go SDK's fixtures, `{result, message: null, meta: [], data}` with no
 *   `code`; failures keep their HTTP status; a missing list or value is a 422 whose `secret_list_id` or
 *   `secret_list_value_id` "must be a valid" one.
 * - `code`: `{code, data}` with no `result`; refusals about the data (400, 404, 409, 412, 422) are answered
 *   inside an HTTP 200 with the status in `code`.
 * - `sparse`: the least an answer may say: a read of a missing object is an HTTP 200 with `data: null` (the
 *   Rust SDK's rule), writes answer `{result, message}` without `data`, collections come as Laravel paginators
 *   (`?page=N`).
 */
export type NetActuateEnvelope = "house" | "result" | "code" | "sparse";

/** Every variant, for option parsing and tests. */
export const NETACTUATE_ENVELOPES: readonly NetActuateEnvelope[] = ["house", "result", "code", "sparse"];

/** Statuses the `code` variant answers inside an HTTP 200: refusals about the data, not about the request. */
const IN_BAND: ReadonlySet<number> = new Set([400, 404, 409, 412, 422]);

/** The house envelope of every response. */
export interface Envelope<T = unknown> {
  result: "success" | "error";
  message: string;
  data: T;
  code: number;
  fields: ErrorFields;
}

/** A successful answer in the house shape: HTTP 200 and `code` 200. */
export function success<T>(data: T, message: string): Envelope<T> {
  return { result: "success", message, data, code: 200, fields: {} };
}

/** An error answer in the house shape; the message is safe text (never a key or a value). */
export function failure(status: number, message: string, fields?: ErrorFields): Envelope<null> {
  return { result: "error", message, data: null, code: status, fields: fields ?? {} };
}

/** One page of a collection as a Laravel paginator, the way vAPI2 answers long lists. */
export function paginate<T>(items: T[], page: number, perPage: number): Record<string, unknown> {
  const lastPage = Math.max(1, Math.ceil(items.length / perPage));
  const current = Math.min(Math.max(1, page), lastPage);
  const data = items.slice((current - 1) * perPage, current * perPage);
  return {
    current_page: current,
    last_page: lastPage,
    per_page: perPage,
    total: items.length,
    from: data.length === 0 ? null : (current - 1) * perPage + 1,
    to: data.length === 0 ? null : (current - 1) * perPage + data.length,
    data,
  };
}

/** How one variant writes successes and failures. */
export interface EnvelopeWriter {
  readonly variant: NetActuateEnvelope;
  /** The answer to a read or a write that returns an object or a collection. */
  read(data: unknown, message: string): unknown;
  /** The answer to a write (`data` is what a house answer would carry). */
  write(data: unknown, message: string): unknown;
  /** The body of a failure. */
  error(status: number, message: string, fields?: ErrorFields): unknown;
  /** The HTTP status a failure is answered with. */
  httpStatusOf(status: number): number;
}

/** The writer of one variant. */
export function envelopeWriter(variant: NetActuateEnvelope): EnvelopeWriter {
  const withFields = (fields: ErrorFields | undefined) =>
    fields !== undefined && Object.keys(fields).length > 0 ? { fields } : {};
  switch (variant) {
    case "house":
      return { variant, read: success, write: success, error: failure, httpStatusOf: (s) => s };
    case "result":
      return {
        variant,
        read: (data) => ({ result: "success", message: null, meta: [], data }),
        write: (data) => ({ result: "success", message: null, meta: [], data }),
        error: (_status, message, fields) => ({ result: "error", message, meta: [], ...withFields(fields) }),
        httpStatusOf: (s) => s,
      };
    case "code":
      return {
        variant,
        read: (data) => ({ code: 200, data }),
        write: (data) => ({ code: 200, data }),
        error: (status, message, fields) => ({ code: status, message, ...withFields(fields) }),
        httpStatusOf: (s) => (IN_BAND.has(s) ? 200 : s),
      };
    case "sparse":
      return {
        variant,
        read: (data) => ({ result: "success", message: null, data }),
        write: (_data, message) => ({ result: "success", message }),
        error: (_status, message, fields) => ({ result: "error", message, ...withFields(fields) }),
        httpStatusOf: (s) => s,
      };
  }
}
