/**
 * One HTTP attempt through axios, reduced to plain facts: a status, the allow-listed headers and the body
 * text; or a network failure as a code and whether the request may have left this machine. The axios
 * error itself (which holds the request headers, the URL with its query and the body) is dropped here.
 */
import axios, { type AxiosInstance } from "axios";
import { KEPT_HEADERS, type KeptHeaders } from "./headers";

/** What one attempt produced. */
export type AttemptResult =
  | { kind: "response"; status: number; headers: KeptHeaders; text: string }
  | { kind: "failure"; code: string | undefined; requestSent: boolean; timedOut: boolean };

/** One outgoing request, fully built (the URL may carry a query credential: it goes nowhere else). */
export interface OutgoingRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  data: string | undefined;
  timeoutMs: number;
}

/** Bodies above this are refused rather than buffered; the largest legitimate answer is a few MiB of list. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Failures that happen before a connection exists, so nothing was sent. */
const BEFORE_SENDING: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ERR_INVALID_URL",
  "ERR_INVALID_CHAR",
  "ERR_INVALID_HTTP_TOKEN",
]);

/** An axios instance that never throws on a status and never follows redirects. */
export function createAxios(): AxiosInstance {
  return axios.create({
    // Every status is an answer we map ourselves; an axios status error would carry the request config.
    validateStatus: () => true,
    // A redirect would replay our credential header to wherever it points.
    maxRedirects: 0,
    responseType: "text",
    responseEncoding: "utf8",
    // Bodies are encoded and parsed by the core, so both directions pass through untouched.
    transformRequest: [(data: unknown) => data],
    transformResponse: [(data: unknown) => data],
    maxContentLength: MAX_BODY_BYTES,
    maxBodyLength: MAX_BODY_BYTES,
  });
}

/** A system or axios error code, if the thrown value carries a plausible one (and nothing else is read). */
function codeOf(error: unknown): string | undefined {
  for (
    let current = error, depth = 0;
    depth < 3 && typeof current === "object" && current !== null;
    depth++
  ) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^[A-Z][A-Z0-9_]{1,40}$/.test(code) && code !== "ERR_NETWORK")
      return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function keptHeaders(raw: unknown): KeptHeaders {
  const kept: Record<string, string> = {};
  if (typeof raw !== "object" || raw === null) return kept;
  for (const [name, value] of Object.entries(raw)) {
    const lower = name.toLowerCase();
    if (!KEPT_HEADERS.has(lower)) continue;
    if (typeof value === "string" || typeof value === "number") kept[lower] = String(value);
    else if (Array.isArray(value)) kept[lower] = value.map(String).join(", ");
  }
  return kept;
}

/** Sends one attempt; never throws. */
export async function send(instance: AxiosInstance, request: OutgoingRequest): Promise<AttemptResult> {
  const controller = new AbortController();
  let timedOut = false;
  // A hard limit on the whole attempt: axios' own timeout is a socket idle timeout that a trickling
  // server can keep from ever firing.
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, request.timeoutMs);
  try {
    const response = await instance.request<unknown>({
      method: request.method,
      url: request.url,
      headers: request.headers,
      data: request.data,
      signal: controller.signal,
    });
    const text = typeof response.data === "string" ? response.data : "";
    return { kind: "response", status: response.status, headers: keptHeaders(response.headers), text };
  } catch (error) {
    if (timedOut) return { kind: "failure", code: "ETIMEDOUT", requestSent: true, timedOut: true };
    const code = codeOf(error);
    return {
      kind: "failure",
      code,
      requestSent: code === undefined || !BEFORE_SENDING.has(code),
      timedOut: false,
    };
  } finally {
    clearTimeout(timer);
  }
}
