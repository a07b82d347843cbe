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
 * Redis is an aid, never a dependency of a deployment: when it cannot be reached at start, is lost, or answers
 * slower than `commandTimeoutMs`, the process paces itself alone (the local limiter keeps running beneath this
 * one), says so in one line, and rejoins once Redis answers again. `ioredis` and `rate-limiter-flexible` are
 * loaded on first use, so a process that never sets a Redis URL never loads them.
 */
import { createHash } from "node:crypto";
import type { Redis as RedisClient, RedisOptions } from "ioredis";
import type { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { type KeptHeaders, retryAfterMs, serverBudget, serverLimit } from "./headers";
import type { SharedRateLimitOptions } from "./types";

/** @see SharedRateLimitOptions.commandTimeoutMs */
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 500;
/** @see SharedRateLimitOptions.keyPrefix */
export const DEFAULT_REDIS_KEY_PREFIX = "secretstack:rate";
/** How long the first connection of a process may take before it paces alone (it keeps trying meanwhile). */
const CONNECT_TIMEOUT_MS = 1_000;
/** After a failed command, this process paces alone this long before it asks Redis again. */
const PAUSE_AFTER_FAILURE_MS = 2_000;
/** A connection no queue has used for this long is closed, so it never keeps a finished process alive. */
const IDLE_MS = 1_000;
/** Reconnection attempts back off up to this interval, for as long as the connection is wanted. */
const MAX_RECONNECT_DELAY_MS = 2_000;
/** The shortest wait the shared budget asks for: a key whose TTL is about to run out. */
const MIN_WAIT_MS = 5;

/** The allowance of a window not yet known: none, only a count. */
const UNCOUNTED = 1_000_000;
/** How long the server's window, once learnt, is kept in Redis for processes that start later. */
const WINDOW_TTL_S = 3_600;

/** Grants remembered to measure this process's share of the shared budget. */
const MAX_GRANTS = 256;
/** Alone, a process keeps its share of the limit, this much slower (1.1: a tenth), for the drift of clocks and phases. */
const ALONE_SLOWER = 1.1;

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

type Modules = {
  Redis: new (url: string, options: RedisOptions) => RedisClient;
  RateLimiterRedis: typeof RateLimiterRedis;
  RateLimiterRes: typeof RateLimiterRes;
};

/** ioredis and rate-limiter-flexible, loaded on first use. */
function loadModules(): Modules {
  const ioredis = require("ioredis") as typeof import("ioredis");
  const flexible = require("rate-limiter-flexible") as typeof import("rate-limiter-flexible");
  return {
    Redis: ioredis.Redis,
    RateLimiterRedis: flexible.RateLimiterRedis,
    RateLimiterRes: flexible.RateLimiterRes,
  };
}

/**
 * Why Redis could not answer, in words that never carry the URL: a network code, a Redis error word
 * (`WRONGPASS`, `NOAUTH`), or what happened.
 */
function reasonOf(error: unknown, commandTimeoutMs: number): string {
  if (typeof error !== "object" || error === null) return "unknown error";
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === "string" && /^[A-Z][A-Z0-9_]+$/.test(code)) return code;
  const text = typeof message === "string" ? message : "";
  if (/timed out/i.test(text)) return `no answer within ${commandTimeoutMs} ms`;
  if (/connection is closed/i.test(text)) return "connection lost";
  const word = /^([A-Z]{4,})\b/.exec(text)?.[1];
  if (word !== undefined) return word;
  return "not connected";
}

/** A rejection of rate-limiter-flexible (over the limit), as opposed to an error of Redis. */
function isOverLimit(modules: Modules, value: unknown): value is RateLimiterRes {
  return value instanceof modules.RateLimiterRes;
}

type LimiterOf = (
  kind: "pace" | "window" | "hold" | "limit" | "seconds",
  points: number,
  seconds: number,
) => RateLimiterRedis;

