/**
 * The request log of one emulator: each request is written as one line (`METHOD /route/:template STATUS 12ms`)
 * and counted exactly once, whatever way it ended (answered, dropped, aborted, refused before routing); admin
 * requests are logged, never counted.
 */
import { performance } from "node:perf_hooks";
import type { FastifyRequest } from "fastify";
import type { RequestStats } from "./stats";

/** What the core's hooks know of one request. */
export interface RequestState {
  start: number;
  route: string;
  admin: boolean;
  handlerRan: boolean;
  dropChecked: boolean;
  rateLimited: boolean;
  finished: boolean;
}

/** Route label of requests that matched no route, in logs, stats and fault matches. */
export const UNMATCHED = "<unmatched>";

/**
 * Method label, in logs and stats, of requests the HTTP parser refused (raw bytes in the target, a malformed
 * header): their method is never read from bytes that failed to parse.
 */
export const UNPARSED = "<unparsed>";

/** The log lines and counts of one emulator's requests. */
export class RequestLog {
  private readonly states = new WeakMap<FastifyRequest, RequestState>();

  constructor(
    private readonly stats: RequestStats,
    private readonly log: ((line: string) => void) | undefined,
  ) {}

  /** What is known of `request`, begun (its clock started) by the first hook that asks. */
  stateOf(request: FastifyRequest): RequestState {
    let state = this.states.get(request);
    if (state === undefined) {
      const route = request.routeOptions.url ?? UNMATCHED;
      state = {
        start: performance.now(),
        route,
        admin: false,
        handlerRan: false,
        dropChecked: false,
        rateLimited: false,
        finished: false,
      };
      this.states.set(request, state);
    }
    return state;
  }

  /** Writes one request's log line and, unless it is an admin request, counts it. */
  record(label: string, status: number | string, ms: number, counted: boolean, rateLimited = false): void {
    if (counted) this.stats.record(label, status, rateLimited);
    this.log?.(`${label} ${status} ${ms}ms`);
  }

  /** Logs and counts a request exactly once, whatever way it ended. */
  finish(request: FastifyRequest, status: number | string): void {
    const state = this.stateOf(request);
    if (state.finished) return;
    state.finished = true;
    const ms = Math.round(performance.now() - state.start);
    this.record(`${request.method} ${state.route}`, status, ms, !state.admin, state.rateLimited);
  }
}
