/**
 * HTTP requests exactly as written, for hostile-input tests: the path is sent byte for byte (no dot-segment
 * removal, no re-encoding, raw control characters allowed), which `fetch` and the sdk clients never do.
 */
import { connect } from "node:net";

/** A request to send as is. */
export interface RawRequest {
  method: string;
  /** The request target as sent, e.g. `/api/v2/secrets/..%2F..`. May hold raw bytes such as CR or NUL. */
  path: string;
  headers?: Record<string, string>;
  /** Sent as is; `Content-Length` is added. */
  body?: string | Buffer;
}

/** What came back. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** The body as text (after de-chunking). */
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf("\r\n", at);
    if (lineEnd < 0) break;
    const size = Number.parseInt(body.subarray(at, lineEnd).toString("latin1"), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** Sends one request over a new connection to `origin` (`http://127.0.0.1:port`) and reads the answer. */
export function rawRequest(origin: string, request: RawRequest): Promise<RawResponse> {
  const url = new URL(origin);
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  const lines = [`${request.method} ${request.path} HTTP/1.1`, `Host: ${url.host}`, "Connection: close"];
  for (const [name, value] of Object.entries(request.headers ?? {})) lines.push(`${name}: ${value}`);
  if (body !== undefined) lines.push(`Content-Length: ${body.length}`);
  const head = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const all = Buffer.concat(chunks);
      const split = all.indexOf("\r\n\r\n");
      if (split < 0) {
        reject(
          new Error(`no HTTP answer to ${request.method} (connection closed after ${all.length} bytes)`),
        );
        return;
      }
      const [statusLine = "", ...headerLines] = all.subarray(0, split).toString("latin1").split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(":");
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      let payload: Buffer = all.subarray(split + 4);
      if (headers["transfer-encoding"]?.toLowerCase() === "chunked") payload = dechunk(payload);
      const text = payload.toString("utf8");
      let json: unknown;
      try {
        json = text === "" ? undefined : JSON.parse(text);
      } catch {
        json = undefined;
      }
      resolve({ status: Number(statusLine.split(" ")[1]), headers, text, json });
    });
    socket.write(body === undefined ? head : Buffer.concat([head, body]));
  });
}