/** One Redis connection of this process, shared by every account that names the same URL. */
class RedisLink {
  private modules: Modules | undefined;
  private client: RedisClient | undefined;
  private fresh = false;
  private readonly limiters = new Map<string, RateLimiterRedis>();
  private pausedUntil = 0;
  /** True from the notice of a loss until Redis answers again: one line per loss. */
  private lost = false;
  private lastReason: string | undefined;
  /** Queues waiting on this link and commands in flight; the connection closes once both are none for a while. */
  private users = 0;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly url: string,
    private readonly prefix: string,
    private readonly commandTimeoutMs: number,
    private readonly notice: (message: string) => void,
  ) {}

  /** A queue starts waiting on this link (see {@link leave}). */
  enter(): void {
    this.users += 1;
    if (this.idleTimer !== undefined) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    }
  }

  /** A queue is empty again; with no other user for {@link IDLE_MS}, the connection closes. */
  leave(): void {
    this.users = Math.max(0, this.users - 1);
    if (this.users > 0 || this.idleTimer !== undefined || this.client === undefined) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.users === 0) this.close();
    }, IDLE_MS);
    this.idleTimer.unref?.();
  }

  /** Closes the connection now; the next use opens a new one. */
  close(): void {
    const client = this.client;
    this.client = undefined;
    this.limiters.clear();
    client?.disconnect(false);
  }

  /**
   * Runs `fn` against Redis and resolves with its result, or with undefined when Redis cannot answer now (not
   * connected, too slow, refused): the caller then paces alone. Never rejects.
   */
  async use<T>(fn: (limiter: LimiterOf, modules: Modules) => Promise<T>): Promise<T | undefined> {
    if (Date.now() < this.pausedUntil) return undefined;
    this.enter();
    try {
      const connected = this.connect();
      if (connected === undefined) return undefined;
      const { client, modules } = connected;
      if (client.status !== "ready" && this.fresh) await this.firstConnection(client);
      if (client.status !== "ready") {
        this.fail(this.lastReason ?? "not connected");
        return undefined;
      }
      const result = await fn(this.limiterOf(client, modules), modules);
      this.fresh = false;
      this.lost = false;
      return result;
    } catch (error) {
      this.fail(reasonOf(error, this.commandTimeoutMs));
      return undefined;
    } finally {
      this.leave();
    }
  }

  private connect(): { client: RedisClient; modules: Modules } | undefined {
    if (this.modules === undefined) {
      try {
        this.modules = loadModules();
      } catch {
        // Installed with the package; missing only from a broken install. Pace alone, say so once.
        this.pausedUntil = Number.POSITIVE_INFINITY;
        this.fail("ioredis or rate-limiter-flexible cannot be loaded");
        return undefined;
      }
    }
    if (this.client === undefined) {
      const client = new this.modules.Redis(this.url, {
        // A command fails at once while disconnected instead of queueing behind the reconnection.
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        commandTimeout: this.commandTimeoutMs,
        connectTimeout: CONNECT_TIMEOUT_MS,
        retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), MAX_RECONNECT_DELAY_MS),
        connectionName: "secretstack-rate-limit",
      });
      // Without a listener ioredis prints every connection error; the reason is kept for the one notice.
      client.on("error", (error: unknown) => {
        this.lastReason = reasonOf(error, this.commandTimeoutMs);
      });
      this.client = client;
      this.fresh = true;
    }
    return { client: this.client, modules: this.modules };
  }

  /** Resolves once a new connection is ready, fails, or takes longer than {@link CONNECT_TIMEOUT_MS}. */
  private firstConnection(client: RedisClient): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        client.off("ready", done);
        client.off("error", done);
        client.off("end", done);
        resolve();
      };
      const timer = setTimeout(done, CONNECT_TIMEOUT_MS);
      client.once("ready", done);
      client.once("error", done);
      client.once("end", done);
    });
  }

  private limiterOf(client: RedisClient, modules: Modules): LimiterOf {
    return (kind, points, seconds) => {
      const id = `${kind}|${points}|${seconds}`;
      let limiter = this.limiters.get(id);
      if (limiter === undefined) {
        limiter = new modules.RateLimiterRedis({
          storeClient: client,
          keyPrefix: `${this.prefix}:${kind}`,
          points,
          duration: seconds,
          rejectIfRedisNotReady: true,
        });
        this.limiters.set(id, limiter);
      }
      return limiter;
    };
  }

  private fail(reason: string): void {
    this.fresh = false;
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + PAUSE_AFTER_FAILURE_MS);
    if (this.lost) return;
    this.lost = true;
    try {
      this.notice(
        `rate limit shared through Redis: Redis cannot be used (${reason}); this process paces each account ` +
          "alone until Redis answers again",
      );
    } catch {
      // A listener must not change the outcome of a request.
    }
  }
}

