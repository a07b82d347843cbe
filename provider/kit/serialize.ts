/**
 * Creates of one identity in one host process run one at a time: a create that looks before it writes (is
 * the key taken? which secrets existed before our POST?) must not interleave with another create of the same
 * key, or both would see it free and both write.
 */

/** Tail of the queue per key. */
const queues = new Map<string, Promise<void>>();

/** Runs `fn` once every earlier call with the same `key` has settled. */
export async function oneAtATime<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  let release!: () => void;
  const tail = previous.then(() => new Promise<void>((resolve) => (release = resolve)));
  queues.set(key, tail);
  await previous;
  try {
    return await fn();
  } finally {
    release();
    if (queues.get(key) === tail) queues.delete(key);
  }
}
