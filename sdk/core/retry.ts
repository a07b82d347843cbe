/**
 * The retry policy, all of it: what is retried (each rule with its reason), and how long to wait.
 * Waits use exponential backoff with full jitter, but never less than what the server asked for.
 */
import { ConnectionError, type SecretstackError, TimeoutError } from "./errors";
import { type KeptHeaders, retryAfterMs, serverBudget } from "./headers";
import type { HttpMethod, RetryOptions } from "./types";

/** @see RetryOptions for the reason behind each default. */
export const RETRY_DEFAULTS: Readonly<RetryOptions> = Object.freeze({
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 20_000,
  random: Math.random,
});

/** GET, PUT and DELETE mean the same thing sent twice; POST creates, so a second one may duplicate. */
export function isIdempotent(method: HttpMethod | string): boolean {
  return method === "GET" || method === "PUT" || method === "DELETE";
}

/** Statuses worth another attempt of an idempotent request. */
const RETRYABLE_STATUSES: ReadonlyMap<number, string> = new Map([
  [408, "the server gave up waiting for the request; nothing was processed"],
  [429, "rate limited; the server says when to come back and we wait at least that long"],
  [500, "an unexpected server fault; usually transient"],
  [502, "a gateway could not reach the server; usually a restart or deploy"],
  [503, "the server is overloaded or in maintenance; it may say when to come back"],
  [504, "a gateway timed out waiting for the server"],
]);

/** Network failures worth another attempt of an idempotent request. */
const RETRYABLE_CODES: ReadonlyMap<string, string> = new Map([
  ["ECONNRESET", "the connection dropped, often a stale keep-alive socket or a restarting server"],
  ["ECONNREFUSED", "nothing listened: a restarting server; a POST too, since nothing was sent"],
  ["EPIPE", "the server closed the connection while we wrote"],
  ["ETIMEDOUT", "the TCP connection timed out"],
  ["EAI_AGAIN", "a temporary DNS failure"],
  ["EHOSTUNREACH", "a transient routing failure"],
  ["ENETUNREACH", "a transient routing failure"],
]);

// Never retried, on purpose:
// - 400, 422 and other 4xx: the same request fails the same way; the message names the fields to fix.
// - 401, 403, 412: credentials and permissions do not change between attempts.
// - 404: the object is not there; callers treat it as an answer (read → gone, delete → done).
// - 409: another object holds the name; only the caller can resolve it.
// - 501, 505 and other 5xx: not transient.
// - ResponseValidationError: the server would send the same shape again.
// - ENOTFOUND: the host name does not exist; the base URL is wrong.
// - A POST after it may have reached the server (timeout, reset, 5xx): the caller looks the object up.
//   (A POST answered 429 or 408 is retried: the server refused it before acting on it.)

/** Whether `error`, raised by an attempt of a `method` request, deserves another attempt. */
export function shouldRetry(error: SecretstackError, method: HttpMethod | string): boolean {
  if (error instanceof ConnectionError) {
    if (error.code === undefined || !RETRYABLE_CODES.has(error.code)) return false;
    // A POST is repeated only when it provably never left this machine.
    return isIdempotent(method) || !error.requestSent;
  }
  // 429 and 408 say the server refused the request before acting on it: a POST is as safe to send again as
  // one that never connected (isOutcomeUnknown calls both outcomes known), and a deployment at the rate
  // limit must not fail its creates.
  if (!isIdempotent(method)) return error.status === 429 || error.status === 408;
  // Our own per-attempt timeout: the server may just be slow this time.
  if (error instanceof TimeoutError && error.status === undefined) return true;
  return error.status !== undefined && RETRYABLE_STATUSES.has(error.status);
}

/** Full jitter: uniform in [0, min(cap, base × 2^(attempt − 1))), so parallel clients spread out. */
export function backoffMs(attempt: number, options: RetryOptions): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(options.random() * ceiling);
}

/**
 * What the server asked us to wait, from `Retry-After` (seconds or HTTP date) or, for a 429, the
 * rate-limit reset headers; undefined when it did not say.
 */
export function serverAskedMs(
  status: number | undefined,
  headers: KeptHeaders,
  now: number,
): number | undefined {
  const after = retryAfterMs(headers, now);
  if (after !== undefined) return after;
  if (status !== 429) return undefined;
  const budget = serverBudget(headers, now);
  return budget !== undefined && budget.remaining < 1 ? budget.resetMs : undefined;
}

/**
 * The wait before attempt `attempt + 1`: the jittered backoff, raised to what the server asked for
 * (not capped by `maxDelayMs`: the call's deadline bounds it instead).
 */
export function retryDelayMs(attempt: number, options: RetryOptions, askedMs: number | undefined): number {
  const backoff = backoffMs(attempt, options);
  return askedMs === undefined ? backoff : Math.max(askedMs, backoff);
}
