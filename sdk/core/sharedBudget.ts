/**
 * The rate limit shared through Redis: one budget for every process that uses one account, so parallel
 * pipelines that deploy one account together stay under its limit instead of each pacing as if alone.
 *
 * The counting is rate-limiter-flexible's (atomic Lua increments with a TTL, over ioredis); this file only
 * decides what to count. Keys per account, each named by a hash of the base URL and credential:
 * - `pace`: requests in the current minute, against our own `requestsPerMinute`;
 * - `window`: requests in the server's current window, once an answer has reported its limit and reset
 *   (`X-RateLimit-Limit`/`-Reset`): the server's view, shared. Each request takes its place before it is sent
 *   (before any process knows the window, it is still counted, for a second). An answer that reports fewer
 *   remaining than the shared count allows (requests from a process that paced alone, say) raises the count;
 * - `limit`, `seconds`: the window's size once learnt, so that a process starting later paces by it at once;
 * - `hold`: set while the server asked everyone to wait (a 429 with `Retry-After`, or a window reported spent).
 * Each holds an integer and expires (with its window, its hold, or after an hour): no secret, no token, no URL.
 *
 * Redis is an aid, never a dependency of a deployment: when it cannot answer (see redisLink.ts), a request is
 * told to go `alone`, at the process's share of the limit while it was shared (see processShare.ts).
 */
import { type KeptHeaders, retryAfterMs, serverBudget, serverLimit } from "./headers";
import { ProcessShare } from "./processShare";
import { linkOf, type RedisLink, take } from "./redisLink";
import type { SharedRateLimitOptions } from "./types";

/** The shortest wait the shared budget asks for: a key whose TTL is about to run out. */
const MIN_WAIT_MS = 5;

/** The allowance of a window not yet known: none, only a count. */
const UNCOUNTED = 1_000_000;
/** How long the server's window, once learnt, is kept in Redis for processes that start later. */
const WINDOW_TTL_S = 3_600;

/** What a request may do now, by the shared budget. */
export type Reservation =
  | { kind: "go"; ticket: Ticket }
  | { kind: "wait"; waitMs: number; cause: string }
  /**
   * Redis cannot answer now: the local limiter decides, and, when the budget was shared before, requests stay
   * `intervalMs` apart (this process's share of the limit while it was shared).
   */
  | { kind: "alone"; intervalMs?: number };

/** Where a request stood in the shared window: its place, and when that window ends (this process's clock). */
export interface Ticket {
  windowCount?: number;
  windowEndsAt?: number;
}

/** Checks a shared limit's options before anything connects; the URL itself is never repeated. */
export function validateSharedOptions(options: SharedRateLimitOptions): void {
  const protocol = URL.parse(options.redisUrl)?.protocol;
  if (protocol !== "redis:" && protocol !== "rediss:") {
    throw new TypeError("the shared rate limit's Redis URL must be a redis:// or rediss:// URL");
  }
  const timeout = options.commandTimeoutMs;
  if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) {
    throw new RangeError("commandTimeoutMs must be a positive number of milliseconds");
  }
}

/** The shared budget of one account: our pace, the server's window and its holds, kept in Redis. */
export class SharedBudget {
  private perMinute: number | undefined;
  /** The server's allowance per window as its answers reported it (whole seconds: Redis TTLs are). */
  private window: { limit: number; seconds: number } | undefined;
  /** A count of this process's own not yet in the shared window; its next request waits for it. */
  private correcting: Promise<unknown> | undefined;
  /** What this process took of the shared budget: its pace while Redis is away. */
  private readonly share = new ProcessShare();
  /** The end of the longest hold this process shared (its clock). */
  private heldUntil = 0;
  private readonly link: RedisLink;

  constructor(
    readonly options: SharedRateLimitOptions,
    /** A hash of base URL and credential: the account's name in every key. */
    private readonly account: string,
  ) {
    validateSharedOptions(options);
    this.link = linkOf(options);
  }

  /** Sets our own pace across processes; the lowest rate given wins, as in the local limiter. */
  pace(requestsPerMinute: number): void {
    const rpm = Math.max(1, Math.floor(requestsPerMinute));
    this.perMinute = this.perMinute === undefined ? rpm : Math.min(this.perMinute, rpm);
  }

  /** A queue of this account starts or stops waiting: while any waits, the connection stays open. */
  enter(): void {
    this.link.enter();
  }
  leave(): void {
    this.link.leave();
  }

