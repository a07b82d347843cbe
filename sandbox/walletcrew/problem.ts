/**
 * RFC 7807 problem details, the error format of The Wallet Crew API: `{type, title, status, detail}`, and for
 * validation problems an `errors` map of field names to messages. Messages never carry a value or a key.
 */
import { STATUS_CODES } from "node:http";
import type { ErrorFields } from "../core";

/** The media type of every error body. */
export const PROBLEM_CONTENT_TYPE = "application/problem+json; charset=utf-8";

/** Title of a 400 with field errors, as ASP.NET-style APIs word it. */
export const VALIDATION_TITLE = "One or more validation errors occurred.";

/** One problem details document. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: ErrorFields;
}

/** Builds the problem details body of an error answer (the sandbox core's `errorBody`). */
export function problemBody(status: number, message: string, fields?: ErrorFields): Problem {
  const validation = status === 400 && fields !== undefined && Object.keys(fields).length > 0;
  const problem: Problem = {
    type: validation ? "https://tools.ietf.org/html/rfc9110#section-15.5.1" : "about:blank",
    title: validation ? VALIDATION_TITLE : (STATUS_CODES[status] ?? "Error"),
    status,
    detail: message,
  };
  if (fields !== undefined) problem.errors = fields;
  return problem;
}
