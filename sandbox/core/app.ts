/**
 * The fastify app every emulator is built on: JSON errors in the API's own format, a body limit, a request log
 * by route template, per-credential rate limiting, fault injection and the `/__sandbox/` admin routes.
 */
import { STATUS_CODES } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import formbody from "@fastify/formbody";
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RouteHandlerMethod,
} from "fastify";
import { handleAdmin, isAdminUrl } from "./admin";
import { describeError } from "./errorMapping";
import type { ErrorBody, ErrorFields } from "./errors";
import type { FaultInjector, FaultSnapshot, FaultSpec } from "./faults";
import { RateLimiter, type RateLimitOptions, rateLimitHeaders } from "./rate-limit";
import { RequestLog, UNMATCHED } from "./requestLog";
import { RequestStats, type SandboxStats } from "./stats";
import { answerUnparsed } from "./unparsed";

/** Default request body limit: 128 KiB, the documented limit of the strictest of the three APIs. */
export const DEFAULT_BODY_LIMIT = 128 * 1024;

/** Options of {@link createApp}. */
export interface CreateAppOptions {
  /** API name, e.g. `"TensorDock"`; used in 500 messages. */
  name: string;
  /**
   * Builds this API's JSON error body; used for every error the core answers, from a route's refusal down to
   * a request the HTTP parser could not read.
   */
  errorBody: ErrorBody;
  /** The credential a request presents (token, API key), or `undefined`; rate limits are kept per credential. */
  credentialOf: (request: FastifyRequest) => string | undefined;
  /** The emulator's fault injector, also reachable as `app.sandbox.faults`. */
  faults: FaultInjector;
  /** Receives one line per request: `METHOD /route/:template STATUS 12ms`. @default no log */
  log?: ((line: string) => void) | undefined;
  /** Largest accepted request body in bytes; larger bodies get 413. @default 131072 (128 KiB) */
  bodyLimit?: number | undefined;
  /** Fixed-window limit per credential. @default false (no limit) */
  rateLimit?: RateLimitOptions | false | undefined;
  /** Clock of the rate limiter, in epoch milliseconds. @default Date.now */
  clock?: (() => number) | undefined;
  /** Content type of error bodies. @default "application/json; charset=utf-8" */
  errorContentType?: string | undefined;
  /**
   * The HTTP status an error is answered with, given the status its body reports (an API that reports some
   * failures inside an HTTP 200 maps those to 200). Requests the HTTP parser refused keep their status.
   * @default the reported status
   */
  httpStatusOf?: ((status: number) => number) | undefined;
  /** Receives errors answered as 500 (whose details never reach the client). @default ignored */
  onInternalError?: ((error: unknown) => void) | undefined;
}

/** In-process access to what the admin routes do, as `app.sandbox`. */
export interface SandboxControls {
  /** The API name given to `createApp`. */
  readonly name: string;
  /** The fault injector (the same object passed to `createApp`). */
  readonly faults: FaultInjector;
  /** Request counts by `"METHOD /template"` and status (what `GET /__sandbox/stats` returns). */
  stats(): SandboxStats;
  /** Sets every count back to zero (`POST /__sandbox/stats/reset`). */
  resetStats(): void;
  /** Adds faults from a specification (`POST /__sandbox/faults`) and returns what is pending. */
  setFaults(spec: FaultSpec): FaultSnapshot;
  /** Removes every fault (`DELETE /__sandbox/faults`). */
  clearFaults(): void;
  /** Forgets every rate-limit window. */
  resetRateLimits(): void;
  /**
   * Optional commit point for a route: when a drop-after-commit fault applies, destroys the connection now
   * and returns true (the route then returns without answering). Routes that never call it are dropped
   * automatically once their handler has finished, so no emulator route needs a line for this.
   */
  afterCommit(request: FastifyRequest, reply: FastifyReply): boolean;
}

/** A fastify app made by {@link createApp}: a `FastifyInstance` plus `sandbox` controls. */
export type SandboxApp = FastifyInstance & { readonly sandbox: SandboxControls };

/**
 * Creates the app of one emulator. Register routes on it, then start it with `listen()`. The first hooks
 * are the core's: admin routes, latency, drops and bursts, then the rate limit; emulator hooks run after.
 */
