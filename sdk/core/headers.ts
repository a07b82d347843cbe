/**
 * The few response headers the core reads: `Retry-After` and the rate-limit family. Everything else a
 * response carries is dropped at the transport, so no header can end up in an error.
 */

/** Response headers kept by the transport (lower-case names); the rest are never stored. */
export const KEPT_HEADERS: ReadonlySet<string> = new Set([
  "content-type",
  "retry-after",
  "x-ratelimit-limit",
  "x-ratelimit-remaining",
  "x-ratelimit-reset",
  "ratelimit-limit",
  "ratelimit-remaining",
  "ratelimit-reset",
  "ratelimit",
]);

/** The allow-listed response headers of one response. */
export type KeptHeaders = Readonly<Record<string, string>>;

/** Reset values above this are epoch seconds; below, seconds from now (no window is 30 years long). */
const EPOCH_SECONDS = 1e9;
/** Reset values above this are epoch milliseconds. */
const EPOCH_MILLIS = 1e12;

function number(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(value)) return undefined;
  return Number(value);
}

/** Milliseconds from `now` until a reset given as seconds from now, epoch seconds or epoch milliseconds. */
function resetDelay(value: number, now: number): number {
  if (value >= EPOCH_MILLIS) return Math.max(0, value - now);
  if (value >= EPOCH_SECONDS) return Math.max(0, value * 1000 - now);
  return value * 1000;
}

/** `Retry-After` as milliseconds from `now`: delta seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(headers: KeptHeaders, now: number): number | undefined {
  const raw = headers["retry-after"];
  if (raw === undefined) return undefined;
  const seconds = number(raw);
  if (seconds !== undefined) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The server's allowance per window from `X-RateLimit-Limit`, `RateLimit-Limit` (its leading number, as in
 * `10, 10;w=1`) or the combined `RateLimit` header (`limit=10`); undefined when none says.
 */
export function serverLimit(headers: KeptHeaders): number | undefined {
  const leading = (value: string | undefined) => number(/^\s*(\d+)/.exec(value ?? "")?.[1]);
  const limit =
    leading(headers["x-ratelimit-limit"]) ??
    leading(headers["ratelimit-limit"]) ??
    number(/(?:^|[;,\s])limit=(\d+)/.exec(headers.ratelimit ?? "")?.[1]);
  return limit !== undefined && limit >= 1 ? Math.floor(limit) : undefined;
}

/** The server's view of our budget: how many requests remain and when the budget refills. */
export interface ServerBudget {
  remaining: number;
  /** Milliseconds from `now` until the window resets. */
  resetMs: number;
}

/**
 * `X-RateLimit-Remaining`/`-Reset`, `RateLimit-Remaining`/`-Reset`, or the combined `RateLimit` header
 * (`remaining=5, reset=30` or `"default";r=5;t=30`). Undefined unless both remaining and reset are known:
 * a count without a reset time cannot tell us how long to hold back.
 */
export function serverBudget(headers: KeptHeaders, now: number): ServerBudget | undefined {
  let remaining = number(headers["x-ratelimit-remaining"]) ?? number(headers["ratelimit-remaining"]);
  let reset = number(headers["x-ratelimit-reset"]) ?? number(headers["ratelimit-reset"]);
  const combined = headers.ratelimit;
  if (combined !== undefined) {
    remaining ??= number(/(?:^|[;,\s])(?:remaining|r)=(\d+)/.exec(combined)?.[1]);
    reset ??= number(/(?:^|[;,\s])(?:reset|t)=(\d+)/.exec(combined)?.[1]);
  }
  if (remaining === undefined || reset === undefined) return undefined;
  return { remaining: Math.floor(remaining), resetMs: resetDelay(reset, now) };
}
