/**
 * The shared vocabulary of the request core: which API, how it authenticates, how time passes.
 * Options that carry behaviour (retry, rate limit, request) live next to the code that reads them.
 */
import type { z } from "zod";

/** The three APIs this package talks to; used in every error message and request event. */
export type ApiName = "TensorDock" | "The Wallet Crew" | "NetActuate";

/**
 * How a client proves who it is. The credential is only ever written into the outgoing request;
 * a `query` credential is never part of a URL we report.
 */
export type Auth =
  | { kind: "bearer"; token: string }
  | { kind: "header"; name: string; value: string }
  | { kind: "query"; name: string; value: string };

/** Where a user sets the credential; named by 401 and 403 messages so the fix is one step away. */
export interface CredentialHint {
  /** Stack configuration key, e.g. `tensordock:apiToken`. */
  config: string;
  /** Environment variable, e.g. `TENSORDOCK_API_TOKEN`. */
  env: string;
}

/** The time source; injected so tests move time instead of waiting for it. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** Waits `ms` milliseconds; injected so tests never wait on real time. */
export type Sleep = (ms: number) => Promise<void>;

/** The HTTP methods the three APIs use. */
export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

/** Backoff settings; see `retry.ts` for what is retried and why. */
export interface RetryOptions {
  /** Attempts in total, the first included. @default 4: survives short outages without hiding long ones */
  maxAttempts: number;
  /** Ceiling of the first backoff. @default 250 ms */
  baseDelayMs: number;
  /** Ceiling of any computed backoff (a server's Retry-After may ask for more). @default 20 s */
  maxDelayMs: number;
  /** A number in [0, 1) for full jitter. @default Math.random */
  random: () => number;
}

/** Client-side pacing per (base URL, credential), shared by every client of the process. */
export interface RateLimitOptions {
  /** Sustained rate and burst size (a full bucket holds one minute's worth). */
  requestsPerMinute: number;
  /**
   * One budget for every process that uses the account, kept in Redis: our own pace, the server's window and
   * any hold a 429 or a spent window asks for. Omitted: this process paces itself alone.
   */
  shared?: SharedRateLimitOptions;
}

/**
 * The budget shared through Redis (see sdk/core/sharedBudget.ts). Redis holds counters only, under a hash of
 * the base URL and credential; losing Redis never fails a request: the process paces itself alone until it is
 * back.
 */
export interface SharedRateLimitOptions {
  /** `redis://` or `rediss://` URL; it may carry a password, which no message, event or key ever repeats. */
  redisUrl: string;
  /**
   * The longest one Redis command may take before this process paces itself alone for a while.
   * @default 500 ms: a healthy Redis answers in about a millisecond; a slow one must not hold a deployment
   */
  commandTimeoutMs?: number;
  /** Prefix of every key this package writes. @default "secretstack:rate" */
  keyPrefix?: string;
  /**
   * Hears the one line written when Redis cannot be reached or is lost (never the URL). Exceptions it throws
   * are ignored. @default `process.emitWarning`
   */
  onNotice?: (message: string) => void;
}

/** One attempt as seen by an observer: never a URL, query string, header or body. */
export interface RequestEvent {
  api: ApiName;
  method: string;
  /** The templated path, e.g. `/secrets/{id}`. */
  path: string;
  /** The HTTP status, absent when no response arrived. */
  status?: number;
  /** 1 for the first attempt of a call. */
  attempt: number;
  /** Time the attempt took on the client's clock. */
  durationMs: number;
  /** The error class name (and network code) when the attempt failed. */
  error?: string;
}

/**
 * A request about to wait before it is sent: behind the rate limit (our pace or the server's window), or
 * before a retry (the server's `Retry-After`, or the backoff after a failure). `message` is safe text for a
 * person: "TensorDock rate limit 100/min: waiting 41 s".
 */
