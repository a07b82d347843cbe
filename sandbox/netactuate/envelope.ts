/**
 * The NetActuate response envelope `{result, message, data, code, fields}` that wraps every answer, success
 * or failure. `code` repeats the HTTP status; `fields` holds validation messages by field (empty otherwise).
 */
import type { ErrorFields } from "../core";

/** The envelope of every response. */
export interface Envelope<T = unknown> {
  result: "success" | "error";
  message: string;
  data: T;
  code: number;
  fields: ErrorFields;
}

/** A successful answer: HTTP 200 and `code` 200. */
export function success<T>(data: T, message: string): Envelope<T> {
  return { result: "success", message, data, code: 200, fields: {} };
}

/** An error answer; the message is safe text (never a key or a value). */
export function failure(status: number, message: string, fields?: ErrorFields): Envelope<null> {
  return { result: "error", message, data: null, code: status, fields: fields ?? {} };
}
