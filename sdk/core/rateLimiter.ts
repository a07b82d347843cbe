/**
 * The client-side rate limiter: one per (base URL, credential) in the process, so every resource of a
 * deployment that uses one account shares one budget.
 *
 * Model: two constraints, a request waits until both allow it.
 * 1. Our own pace, a token bucket of `requestsPerMinute` tokens refilled at `requestsPerMinute` per minute,
 *    starting full (computed as GCRA: one request every 60 000 / L ms with a burst of L). N requests sent at
 *    once therefore start by (N − L) × 60 000 / L ms: 250 at 100/min by exactly 90 s.
 * 2. The server's view, when responses carry `X-RateLimit-Remaining`/`-Reset` (or `RateLimit-*`, or a 429
 *    with `Retry-After`): at most `remaining` more requests until the reset, minus those we sent after the
 *    request that reported it (the server may not have counted them yet). At zero we hold until the reset.
 *    When that reset passes, a server that also reported its limit (`X-RateLimit-Limit`) is assumed to
 *    allow that many in its next window, not an unbounded burst: the requests queued during the hold go out
 *    `limit` at a time, and the answers to them report the new window.
 *    Whatever our own setting, this keeps a busy process at the server's limit without collecting 429s.
 * 3. The first request to an account goes alone (limiters made by {@link sharedRateLimiter}): its answer
 *    may report the server's limit before a burst of concurrent requests can overrun it. If no answer comes
 *    within a second, the rest go anyway.
 *
 * 4. With `shared` options, a budget kept in Redis for every process that uses the account (see
 *    sharedBudget.ts): a request the local model lets through still waits until the shared budget allows it,
 *    and every answer is shared. When Redis cannot answer, the local model alone decides.
 *
 * All waiting goes through one FIFO queue drained by one loop that uses the injected clock and sleep, so
 * concurrent callers are served in order and tests drive time without waiting for it.
 *
 * 5. No wait without an end: a request that waits `SECRETSTACK_QUEUE_DEADLINE_MS` (default 5 min) while the
 *    queue lets nothing through (a server hold far beyond it, a Redis that never answers) leaves the queue and
 *    fails with {@link SlotDeadlineError}, saying what held it. A long queue that keeps moving is not cut short.
 */
import { createHash } from "node:crypto";
import { DEADLINE_HINT, queueDeadlineMs, waitedText, withDeadline } from "./deadline";
import { withoutTrailingSlash } from "./encode";
import { type KeptHeaders, retryAfterMs, serverBudget, serverLimit } from "./headers";
import { credentialFingerprint } from "./redact";
import { SharedBudget, type Ticket } from "./sharedBudget";
import type { Auth, Clock, RateLimitOptions, SharedRateLimitOptions, Sleep } from "./types";

const MINUTE = 60_000;
/** Real milliseconds the queue waits for the first answer before it sends the rest anyway. */
const PROBE_TIMEOUT_MS = 1_000;
/** Tickets kept for answers still to come; an attempt that never reports back must not grow the map forever. */
const MAX_TICKETS = 10_000;

interface Budget {
  /** Requests the server still allows until `resetAt`, by our conservative count. */
  remaining: number;
  resetAt: number;
}

/** Paces the requests of one account; see the file comment for the model. */
export class RateLimiter {
  /** Milliseconds between requests at the sustained rate; undefined: no pace of our own. */
  private intervalMs: number | undefined;
  /** How far ahead of the sustained schedule a burst may run (burst − 1 intervals). */
  private toleranceMs = 0;
  /** GCRA's theoretical arrival time of the next request; undefined while the bucket is full. */
  private nextAt: number | undefined;
  private server: Budget | undefined;
  /** The server's reported allowance per window, and the longest reset it reported (its window, or near). */
  private serverWindow: { limit: number; ms: number } | undefined;
  /** Number of requests let through so far; each gets the next number. */
  private sent = 0;
  private readonly waiting: Waiter[] = [];
  private draining = false;
  /** True until the first answer (or failure) of any request: until then only one is let through. */
  private probing: boolean;
  private wakeProbe: (() => void) | undefined;
  /** The budget shared through Redis, when configured; tickets of the requests it let through, by sequence. */
  private shared: SharedBudget | undefined;
  private readonly tickets = new Map<number, Ticket>();
  /** While the shared budget is away: when this process may send next at its share of the pace. */
  private aloneNextAt: number | undefined;

  constructor(
    options: RateLimitOptions | undefined,
    private readonly clock: Clock,
    private readonly sleep: Sleep,
    /** Send the first request alone, and the rest once it is answered (see the file comment). @default false */
    probe = false,
    /** The account's name in a shared budget: a hash of base URL and credential (see {@link sharedRateLimiter}). */
    private readonly account?: string,
  ) {
    if (options !== undefined) this.configure(options);
    this.probing = probe;
  }