export function createApp(options: CreateAppOptions): SandboxApp {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const contentType = options.errorContentType ?? "application/json; charset=utf-8";
  const { faults, errorBody } = options;
  const stats = new RequestStats();
  const limiter = options.rateLimit
    ? new RateLimiter(options.rateLimit, options.clock ?? Date.now)
    : undefined;
  /** The request counts with the rate limiter's peak: what `stats()` and `GET /__sandbox/stats` answer. */
  const counts = {
    snapshot: (): SandboxStats => ({ ...stats.snapshot(), peakRateWindow: limiter?.peak ?? 0 }),
    reset: () => stats.reset(),
  };

  const sendError = (reply: FastifyReply, status: number, message: string, fields?: ErrorFields) =>
    reply
      .code(options.httpStatusOf?.(status) ?? status)
      .type(contentType)
      .send(errorBody(status, message, fields));

  const requests = new RequestLog(stats, options.log);
  const stateOf = (request: FastifyRequest) => requests.stateOf(request);
  const finish = (request: FastifyRequest, status: number | string) => requests.finish(request, status);

  /** Answers an error thrown by a hook, a parser or a route (or refused before routing) in the API's format. */
  const answerError = (error: unknown, reply: FastifyReply) => {
    const described = describeError(error, bodyLimit);
    if (described === undefined) {
      options.onInternalError?.(error);
      return sendError(reply, 500, `internal error in the ${options.name} sandbox`);
    }
    if (described.headers !== undefined) reply.headers(described.headers);
    return sendError(reply, described.status, described.message, described.fields);
  };

  const app = Fastify({
    // The core writes its own request log; fastify's would carry raw URLs, which may hold `?key=`.
    logger: false,
    bodyLimit,
    // Closing must not wait for idle keep-alive connections of clients under test.
    forceCloseConnections: true,
    // Keys of up to 128 characters travel in paths; longer ones deserve the emulator's own 4xx.
    // A base URL written with its trailing slash (NetActuate's `.../api/`) and a path with its leading one
    // meet as `//`: the emulators route it as one slash, as the vendors' web servers do.
    routerOptions: { maxParamLength: 1024, ignoreDuplicateSlashes: true },
    // A URL fastify cannot route (bad percent-encoding, an overlong segment) is refused before any hook
    // runs, so it is logged and counted here.
    frameworkErrors: (error, request, reply) => {
      void answerError(error, reply);
      finish(request, reply.statusCode);
    },
    // Node's parser refuses the request before fastify sees it; answer on the socket, quoting none of it.
    clientErrorHandler: (error, socket) =>
      answerUnparsed(error.code, socket, { errorBody, contentType, log: requests }),
  });
  void app.register(formbody, { bodyLimit });

  const drop = (request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    request.raw.socket?.destroy();
    finish(request, "dropped");
  };

  app.addHook("onRequest", async (request, reply) => {
    const state = stateOf(request);
    if (isAdminUrl(request.url)) {
      state.admin = true;
      state.route = UNMATCHED;
      state.route = await handleAdmin(request, reply, { stats: counts, faults });
      return reply;
    }
    const { method } = request;
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    if (faults.takeDrop("beforeCommit", method, state.route)) {
      drop(request, reply);
      return reply;
    }
    const burst = faults.takeBurst(method, state.route);
    if (burst !== undefined) {
      if (burst.status === 429 || burst.status === 503)
        reply.header("retry-after", String(burst.retryAfterSeconds));
      return sendError(
        reply,
        burst.status,
        `${STATUS_CODES[burst.status] ?? "error"} (injected by the sandbox)`,
      );
    }
    if (limiter !== undefined) {
      const decision = limiter.take(options.credentialOf(request) ?? "");
      // Set before any answer, so the error handler's and the emulator's responses carry them too.
      reply.headers(rateLimitHeaders(decision));
      if (!decision.allowed) {
        state.rateLimited = true;
        const { limit, windowMs } = limiter.options;
        return sendError(
          reply,
          429,
          `rate limit exceeded: ${limit} requests per ${windowMs / 1000} s; retry after ${decision.resetSeconds} s`,
        );
      }
    }
    return undefined;
  });

  // Marks that a route's handler started, so a drop-after-commit never consumes itself on a request that an
  // auth hook or the body parser refused (no work was done there).
  app.addHook("onRoute", (route) => {
    const handler = route.handler;
    route.handler = function (this: FastifyInstance, request, reply) {
      stateOf(request).handlerRan = true;
      return handler.call(this, request, reply);
    } as RouteHandlerMethod;
  });

  app.addHook("onSend", async (request, _reply, payload) => {
    const state = stateOf(request);
    if (!state.admin && state.handlerRan && !state.dropChecked) {
      state.dropChecked = true;
      // The handler has returned (its transaction committed); the answer is lost on the way back.
      if (faults.takeDrop("afterCommit", request.method, state.route)) {
        request.raw.socket?.destroy();
        finish(request, "dropped");
      }
    }
    return payload;
  });

  app.addHook("onResponse", async (request, reply) => finish(request, reply.statusCode));
  app.addHook("onRequestAbort", async (request) => finish(request, "aborted"));

  app.setNotFoundHandler((_request, reply) => sendError(reply, 404, "no such route"));

  app.setErrorHandler((error, _request, reply) => answerError(error, reply));

  const controls: SandboxControls = {
    name: options.name,
    faults,
    stats: counts.snapshot,
    resetStats: () => stats.reset(),
    setFaults: (spec) => {
      faults.apply(spec);
      return faults.snapshot();
    },
    clearFaults: () => faults.clear(),
    resetRateLimits: () => limiter?.reset(),
    afterCommit: (request, reply) => {
      const state = stateOf(request);
      if (state.admin || state.dropChecked) return false;
      state.dropChecked = true;
      if (!faults.takeDrop("afterCommit", request.method, state.route)) return false;
      drop(request, reply);
      return true;
    },
  };
  app.decorate("sandbox", controls);
  // decorate() adds the property at runtime but its typing cannot name it.
  return app as unknown as SandboxApp;
}