  /**
   * Takes one request from the shared budget: go (with its place in the server's window), wait (how long, and
   * why), or alone when Redis cannot answer now. One round trip to Redis once the server's window is known
   * (two when our own pace is stricter than that window).
   */
  async reserve(): Promise<Reservation> {
    const key = this.account;
    const perMinute = this.perMinute;
    if (this.correcting !== undefined) {
      await this.correcting;
      this.correcting = undefined;
    }
    const result = await this.link.use<Reservation>(async (limiter, modules) => {
      // Until this process has seen an answer, the window another process learnt (and any hold) is read from
      // Redis; a hold is written to the window key too, so once the window is known its count says it all.
      if (this.window === undefined) {
        const [hold, limit, seconds] = await Promise.all([
          limiter("hold", 1, 1).get(key),
          limiter("limit", 1, WINDOW_TTL_S).get(key),
          limiter("seconds", 1, WINDOW_TTL_S).get(key),
        ]);
        if (hold !== null && hold.consumedPoints > 1 && hold.msBeforeNext > 0)
          return wait(hold.msBeforeNext, HOLD);
        if (limit !== null && seconds !== null && limit.consumedPoints > 0 && seconds.consumedPoints > 0) {
          this.window ??= { limit: limit.consumedPoints, seconds: seconds.consumedPoints };
        }
      }
      const window = this.window;
      // Before any process has learnt the window, requests are still counted in its key (for a second, the
      // shortest window Redis can keep), so the first answers find them there rather than missing.
      const shared =
        window === undefined
          ? limiter("window", UNCOUNTED, 1)
          : limiter("window", window.limit, window.seconds);
      const taken = await take(modules, shared, key);
      if (!taken.ok && window !== undefined) {
        return wait(
          taken.res.msBeforeNext,
          `rate limit ${window.limit} per ${window.seconds} s shared through Redis (the server's window is spent)`,
        );
      }
      const ticket: Ticket = {
        windowCount: taken.res.consumedPoints,
        windowEndsAt: Date.now() + taken.res.msBeforeNext,
      };
      // A server window that admits no more than our own pace makes the minute's count redundant: one round trip.
      const paced = window !== undefined && (window.limit * 60) / window.seconds <= (perMinute ?? 0);
      if (perMinute !== undefined && !paced) {
        const taken = await take(modules, limiter("pace", perMinute, 60), key);
        if (!taken.ok) {
          // The window's slot was not used: give it back.
          await shared.reward(key, 1);
          return wait(taken.res.msBeforeNext, `rate limit ${perMinute}/min shared through Redis`);
        }
      }
      this.share.granted(Date.now());
      return { kind: "go", ticket };
    });
    if (result !== undefined) {
      this.share.shared();
      return result;
    }
    const intervalMs = this.share.alone(this.window?.seconds);
    return intervalMs === undefined ? { kind: "alone" } : { kind: "alone", intervalMs };
  }

  /**
   * Shares what an answer said: a hold for every process when it was a 429 or reported the window spent, the
   * server's window once it reports one, and the server's count when it is ahead of the shared one. Returns at
   * once; Redis is written in the background.
   */
  observe(ticket: Ticket | undefined, status: number | undefined, headers: KeptHeaders): void {
    if (status === undefined) return;
    const now = Date.now();
    const budget = serverBudget(headers, now);
    const limit = serverLimit(headers);
    if (limit !== undefined && budget !== undefined && budget.resetMs > 0) {
      const seconds = Math.max(1, Math.ceil(budget.resetMs / 1000));
      const known = this.window?.limit === limit ? this.window.seconds : 0;
      const learnt = { limit, seconds: Math.max(known, seconds) };
      if (this.window?.limit !== learnt.limit || this.window.seconds !== learnt.seconds) {
        // Shared, so that a process starting later paces by it before its own first answer.
        void this.link.use((limiter) =>
          Promise.all([
            limiter("limit", 1, WINDOW_TTL_S).set(this.account, learnt.limit, WINDOW_TTL_S),
            limiter("seconds", 1, WINDOW_TTL_S).set(this.account, learnt.seconds, WINDOW_TTL_S),
          ]),
        );
      }
      this.window = learnt;
    }
    let holdMs = 0;
    if (status === 429) holdMs = retryAfterMs(headers, now) ?? (budget?.remaining === 0 ? budget.resetMs : 0);
    else if (budget !== undefined && budget.remaining <= 0) holdMs = budget.resetMs;
    const key = this.account;
    const window = this.window;
    if (holdMs > 0) {
      // Redis keeps whole seconds; a hold this process already set for longer is not cut short.
      const seconds = Math.max(1, Math.ceil(holdMs / 1000));
      if (now + seconds * 1000 <= this.heldUntil) return;
      this.heldUntil = now + seconds * 1000;
      void this.link.use((limiter) =>
        Promise.all([
          // The server's window is spent until the hold ends: the shared one restarts after it, aligned.
          window === undefined
            ? undefined
            : limiter("window", window.limit, window.seconds).block(key, seconds),
          limiter("hold", 1, 1).block(key, seconds),
        ]),
      );
      return;
    }
    if (window === undefined || limit !== window.limit || budget === undefined) return;
    if (ticket?.windowCount === undefined) {
      // Sent while Redis was away: the server counted it and the shared window did not. This process sends
      // nothing more until it is counted.
      this.correcting = this.link.use((limiter) =>
        limiter("window", window.limit, window.seconds).penalty(key, 1),
      );
      return;
    }
    const used = limit - budget.remaining;
    const place = ticket.windowCount;
    // Counted no further than its own place: nothing is missing from the shared count. A window that has ended
    // since is not corrected with a count of the old one.
    if (used <= place) return;
    if (ticket.windowEndsAt !== undefined && now >= ticket.windowEndsAt) return;
    void this.link.use(async (limiter) => {
      const shared = limiter("window", window.limit, window.seconds);
      const current = await shared.get(key);
      const count = current?.consumedPoints ?? 0;
      if (used > count) await shared.penalty(key, used - count);
    });
  }
}

/** The cause of a wait for a hold another process (or this one) shared. */
const HOLD = "rate limit shared through Redis (the server asked every process to wait)";

function wait(ms: number, cause: string): Reservation {
  return { kind: "wait", waitMs: Math.max(MIN_WAIT_MS, ms), cause };
}