const links = new Map<string, RedisLink>();

/** The link of one Redis URL (and prefix) in this process, keyed by a hash so the map never holds the URL. */
function linkOf(options: SharedRateLimitOptions): RedisLink {
  const prefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
  const id = createHash("sha256").update(`${options.redisUrl}\0${prefix}`).digest("base64url");
  let link = links.get(id);
  if (link === undefined) {
    const listener = options.onNotice;
    link = new RedisLink(
      options.redisUrl,
      prefix,
      options.commandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
      listener ?? ((message) => process.emitWarning(message, { code: "SECRETSTACK_SHARED_RATE_LIMIT" })),
    );
    links.set(id, link);
  }
  return link;
}

/**
 * Closes every Redis connection the shared rate limits of this process opened. Never needed for a process to
 * exit (an unused connection closes itself after a second); for tests and orderly shutdowns.
 */
export function closeSharedRateLimits(): void {
  for (const link of links.values()) link.close();
}

/** Checks a shared limit's options before anything connects; the URL itself is never repeated. */
export function validateSharedOptions(options: SharedRateLimitOptions): void {
  let protocol = "";
  try {
    protocol = new URL(options.redisUrl).protocol;
  } catch {
    protocol = "";
  }
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
  /** When this process's recent requests were let through by the shared budget (its clock), oldest first. */
  private readonly grants: number[] = [];
  private firstGrantAt: number | undefined;
  /** Set while Redis is away: this process's pace alone (see {@link paceWhileShared}). */
  private alonePace: number | undefined;
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
      this.granted(Date.now());
      return { kind: "go", ticket };
    });
    if (result !== undefined) {
      this.alonePace = undefined;
      return result;
    }
    this.alonePace ??= this.paceWhileShared();
    return this.alonePace === undefined ? { kind: "alone" } : { kind: "alone", intervalMs: this.alonePace };
  }

  private granted(at: number): void {
    this.firstGrantAt ??= at;
    this.grants.push(at);
    if (this.grants.length > MAX_GRANTS) this.grants.shift();
  }

  /**
   * The interval between requests this process had while the budget was shared, a tenth slower: alone, it
   * keeps to its share instead of each process taking the whole limit. Undefined before any shared window.
   */
  private paceWhileShared(): number | undefined {
    const window = this.window;
    const last = this.grants[this.grants.length - 1];
    if (window === undefined || last === undefined || this.firstGrantAt === undefined) return undefined;
    const span = Math.min(Math.max(3, 3 * window.seconds) * 1000, last - this.firstGrantAt);
    const recent = this.grants.filter((at) => at > last - span).length;
    if (span <= 0 || recent < 2) return undefined;
    return (span / recent) * ALONE_SLOWER;
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

/** One point from `limiter`: taken, or over the limit (with the wait); errors of Redis are thrown. */
async function take(
  modules: Modules,
  limiter: RateLimiterRedis,
  key: string,
): Promise<{ ok: true; res: RateLimiterRes } | { ok: false; res: RateLimiterRes }> {
  try {
    return { ok: true, res: await limiter.consume(key) };
  } catch (error) {
    if (isOverLimit(modules, error)) return { ok: false, res: error };
    throw error;
  }
}
