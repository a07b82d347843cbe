/**
 * Creates of one identity in one host process run one at a time: a create that looks before it writes (is
 * the key taken? which secrets existed before our POST?) must not interleave with another create of the same
 * key, or both would see it free and both write. No wait is without an end: a create that waits longer than
 * `SECRETSTACK_QUEUE_DEADLINE_MS` (default 5 min) for the one before it fails, saying what it waited for.
 */
import { envNumber } from "./coalesce";

/** Tail of the queue per key. */
const queues = new Map<string, Promise<void>>();

/** How long a create waits for the creates of the same identity before it. @default 300 000 ms */
const deadlineMs = () => envNumber("SECRETSTACK_QUEUE_DEADLINE_MS", 300_000);

/** Runs `fn` once every earlier call with the same `key` has settled; `what` names the identity in errors. */
export async function oneAtATime<T>(key: string, fn: () => Promise<T>, what = "this object"): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  // Later calls wait for both: ours, and (if we give up waiting) the one we gave up on.
  const tail = Promise.all([previous, done]).then(() => undefined);
  queues.set(key, tail);
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  const limit = deadlineMs();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<"expired">((resolve) => {
    timer = setTimeout(() => resolve("expired"), limit);
  });
  try {
    if ((await Promise.race([previous.then(() => "ready" as const), expired])) === "expired") {
      throw new Error(
        `waited ${Math.round(limit / 1000)} s for another create of ${what} in this process to finish, and it ` +
          "is still running: run the update again once it has ended (SECRETSTACK_QUEUE_DEADLINE_MS sets the wait)",
      );
    }
    return await fn();
  } finally {
    clearTimeout(timer);
    release();
  }
}
