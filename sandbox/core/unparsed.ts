/**
 * The answer to a request Node's HTTP parser refused, written on the socket itself: fastify never sees such a
 * request, so no request object, route or time exists for it.
 */
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { describeParserError } from "./errorMapping";
import type { ErrorBody } from "./errors";
import { type RequestLog, UNMATCHED, UNPARSED } from "./requestLog";

/**
 * Answers the refused request with the API's error body (quoting none of the request), then closes the
 * connection: the parser cannot find where the next request would start. Logged and counted as
 * `<unparsed> <unmatched>`.
 */
export function answerUnparsed(
  code: string,
  socket: Socket,
  how: { errorBody: ErrorBody; contentType: string; log: RequestLog },
): void {
  // A reset connection has nobody left to answer.
  if (code === "ECONNRESET" || socket.destroyed) return;
  const label = `${UNPARSED} ${UNMATCHED}`;
  if (!socket.writable) {
    how.log.record(label, "aborted", 0, true);
    socket.destroy();
    return;
  }
  const { status, message } = describeParserError(code);
  how.log.record(label, status, 0, true);
  const body = JSON.stringify(how.errorBody(status, message));
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}`,
    `Content-Type: ${how.contentType}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Connection: close",
  ];
  socket.end(`${head.join("\r\n")}\r\n\r\n${body}`, () => socket.destroy());
}