  /**
   * Sets our own pace; when clients of one account disagree, the lowest rate wins. `shared` joins the budget
   * kept in Redis; once joined, the account stays shared for the life of the process.
   */
  configure(options: RateLimitOptions): void {
    const rpm = options.requestsPerMinute;
    if (!(Number.isFinite(rpm) && rpm > 0))
      throw new RangeError("requestsPerMinute must be a positive number");
    if (options.shared !== undefined) this.share(options.shared).pace(rpm);
    const interval = MINUTE / rpm;
    if (this.intervalMs !== undefined && this.intervalMs >= interval) return;
    this.intervalMs = interval;
    this.toleranceMs = (Math.max(1, Math.floor(rpm)) - 1) * interval;
  }

  /** The shared budget of these options: the current one when it names the same Redis, else a new one. */
  private share(options: SharedRateLimitOptions): SharedBudget {
    const current = this.shared;
    if (
      current !== undefined &&
      current.options.redisUrl === options.redisUrl &&
      current.options.keyPrefix === options.keyPrefix
    ) {
      return current;
    }
    if (this.account === undefined) {
      throw new TypeError("a shared rate limit needs the limiter of an account: use sharedRateLimiter()");
    }
    this.shared = new SharedBudget(options, this.account);
    return this.shared;
  }

  /** Requests let through so far (for metrics and tests). */
  get released(): number {
    return this.sent;
  }

  /**
   * Resolves when a request may be sent, with its sequence number (pass it to `observe`). `onWait` hears of
   * each wait the queue makes while this request is first in it, with the wait and what causes it. Rejects with
   * {@link SlotDeadlineError} when `deadlineMs` passes without the queue letting any request through.
   */
  acquire(onWait?: WaitListener, deadlineMs: number = queueDeadlineMs()): Promise<number> {
    let waiter!: Waiter;
    const slot = new Promise<number>((resolve) => {
      waiter = onWait === undefined ? { release: resolve } : { release: resolve, onWait };
      this.waiting.push(waiter);
      if (!this.draining) void this.drain();
    });
    return withDeadline(slot, {
      ms: deadlineMs,
      progress: () => this.sent,
      onExpire: () => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
      },
      expired: (waitedMs) => new SlotDeadlineError(waitedMs, this.causeOfWait()),
    });
  }

  /**
   * Adopts the server's view from the answer to request `sequence` (a failed attempt passes no status and no
   * headers: it only ends the first request's probe).
   */
  observe(sequence: number, status: number | undefined, headers: KeptHeaders): void {
    if (this.probing) {
      this.probing = false;
      this.wakeProbe?.();
    }
    if (this.shared !== undefined) {
      const ticket = this.tickets.get(sequence);
      this.tickets.delete(sequence);
      this.shared.observe(ticket, status, headers);
    }
    const now = this.clock.now();
    let budget = serverBudget(headers, now);
    if (status === 429) {
      const after = retryAfterMs(headers, now);
      if (after !== undefined && (budget === undefined || budget.remaining > 0 || budget.resetMs < after)) {
        budget = { remaining: 0, resetMs: after };
      }
    }
    if (budget === undefined) return;
    const limit = serverLimit(headers);
    if (limit !== undefined && budget.resetMs > 0) {
      this.serverWindow = { limit, ms: Math.max(this.serverWindow?.ms ?? 0, budget.resetMs) };
    }
    const candidate = { remaining: budget.remaining - (this.sent - sequence), resetAt: now + budget.resetMs };
    const current = this.server;
    // A lower count always wins (it may come from a request the server counted later); a fresh report
    // replaces an expired one. A higher count for the same window is stale: we have spent some since.
    if (current === undefined || now >= current.resetAt || candidate.remaining < current.remaining) {
      this.server = candidate;
    } else if (candidate.remaining === current.remaining && candidate.resetAt > current.resetAt) {
      // The same count, reported later: the window began when the server saw our first request, which is
      // after we sent it, so the later estimate of its end is the safe one.
      current.resetAt = candidate.resetAt;
    }
  }

  /** Milliseconds the server's view alone holds requests back (0: not at all). */
  holdMs(now: number): number {
    const server = this.server;
    return server !== undefined && now < server.resetAt && server.remaining < 1 ? server.resetAt - now : 0;
  }

  /** Milliseconds until the next request may go (0: now). */
  delayMs(now: number): number {
    let wait = 0;
    if (this.intervalMs !== undefined && this.nextAt !== undefined) {
      wait = Math.max(0, this.nextAt - this.toleranceMs - now);
    }
    if (this.server !== undefined && now >= this.server.resetAt) {
      // A new window: as much as the server allows per window, until an answer reports the real count.
      const next = this.serverWindow;
      this.server = next && { remaining: next.limit, resetAt: now + next.ms };
    }
    return Math.max(wait, this.holdMs(now));
  }

  /** What holds the queue now, for a person: the server's window when it holds, else our own pace. */
  private causeOfWait(): string {
    if (this.holdMs(this.clock.now()) > 0) {
      const window = this.serverWindow;
      return window === undefined
        ? "rate limit (the server's window is spent)"
        : `rate limit ${window.limit} per ${Math.max(1, Math.round(window.ms / 1000))} s (the server's window is spent)`;
    }
    return this.intervalMs === undefined
      ? "rate limit"
      : `rate limit ${Math.round(MINUTE / this.intervalMs)}/min`;
  }

  /** Resolves on the first answer, or after a second of real time (a probe must never stall the queue). */
  private firstAnswer(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.probing = false;
        resolve();
      }, PROBE_TIMEOUT_MS);
      timer.unref?.();
      this.wakeProbe = () => {
        clearTimeout(timer);
        this.wakeProbe = undefined;
        resolve();
      };
    });
  }

  private take(now: number): number {
    if (this.intervalMs !== undefined) this.nextAt = Math.max(this.nextAt ?? now, now) + this.intervalMs;
    if (this.server !== undefined) this.server.remaining -= 1;
    this.sent += 1;
    return this.sent;
  }

  private async drain(): Promise<void> {
    this.draining = true;
    // While this queue waits, the shared budget's connection stays open.
    const shared = this.shared;
    shared?.enter();
    try {
      for (let next = this.waiting[0]; next !== undefined; next = this.waiting[0]) {
        if (this.probing && this.sent > 0) {
          await this.firstAnswer();
          continue;
        }
        const wait = this.delayMs(this.clock.now());
        if (wait > 0) {
          notify(next.onWait, wait, this.causeOfWait());
          await this.sleep(wait);
          continue;
        }
        let ticket: Ticket | undefined;
        if (this.shared !== undefined) {
          const reservation = await this.shared.reserve();
          if (reservation.kind === "wait") {
            notify(next.onWait, reservation.waitMs, reservation.cause);
            await this.sleep(reservation.waitMs);
            continue;
          }
          if (reservation.kind === "go") ticket = reservation.ticket;
          else if (reservation.intervalMs !== undefined) {
            // Alone after sharing: no faster than this process's share was.
            const now = this.clock.now();
            if (this.aloneNextAt !== undefined && now < this.aloneNextAt) {
              notify(next.onWait, this.aloneNextAt - now, "rate limit (this process's share, Redis away)");
              await this.sleep(this.aloneNextAt - now);
              continue;
            }
            this.aloneNextAt = now + reservation.intervalMs;
          }
        }
        // The first in the queue now: the one the loop looked at may have given up while it waited.
        const head = this.waiting.shift();
        if (head === undefined) break;
        const sequence = this.take(this.clock.now());
        if (ticket !== undefined) this.keep(sequence, ticket);
        head.release(sequence);
      }
    } finally {
      this.draining = false;
      shared?.leave();
    }
  }

  private keep(sequence: number, ticket: Ticket): void {
    if (this.tickets.size >= MAX_TICKETS) {
      const oldest = this.tickets.keys().next();
      if (!oldest.done) this.tickets.delete(oldest.value);
    }
    this.tickets.set(sequence, ticket);
  }
}

