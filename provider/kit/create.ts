/**
 * A create that never leaves a duplicate, written once for every resource:
 *
 * - creates of one identity in one host process run one at a time ({@link oneAtATime}): a create that looks
 *   before it writes must not interleave with another create of the same identity, or both would see it free;
 * - an object the API already holds with this identity is adopted only when provably the one this create would
 *   make (an interrupted run, a lost state); otherwise the create fails before anything is sent, naming the
 *   holder and the `import` that adopts it ({@link heldElsewhere}, one message for every API);
 * - a write whose outcome is unknown (timeout, reset after sending, 5xx) is settled by looking, never sent
 *   twice ({@link settle}).
 *
 * No wait is without an end: a create that waits longer than `SECRETSTACK_QUEUE_DEADLINE_MS` (default 5 min)
 * for the one before it fails, saying what it waited for.
 */
import { mayHaveTakenEffect, OUTCOME_UNKNOWN, SecretstackError } from "../../sdk/core";
import { DEADLINE_HINT, queueDeadlineMs, waitedText, withDeadline } from "../../sdk/core/deadline";
import { ResourceError } from "./errors";

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

/** An object the API holds with a resource's identity while this stack's state does not: how to name it. */
export interface Held {
  /** What holds the identity, and where: `a secret list named "app" already exists in the NetActuate account (list 7)`. */
  held: string;
  /** The id the `import` resource option takes. */
  id: string;
  /** Why it must not simply be taken, e.g. "keys are unique across the account". */
  because?: string;
  /** What an import must declare to adopt it as it is, e.g. "declare the same listId, key and value". */
  declare?: string;
  /** Another way to take it over, e.g. "set adopt: true to take it over (…)". */
  orElse?: string;
  /** The way out when it is not this stack's, e.g. "choose another key". */
  otherwise: string;
}

/** The refusal of an identity held outside this stack's state: the same sentence for every API. */
export function heldElsewhere(h: Held): ResourceError {
  const declare = h.declare === undefined ? "" : ` (${h.declare})`;
  const orElse = h.orElse === undefined ? "" : `, or ${h.orElse}`;
  return new ResourceError(
    `${h.held} but not in this stack's state${h.because === undefined ? "" : `, and ${h.because}`}. If it is ` +
      `this stack's (a run was interrupted, or the state was lost), adopt it with the import resource option ` +
      `{ import: "${h.id}" }${declare}${orElse}; otherwise ${h.otherwise}`,
  );
}

/** A write that may take effect without saying so: how to send it, look for it, and explain a refusal. */
export interface Write<T> {
  send(): Promise<T>;
  /**
   * After an unknown outcome (`error`): what the write made or changed, `undefined` when it did not take effect.
   * A failed request here leaves the outcome open; an error of its own (several candidates) is the verdict.
   */
  look(error: unknown): Promise<T | undefined>;
  /** The error a refusal (or an unknown outcome that did not take effect) is reported as. @default as it is */
  explain?(error: unknown): Promise<unknown>;
}

/**
 * Runs a write that must not be sent twice (a create, a rename, a new key or value). When its outcome is unknown
 * (timeout, reset after sending, 5xx, unreadable answer), `look` settles it: what it made is adopted, a change
 * that took effect is a success, and otherwise the error stands, explained. `lost` names what a create made, to
 * say what to do when the lookup request fails too; without it, a failed lookup leaves the original error.
 */
export async function settle<T>(write: Write<T>, lost?: string): Promise<T> {
  const explain = async (error: unknown) => (write.explain === undefined ? error : write.explain(error));
  try {
    return await write.send();
  } catch (error) {
    if (!mayHaveTakenEffect(error)) throw await explain(error);
    let found: T | undefined;
    try {
      found = await write.look(error);
    } catch (lookError) {
      // Our own verdict (the identity is someone else's) stands; a failed lookup request leaves the outcome open.
      if (!(lookError instanceof SecretstackError)) throw lookError;
      if (lost === undefined) throw await explain(error);
      const reason = error instanceof Error ? error.message : "unknown failure";
      throw new ResourceError(
        `${reason}; the create may have taken effect but ${lost} could not be looked up (${lookError.message}): ` +
          "if the next run reports that it already exists, adopt it with the import resource option",
      );
    }
    if (found === undefined) throw await explain(error);
    return found;
  }
}

/** One create of one identity, as {@link createOrAdopt} runs it. */
export interface Create<T, H = T> {
  /** The identity within its scope (the queue's key: creates of one identity run one at a time). */
  identity: string;
  /** How a message names it: `key "DB_PASSWORD"`, `the GENERIC secret named "hf-token"`. */
  what: string;
  /** The objects holding the identity before anything is sent (fresh, or a shared list confirmed fresh). */
  holders(): Promise<H[]>;
  /** Whether a holder is provably the object this create would make (then it is adopted as it is). */
  same?: ((holder: H) => Promise<boolean> | boolean) | undefined;
  /** How the refusal names a holder that is not provably this one. */
  held(holder: H, all: H[]): Held;
  /** The create, and how to settle it when its outcome is unknown. */
  write: Write<T>;
}

/**
 * Creates the object, or adopts the one that provably is it; fails before sending anything when another holds
 * the identity, and never sends the create twice. Returns the object made, or the holder adopted.
 */
export async function createOrAdopt<T, H>(c: Create<T, H>): Promise<T | H> {
  return oneAtATime(
    c.identity,
    async () => {
      const holders = await c.holders();
      for (const holder of holders) if (c.same !== undefined && (await c.same(holder))) return holder;
      if (holders.length > 0) throw heldElsewhere(c.held(holders[0] as H, holders));
      const look = async (error: unknown) => {
        const found = await c.write.look(error);
        if (found !== undefined) return found;
        // Looked up: the outcome is known now, and the error, explained, no longer says to look.
        const explained = c.write.explain === undefined ? error : await c.write.explain(error);
        const settled = new ResourceError("nothing was created (looked again to check)", explained);
        settled.message = settled.message.replace(`; ${OUTCOME_UNKNOWN}`, "");
        throw settled;
      };
      return settle({ ...c.write, look }, c.what);
    },
    c.what,
  );
}
