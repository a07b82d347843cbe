/**
 * No wait without an end. Every place where one call waits for another (a request for a rate-limit slot, a create
 * for the create of the same identity before it, a read for the list another read started) goes through
 * {@link withDeadline}: once `SECRETSTACK_QUEUE_DEADLINE_MS` passes (default 5 min) with nothing to show for it,
 * the wait fails with an error that says what it waited for, instead of holding the deployment forever.
 */

/** The environment variable that sets every queue's deadline, in milliseconds. */
export const QUEUE_DEADLINE_ENV = "SECRETSTACK_QUEUE_DEADLINE_MS";

/**
 * How long a call waits for another before it gives up. @default 300 000 ms: far beyond any healthy wait (a
 * create of one identity takes seconds; a paced queue moves at least once a minute), short enough that a stuck
 * one ends a CI job with a reason rather than at the job's own timeout.
 */
export const DEFAULT_QUEUE_DEADLINE_MS = 300_000;

/** setTimeout fires at once beyond this. */
const MAX_TIMER_MS = 2_147_483_647;

/** The deadline in milliseconds: `SECRETSTACK_QUEUE_DEADLINE_MS` when it is a positive number, else the default. */
export function queueDeadlineMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[QUEUE_DEADLINE_ENV]?.trim();
  const value = raw === undefined || raw === "" ? Number.NaN : Number(raw);
  return Number.isFinite(value) && value > 0 ? Math.min(value, MAX_TIMER_MS) : DEFAULT_QUEUE_DEADLINE_MS;
}

/** A wait as a person reads it: "300 s", or "0.05 s" below a second. */
export function waitedText(ms: number): string {
  return ms >= 1_000 ? `${Math.round(ms / 1_000)} s` : `${Math.round(ms) / 1_000} s`;
}

/** What every deadline error ends with: how to make the wait longer. */
export const DEADLINE_HINT = `${QUEUE_DEADLINE_ENV} sets the wait`;

/** How one wait ends when its deadline passes. */
export interface DeadlineOptions {
  /** The deadline. @default {@link queueDeadlineMs}() */
  ms?: number;
  /** The error to fail with, given how long the call waited in all. */
  expired: (waitedMs: number) => Error;
  /** Runs once when the deadline passes, before the wait fails: take the caller out of the queue it waited in. */
  onExpire?: () => void;
  /**
   * A marker of progress (e.g. how many requests the queue let through). While it changes from one deadline to
   * the next the wait goes on: a long queue that keeps moving is pacing, not a hang.
   */
  progress?: () => unknown;
}

/**
 * Resolves or rejects with `waiting`, or rejects with `expired(...)` once `ms` passes (with no change of
 * `progress` in that time). The timer is cleared as soon as `waiting` settles, so it never keeps a process alive.
 */
export function withDeadline<T>(waiting: Promise<T>, options: DeadlineOptions): Promise<T> {
  const ms = options.ms ?? queueDeadlineMs();
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let waited = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arm = (mark: unknown) => {
      timer = setTimeout(() => {
        if (settled) return;
        waited += ms;
        const now = options.progress?.();
        if (options.progress !== undefined && !Object.is(now, mark)) {
          arm(now);
          return;
        }
        settled = true;
        try {
          options.onExpire?.();
        } finally {
          reject(options.expired(waited));
        }
      }, ms);
    };
    arm(options.progress?.());
    waiting.then(
      (value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
