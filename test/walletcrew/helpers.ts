/** Shared helpers of The Wallet Crew tests: raw HTTP against the sandbox, and canary scans. */

import { readdirSync, readFileSync, statSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";

/** A raw answer: status, content type and body text. */
export interface RawAnswer {
  status: number;
  contentType: string;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * Sends a request with the path exactly as given (no URL normalization, so `..` and odd escapes reach the
 * server as written), which `fetch` would not do.
 */
export function raw(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
): Promise<RawAnswer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers["content-type"] ?? ""),
            headers: res.headers,
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** The forms in which a planted value could leak: plain, base64, base64url and URL-encoded. */
export function leakForms(value: string): string[] {
  const bytes = Buffer.from(value, "utf8");
  return [value, bytes.toString("base64"), bytes.toString("base64url"), encodeURIComponent(value)];
}

/** Which canaries (in any leak form) appear in `text`. */
export function findCanaries(text: string, canaries: readonly string[]): string[] {
  return canaries.filter((canary) => leakForms(canary).some((form) => text.includes(form)));
}

/** The contents of every file under `dir`, as latin1 text (binary-safe substring search). */
export function filesText(dir: string): string {
  let out = "";
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    out += statSync(path).isDirectory() ? filesText(path) : readFileSync(path).toString("latin1");
  }
  return out;
}
