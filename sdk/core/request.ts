/**
 * `HttpClient`: the one request path of all three API clients. One call = rate-limit slot, attempt,
 * mapping to a value or one of our errors, and the retry loop under the call's deadline.
 */
import type { AxiosInstance } from "axios";
import { authHeaders, buildUrl, type Endpoint, encodeBody, fillPath } from "./encode";
import {
  ConnectionError,
  OUTCOME_UNKNOWN,
  RateLimitError,
  ResponseValidationError,
  SecretstackError,
  TimeoutError,
} from "./errors";
import type { KeptHeaders } from "./headers";
import { type RateLimiter, SlotDeadlineError, sharedRateLimiter } from "./rateLimiter";
import { sensitiveValues } from "./redact";
import {
  defaultDescribeError,
  describe,
  errorForResponse,
  parseSuccess,
  type ResponseContext,
} from "./response";
import { RETRY_DEFAULTS, retryDelayMs, serverAskedMs, shouldRetry } from "./retry";
import { type AttemptResult, createAxios, send } from "./transport";
import {
  type Clock,
  type HttpClientOptions,
  type RequestEvent,
  type RequestOptions,
  type RetryOptions,
  type Sleep,
} from "./types";

/** @see HttpClientOptions.timeoutMs */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** @see HttpClientOptions.deadlineMs */
export const DEFAULT_DEADLINE_MS = 120_000;
/** setTimeout fires at once beyond this; longer sleeps are cut to it (every waiter re-checks the time). */
const MAX_TIMER_MS = 2_147_483_647;

/** What a retry waits for, for a person: the status, or the kind of failure (never a body or a value). */
function retryCause(error: SecretstackError): string {
  if (error.status === 429) return "rate limit (answered 429)";
  return error.status === undefined ? `retry after ${error.name}` : `retry after ${error.status}`;
}

/** The default sleep: a real timer. */
export const realSleep: Sleep = (ms) =>
  new Promise((resolve) => {
    setTimeout(resolve, Math.min(Math.max(0, ms), MAX_TIMER_MS));
  });

/** The default clock: the system time. */
export const systemClock: Clock = { now: () => Date.now() };

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value > 0))
    throw new RangeError(`${name} must be a positive number of milliseconds`);
  return value;
}

/** One outcome of an attempt, before the retry decision. */
type Outcome<T> = { ok: true; value: T } | { ok: false; error: SecretstackError; headers: KeptHeaders };

/** Sends requests to one API with one credential; see the sdk/core contract in ARCHITECTURE.md. */
export class HttpClient {
  private readonly axios: AxiosInstance;
  private readonly clock: Clock;
  private readonly sleep: Sleep;
  private readonly retry: RetryOptions;
  private readonly timeoutMs: number;
  private readonly deadlineMs: number;
  private readonly limiter: RateLimiter | undefined;

  constructor(private readonly options: HttpClientOptions) {
    const protocol = URL.parse(options.baseUrl)?.protocol;
    // The URL itself is not repeated: it could carry credentials in its user-info part.
    if (protocol !== "http:" && protocol !== "https:") {
      throw new TypeError(`${options.api}: the base URL must be an http:// or https:// URL`);
    }
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep ?? realSleep;
    this.retry = { ...RETRY_DEFAULTS, ...options.retry };
    if (!(Number.isInteger(this.retry.maxAttempts) && this.retry.maxAttempts >= 1)) {
      throw new RangeError("retry.maxAttempts must be a whole number ≥ 1");
    }
    this.timeoutMs = positive(options.timeoutMs, DEFAULT_TIMEOUT_MS, "timeoutMs");
    this.deadlineMs = positive(options.deadlineMs, DEFAULT_DEADLINE_MS, "deadlineMs");
    this.limiter =
      options.rateLimit === false
        ? undefined
        : sharedRateLimiter(options.baseUrl, options.auth, options.rateLimit, this.clock, this.sleep);
    this.axios = createAxios();
  }

