/**
 * How the sandbox words an error that is not an emulator's own answer: a refusal of fastify (a body too large,
 * JSON that does not parse, a URL it cannot route) or of Node's HTTP parser, as a status and a message that
 * quote nothing of the request.
 */
import { STATUS_CODES } from "node:http";
import { type ErrorFields, SandboxHttpError } from "./errors";

/** What an error is answered with, in the API's own error body. */
export interface ErrorAnswer {
  status: number;
  message: string;
  fields?: ErrorFields;
  headers?: Record<string, string>;
}

/** Client errors the core knows how to word; anything else is a 500 whose details stay inside. */
export function describeError(error: unknown, bodyLimit: number): ErrorAnswer | undefined {
  if (error instanceof SandboxHttpError) {
    return {
      status: error.status,
      message: error.message,
      ...(error.fields !== undefined ? { fields: error.fields } : {}),
      ...(error.headers !== undefined ? { headers: error.headers } : {}),
    };
  }
  const { statusCode, code } = (error ?? {}) as { statusCode?: unknown; code?: unknown };
  if (typeof statusCode !== "number" || statusCode < 400 || statusCode >= 500) return undefined;
  switch (code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return { status: 413, message: `the request body exceeds the limit of ${bodyLimit} bytes` };
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return { status: 400, message: "the request body is not valid JSON" };
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return { status: 415, message: "unsupported content type; send application/json" };
    case "FST_ERR_BAD_URL":
      return { status: 400, message: "the request URL is malformed" };
    case "FST_ERR_MAX_PARAM_LENGTH":
      return { status: 414, message: "a path segment of the request URL is too long" };
    default:
      return { status: statusCode, message: STATUS_CODES[statusCode] ?? "client error" };
  }
}

/**
 * Status and message of a request Node's HTTP parser refused, by the parser's error code. The message names
 * what kind of thing was wrong, never the bytes: they may hold a credential or a control character.
 */
export function describeParserError(code: string): { status: number; message: string } {
  switch (code) {
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return { status: 408, message: "the request was not received in time" };
    case "HPE_HEADER_OVERFLOW":
      return { status: 431, message: "the request line and headers exceed the size limit" };
    default:
      return {
        status: 400,
        message: "the request is not valid HTTP/1.1: its request line, a header or its framing is malformed",
      };
  }
}