/** A request in the queue: how to let it go, and who hears of its waits. */
interface Waiter {
  release: (sequence: number) => void;
  onWait?: WaitListener;
}

/**
 * A request waited for a slot until the queue deadline passed with no request let through. The message says
 * what held the queue; {@link HttpClient} turns it into a `RateLimitError` naming the request.
 */
export class SlotDeadlineError extends Error {
  override readonly name = "SlotDeadlineError";
  constructor(
    /** How long the request waited in all. */
    readonly waitedMs: number,
    /** What held the queue, e.g. "rate limit 100/min". */
    readonly held: string,
  ) {
    super(
      `waited ${waitedText(waitedMs)} for a request slot and the queue let nothing through (${held}); try again ` +
        `later or lower the parallelism (${DEADLINE_HINT})`,
    );
  }
}

/** Tells a waiting request's listener of a wait; a listener must not stall the queue. */
function notify(listener: WaitListener | undefined, waitMs: number, cause: string): void {
  try {
    listener?.(waitMs, cause);
  } catch {
    // Ignored: see above.
  }
}

/** Hears of a wait of the rate-limit queue: how long, and what causes it ("rate limit 100/min"). */
export type WaitListener = (waitMs: number, cause: string) => void;

const registry = new Map<string, RateLimiter>();

/**
 * The limiter of (base URL, credential), created on first use with that client's clock and sleep. The
 * registry is keyed by a hash, so it never holds a credential.
 */
export function sharedRateLimiter(
  baseUrl: string,
  auth: Auth,
  options: RateLimitOptions | undefined,
  clock: Clock,
  sleep: Sleep,
): RateLimiter {
  const key = createHash("sha256")
    .update(`${withoutTrailingSlash(baseUrl)}\0${credentialFingerprint(auth)}`)
    .digest("base64url");
  let limiter = registry.get(key);
  if (limiter === undefined) {
    limiter = new RateLimiter(options, clock, sleep, true, key);
    registry.set(key, limiter);
  } else if (options !== undefined) {
    limiter.configure(options);
  }
  return limiter;
}