  /** Sends the request (retrying under the policy in retry.ts) and resolves with the parsed body. */
  async request<T>(request: RequestOptions<T>): Promise<T> {
    const { api, auth } = this.options;
    const endpoint: Endpoint = { api, method: request.method, path: request.path };
    const url = buildUrl(this.options.baseUrl, fillPath(endpoint, request.params), request.query, auth);
    const body = encodeBody(endpoint, request.body, request.bodyEncoding ?? "json");
    const headers: Record<string, string> = {
      Accept: request.responseType === "text" ? "text/plain, application/json;q=0.9" : "application/json",
      "User-Agent": "pulumi-secretstack",
      ...authHeaders(auth),
    };
    if (body !== undefined) headers["Content-Type"] = body.contentType;
    const sensitive = sensitiveValues(auth, request.body);

    let deadlineAt: number | undefined;
    let last: SecretstackError | undefined;
    for (let attempt = 1; ; attempt++) {
      if (attempt === 1) this.refuseLongHold(endpoint);
      const sequence = this.limiter === undefined ? 0 : await this.slot(this.limiter, endpoint);
      const started = this.clock.now();
      // Counted from the first attempt: time queued behind our own limiter is pacing, not failure.
      deadlineAt ??= started + this.deadlineMs;
      const timeoutMs = Math.min(this.timeoutMs, deadlineAt - started);
      // Waiting for a slot took us past the deadline: the call ends with what the last attempt said.
      if (timeoutMs <= 0 && last !== undefined) throw last;
      const context: ResponseContext = {
        ...endpoint,
        attempts: attempt,
        credentialHint: this.options.credentialHint,
        sensitive,
        describeError: this.options.describeError ?? defaultDescribeError,
      };
      const result = await send(this.axios, {
        method: request.method,
        url,
        headers,
        data: body?.data,
        timeoutMs,
      });
      const durationMs = this.clock.now() - started;
      if (result.kind === "response") this.limiter?.observe(sequence, result.status, result.headers);
      else this.limiter?.observe(sequence, undefined, {});
      const outcome = this.interpret(result, request, context, timeoutMs);
      this.emit(endpoint, attempt, durationMs, result, outcome);
      if (outcome.ok) return outcome.value;
      const { error } = outcome;
      last = error;
      if (attempt >= this.retry.maxAttempts || !shouldRetry(error, request.method)) throw error;
      const now = this.clock.now();
      const wait = retryDelayMs(attempt, this.retry, serverAskedMs(error.status, outcome.headers, now));
      // The deadline bounds the whole call: a wait that would pass it ends the call with the last error.
      if (now + wait >= deadlineAt) throw error;
      this.emitWait(endpoint, wait, retryCause(error));
      await this.sleep(wait);
    }
  }

  /** A rate-limit slot; a queue that lets nothing through for the queue deadline fails naming the request. */
  private async slot(limiter: RateLimiter, endpoint: Endpoint): Promise<number> {
    try {
      return await limiter.acquire((waitMs, cause) => this.emitWait(endpoint, waitMs, cause));
    } catch (error) {
      if (!(error instanceof SlotDeadlineError)) throw error;
      const message = `${endpoint.api} ${endpoint.method} ${endpoint.path}: ${error.message}`;
      throw new RateLimitError(message, { ...endpoint, retryAfterMs: undefined });
    }
  }

  /**
   * Queuing behind our own pace is normal (it ends only if the queue stops moving, see `SlotDeadlineError`), but
   * a server that says its window reopens only after the call's deadline (a daily quota, say) gets an immediate
   * error instead of a silent wait.
   */
  private refuseLongHold(endpoint: Endpoint): void {
    const hold = this.limiter?.holdMs(this.clock.now()) ?? 0;
    if (hold <= this.deadlineMs) return;
    const seconds = Math.ceil(hold / 1000);
    const message =
      `${endpoint.api} ${endpoint.method} ${endpoint.path}: the server's rate limit admits no request for ${seconds} s, ` +
      "longer than the call's deadline; try again later or lower the parallelism";
    throw new RateLimitError(message, { ...endpoint, retryAfterMs: hold });
  }