export interface WaitEvent {
  api: ApiName;
  method: string;
  /** The templated path, e.g. `/secrets/{id}`. */
  path: string;
  /** What the request waits for, e.g. "rate limit 100/min", "retry after 429 (Retry-After 30 s)". */
  cause: string;
  waitMs: number;
  message: string;
}

/** What an API-specific error reader may extract from an error body: safe text only. */
export interface ErrorDescription {
  /** Overrides the HTTP status when the body says better (e.g. a 422 that means "not found"). */
  status?: number;
  /** A short human explanation from the server; scrubbed of the credential and request values. */
  detail?: string;
  /** Names of the request fields the server rejected. */
  fields?: string[];
}

/** Settings of one `HttpClient`. */
export interface HttpClientOptions {
  api: ApiName;
  /** Scheme, host and base path, e.g. `https://dashboard.tensordock.com/api/v2`. */
  baseUrl: string;
  auth: Auth;
  credentialHint: CredentialHint;
  /** Per attempt. @default 30 s: the vendors' APIs are slow at times; a hung connection must not hold a deployment */
  timeoutMs?: number;
  /**
   * The whole call, retries and their waits included, counted from the first attempt (time queued behind
   * the client-side rate limiter before it is not counted, so large deployments slow down instead of failing).
   * @default 120 s
   */
  deadlineMs?: number;
  /** @default 4 attempts, 250 ms base, 20 s cap, Math.random */
  retry?: Partial<RetryOptions>;
  /**
   * Client-side pacing per (base URL, credential), process-wide. Omitted: no pacing of our own, but the
   * server's rate-limit headers are still honoured. `false`: neither.
   */
  rateLimit?: RateLimitOptions | false;
  /** @default Date.now */
  clock?: Clock;
  /** @default a real `setTimeout` */
  sleep?: Sleep;
  /** Reads an error body into safe text; the default understands RFC 7807 and `{message, fields}` bodies. */
  describeError?: (status: number, body: unknown) => ErrorDescription | undefined;
  /** Called once per attempt; exceptions it throws are ignored. */
  onRequest?: (event: RequestEvent) => void;
  /**
   * Called before a request waits: for every retry wait, and for each wait of the rate-limit queue when this
   * request is first in it (one call per wait, not per queued request). Exceptions it throws are ignored.
   */
  onWait?: (event: WaitEvent) => void;
}

/**
 * The `HttpClient` options a user of an API client sets through the client's own options; the one list both
 * {@link TransportOptions} and `pickTransportOptions` (apiClient.ts) are made from, so a new setting reaches all three clients.
 */
export const TRANSPORT_OPTION_KEYS = [
  "timeoutMs",
  "deadlineMs",
  "retry",
  "rateLimit",
  "clock",
  "sleep",
  "onRequest",
  "onWait",
] as const;

/** The transport settings a client accepts from its user; see {@link HttpClientOptions} for each. */
export type TransportOptions = Pick<HttpClientOptions, (typeof TRANSPORT_OPTION_KEYS)[number]>;

/** One call of `HttpClient.request`. */
export interface RequestOptions<T> {
  method: HttpMethod;
  /** A template, e.g. `/secrets/{id}`; it is what errors and events report. */
  path: string;
  /** Values for the template; each is URI-encoded, and empty, `.` and `..` are rejected before sending. */
  params?: Record<string, string | number>;
  /** Query parameters; `undefined` values are left out. */
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** @default "json" */
  bodyEncoding?: "json" | "form";
  /** A lenient schema of the (unwrapped) body: unknown fields pass, the caller decides what matters. */
  response: z.ZodType<T>;
  /** Turns a 2xx body into what `response` parses, e.g. opens an envelope; may `throw errorFor(...)`. */
  unwrap?: (status: number, body: unknown) => unknown;
  /**
   * `text`: the body is a string value: a text body verbatim, a JSON body parsed (a JSON string becomes its
   * value). @default "json"
   */
  responseType?: "json" | "text";
}
