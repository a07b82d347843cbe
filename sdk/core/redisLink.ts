/**
 * The Redis connection of the shared rate limit: one per Redis URL and key prefix in a process, shared by every
 * account that names them, and the counters rate-limiter-flexible keeps over it (see sharedBudget.ts for what
 * they count).
 *
 * Redis is an aid, never a dependency of a deployment: when it cannot be reached at start, is lost, or answers
 * slower than `commandTimeoutMs`, a command resolves with nothing instead of failing, the process paces itself
 * alone (the local limiter keeps running beneath the shared budget), says so in one line, and rejoins once
 * Redis answers again. `ioredis` and `rate-limiter-flexible` are loaded on first use, so a process that never
 * sets a Redis URL never loads them.
 */
import { createHash } from "node:crypto";
import type { Redis as RedisClient, RedisOptions } from "ioredis";
import type { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
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

/** The two modules, as loaded. */
export type Modules = {
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

/** The counter of one kind of key, by its allowance and window. */
export type LimiterOf = (
  kind: "pace" | "window" | "hold" | "limit" | "seconds",
  points: number,
  seconds: number,
) => RateLimiterRedis;

/** One Redis connection of this process, shared by every account that names the same URL. */
export class RedisLink {
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
export function linkOf(options: SharedRateLimitOptions): RedisLink {
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

/** One point from `limiter`: taken, or over the limit (with the wait); errors of Redis are thrown. */
export async function take(
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