  private interpret<T>(
    result: AttemptResult,
    request: RequestOptions<T>,
    context: ResponseContext,
    timeoutMs: number,
  ): Outcome<T> {
    if (result.kind === "failure")
      return { ok: false, error: this.failure(result, context, timeoutMs), headers: {} };
    const { status, headers, text } = result;
    try {
      if (status >= 200 && status < 300)
        return { ok: true, value: parseSuccess(status, headers, text, request, context) };
      const retryAfterMs = serverAskedMs(status, headers, this.clock.now());
      const error = errorForResponse(status, describe(status, text, context), { ...context, retryAfterMs });
      return { ok: false, error, headers };
    } catch (error) {
      if (error instanceof SecretstackError) return { ok: false, error, headers };
      // A schema's transform or refinement threw: its message may quote the value, so only the fact is kept.
      const { api, method, path, attempts } = context;
      const message = `unexpected response from ${api} ${method} ${path}: the body failed the response schema's own checks; report it`;
      return {
        ok: false,
        error: new ResponseValidationError(message, { api, method, path, attempts, status, field: "(body)" }),
        headers,
      };
    }
  }

  private failure(
    result: Extract<AttemptResult, { kind: "failure" }>,
    context: ResponseContext,
    timeoutMs: number,
  ): SecretstackError {
    const { api, method, path } = context;
    const attempts = context.attempts ?? 1;
    const init = { api, method, path, attempts };
    const target = `${api} ${method} ${path}`;
    const gaveUp = attempts > 1 ? ` (gave up after ${attempts} attempts)` : "";
    if (result.timedOut) {
      const why =
        timeoutMs < this.timeoutMs
          ? `the call's deadline of ${this.deadlineMs} ms passed`
          : `no response within ${this.timeoutMs} ms`;
      const todo = method === "POST" ? OUTCOME_UNKNOWN : "try again";
      return new TimeoutError(`${target}: ${why}; ${todo}${gaveUp}`, init);
    }
    const code = result.code ?? "unknown network error";
    const todo =
      code === "ENOTFOUND" || code === "ECONNREFUSED"
        ? "check the base URL and that the service is reachable"
        : "check the network (and, for NetActuate, the account's IP allowlist)";
    const message = `${target}: could not complete the request (${code}); ${todo}${gaveUp}`;
    return new ConnectionError(message, { ...init, requestSent: result.requestSent, code: result.code });
  }

  private emitWait(endpoint: Endpoint, waitMs: number, cause: string): void {
    const listener = this.options.onWait;
    if (listener === undefined) return;
    const message = `${endpoint.api} ${cause}: waiting ${Math.max(1, Math.ceil(waitMs / 1000))} s`;
    try {
      listener({ api: endpoint.api, method: endpoint.method, path: endpoint.path, cause, waitMs, message });
    } catch {
      // A listener must not change the outcome of a request.
    }
  }

  private emit<T>(
    endpoint: Endpoint,
    attempt: number,
    durationMs: number,
    result: AttemptResult,
    outcome: Outcome<T>,
  ) {
    const observer = this.options.onRequest;
    if (observer === undefined) return;
    const event: RequestEvent = {
      api: endpoint.api,
      method: endpoint.method,
      path: endpoint.path,
      attempt,
      durationMs,
    };
    if (result.kind === "response") event.status = result.status;
    if (!outcome.ok) {
      const code = outcome.error instanceof ConnectionError ? outcome.error.code : undefined;
      event.error = code === undefined ? outcome.error.name : `${outcome.error.name} ${code}`;
    }
    try {
      observer(event);
    } catch {
      // An observer must not change the outcome of a request.
    }
  }
}
