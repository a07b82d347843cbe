/**
 * A fixed-window rate limiter per credential. Credentials are keyed by their SHA-256, so the limiter's
 * memory never holds a raw token.
 */
import { createHash } from "node:crypto";

/** `limit` requests per `windowMs` milliseconds, per credential. */
export interface RateLimitOptions {
  limit: number;
  windowMs: number;
}

/** The outcome of one request against the limiter, with what the `X-RateLimit-*` headers report. */
export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  /** Requests left in the current window after this one. */
  remaining: number;
  /** Whole seconds until the window resets, at least 1; also the `Retry-After` of a refusal. */
  resetSeconds: number;
}

interface Window {
  startedAt: number;
  count: number;
}

/** Past this many tracked credentials, expired windows are swept so memory stays bounded. */
const SWEEP_THRESHOLD = 1_000;

/**
 * Counts requests per credential in fixed windows that start at a credential's first request.
 * Time comes from the injected clock, so tests move time instead of waiting for it.
 */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();
  private peakCount = 0;

  /** @param clock Milliseconds since the epoch. @default Date.now */
  constructor(
    readonly options: RateLimitOptions,
    private readonly clock: () => number = Date.now,
  ) {
    if (!Number.isInteger(options.limit) || options.limit < 1) throw new RangeError("rate limit must be ≥ 1");
    if (!(options.windowMs > 0)) throw new RangeError("rate limit window must be > 0 ms");
  }

  /** Counts one request of `credential` (an empty string for anonymous requests) and decides on it. */
  take(credential: string): RateLimitDecision {
    const now = this.clock();
    const id = createHash("sha256").update(credential).digest("base64url");
    let window = this.windows.get(id);
    if (window === undefined || now >= window.startedAt + this.options.windowMs) {
      if (this.windows.size >= SWEEP_THRESHOLD) this.sweep(now);
      window = { startedAt: now, count: 0 };
      this.windows.set(id, window);
    }
    const allowed = window.count < this.options.limit;
    if (allowed) {
      window.count++;
      this.peakCount = Math.max(this.peakCount, window.count);
    }
    const resetMs = window.startedAt + this.options.windowMs - now;
    return {
      allowed,
      limit: this.options.limit,
      remaining: this.options.limit - window.count,
      resetSeconds: Math.max(1, Math.ceil(resetMs / 1000)),
    };
  }

  /** The most requests one credential had admitted within one window so far: the limit, when it was reached. */
  get peak(): number {
    return this.peakCount;
  }

  /** Forgets every window, as if no request had been made. */
  reset(): void {
    this.windows.clear();
    this.peakCount = 0;
  }

  private sweep(now: number): void {
    for (const [id, window] of this.windows) {
      if (now >= window.startedAt + this.options.windowMs) this.windows.delete(id);
    }
  }
}

/** The `X-RateLimit-*` headers of a decision (plus `Retry-After` when it refused the request). */
export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  const headers: Record<string, string> = {
    "x-ratelimit-limit": String(decision.limit),
    "x-ratelimit-remaining": String(decision.remaining),
    "x-ratelimit-reset": String(decision.resetSeconds),
  };
  if (!decision.allowed) headers["retry-after"] = String(decision.resetSeconds);
  return headers;
}
