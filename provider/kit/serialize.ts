/**
 * Creates of one identity in one host process run one at a time: a create that looks before it writes (is
 * the key taken? which secrets existed before our POST?) must not interleave with another create of the same
 * key, or both would see it free and both write. No wait is without an end: a create that waits longer than
 * `SECRETSTACK_QUEUE_DEADLINE_MS` (default 5 min) for the one before it fails, saying what it waited for.
 */
import { DEADLINE_HINT, queueDeadlineMs, waitedText, withDeadline } from "../../sdk/core/deadline";

/** Tail of the queue per key. */
const queues = new Map<string, Promise<void>>();

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
  try {
    await withDeadline(previous, {
      ms: queueDeadlineMs(),
      expired: (waitedMs) =>
        new Error(
          `waited ${waitedText(waitedMs)} for another create of ${what} in this process to finish, and it is ` +
            `still running: run the update again once it has ended (${DEADLINE_HINT})`,
        ),
    });
    return await fn();
  } finally {
    release();
  }
}
