/**
 * Fault injection for tests of retry and recovery logic: added latency, bursts of error statuses, and
 * connections reset before or after a route commits its work.
 */
import { z } from "zod";

/** Which requests a fault applies to; omitted fields match anything. */
export interface FaultMatch {
  /** HTTP method, any case. */
  method?: string | undefined;
  /** Fastify route template as it appears in the stats, e.g. `/secrets/:id`, or `<unmatched>`. */
  route?: string | undefined;
}

/** Options of an injected error burst. */
export interface BurstOptions {
  /** `Retry-After` of injected 429 and 503 answers, in seconds. @default 1 */
  retryAfterSeconds?: number;
}

/** One pending fault and how many more requests it applies to. */
export interface PendingFault extends FaultMatch {
  remaining: number;
}

/** What the injector will still do: the answer of `GET /__sandbox/faults`. */
export interface FaultSnapshot {
  latencyMs: number;
  bursts: (PendingFault & { status: number; retryAfterSeconds: number })[];
  dropBeforeCommit: PendingFault[];
  dropAfterCommit: PendingFault[];
}

const match = { method: z.string().min(1).optional(), route: z.string().min(1).optional() };
const count = z.number().int().min(1).max(1_000_000);

/** The body of `POST /__sandbox/faults`; every field is optional and adds to the faults already pending. */
export const faultSpecSchema = z
  .object({
    latencyMs: z.number().int().min(0).max(600_000).optional(),
    burst: z
      .object({
        status: z.number().int().min(400).max(599),
        count,
        retryAfterSeconds: z.number().int().min(0).max(86_400).optional(),
        ...match,
      })
      .strict()
      .optional(),
    dropBeforeCommit: z
      .object({ count, ...match })
      .strict()
      .optional(),
    dropAfterCommit: z
      .object({ count, ...match })
      .strict()
      .optional(),
  })
  .strict();

/** A parsed fault specification (see {@link faultSpecSchema}). */
export type FaultSpec = z.infer<typeof faultSpecSchema>;

type Burst = PendingFault & { status: number; retryAfterSeconds: number };

/**
 * Holds the faults of one emulator. Faults are consumed in the order they were added, each by the next
 * `count` requests it matches. Admin routes (`/__sandbox/…`) are never subject to faults.
 */
export class FaultInjector {
  private latency = 0;
  private bursts: Burst[] = [];
  private dropsBefore: PendingFault[] = [];
  private dropsAfter: PendingFault[] = [];

  /** Delays every request by `ms` (real time: it simulates a slow network). 0 turns latency off. */
  setLatency(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError("latency must be a non-negative number of ms");
    this.latency = ms;
  }

  /** The current added latency in milliseconds. */
  get latencyMs(): number {
    return this.latency;
  }

  /**
   * The next `count` matching requests answer `status` through the API's error body without touching state;
   * 429 and 503 answers carry `Retry-After`.
   */
  burst(status: number, count: number, match: FaultMatch = {}, options: BurstOptions = {}): void {
    if (!Number.isInteger(status) || status < 400 || status > 599)
      throw new RangeError("burst status: 400–599");
    this.bursts.push({ ...pending(count, match), status, retryAfterSeconds: options.retryAfterSeconds ?? 1 });
  }

  /** The next `count` matching requests run and commit their work, then lose their answer (socket destroyed). */
  dropAfterCommit(count: number, match: FaultMatch = {}): void {
    this.dropsAfter.push(pending(count, match));
  }

  /** The next `count` matching requests are reset before any work is done (socket destroyed). */
  dropBeforeCommit(count: number, match: FaultMatch = {}): void {
    this.dropsBefore.push(pending(count, match));
  }

  /** Adds the faults of a parsed specification (the body of `POST /__sandbox/faults`). */
  apply(spec: FaultSpec): void {
    if (spec.latencyMs !== undefined) this.setLatency(spec.latencyMs);
    if (spec.burst !== undefined) {
      const { status, count, retryAfterSeconds, ...on } = spec.burst;
      this.burst(status, count, on, retryAfterSeconds === undefined ? {} : { retryAfterSeconds });
    }
    if (spec.dropBeforeCommit !== undefined)
      this.dropBeforeCommit(spec.dropBeforeCommit.count, spec.dropBeforeCommit);
    if (spec.dropAfterCommit !== undefined)
      this.dropAfterCommit(spec.dropAfterCommit.count, spec.dropAfterCommit);
  }

  /** Removes every fault and the latency. */
  clear(): void {
    this.latency = 0;
    this.bursts = [];
    this.dropsBefore = [];
    this.dropsAfter = [];
  }

  /** A copy of what is still pending. */
  snapshot(): FaultSnapshot {
    return {
      latencyMs: this.latency,
      bursts: this.bursts.map((b) => ({ ...b })),
      dropBeforeCommit: this.dropsBefore.map((d) => ({ ...d })),
      dropAfterCommit: this.dropsAfter.map((d) => ({ ...d })),
    };
  }

  /** Consumes one matching burst for a request (used by `createApp`). */
  takeBurst(method: string, route: string): { status: number; retryAfterSeconds: number } | undefined {
    const burst = take(this.bursts, method, route);
    return burst === undefined
      ? undefined
      : { status: burst.status, retryAfterSeconds: burst.retryAfterSeconds };
  }

  /** Consumes one matching drop of the given kind for a request (used by `createApp`). */
  takeDrop(kind: "beforeCommit" | "afterCommit", method: string, route: string): boolean {
    return take(kind === "beforeCommit" ? this.dropsBefore : this.dropsAfter, method, route) !== undefined;
  }
}

function pending(count: number, match: FaultMatch): PendingFault {
  if (!Number.isInteger(count) || count < 1) throw new RangeError("fault count must be a positive integer");
  const fault: PendingFault = { remaining: count };
  if (match.method !== undefined) fault.method = match.method.toUpperCase();
  if (match.route !== undefined) fault.route = match.route;
  return fault;
}

/** Decrements the first fault matching the request, dropping it from the list once used up. */
function take<F extends PendingFault>(faults: F[], method: string, route: string): F | undefined {
  const index = faults.findIndex(
    (f) =>
      (f.method === undefined || f.method === method.toUpperCase()) &&
      (f.route === undefined || f.route === route),
  );
  const fault = faults[index];
  if (fault === undefined) return undefined;
  fault.remaining--;
  if (fault.remaining === 0) faults.splice(index, 1);
  return fault;
}
