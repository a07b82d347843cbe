import { AsyncLocalStorage } from "node:async_hooks";
import { NotFoundError } from "../../sdk/core";
import { DEADLINE_HINT, queueDeadlineMs, waitedText, withDeadline } from "../../sdk/core/deadline";

/**
 * Coalesced reads. Pulumi starts one provider host process per deployment operation and sends it up to
 * `--parallel` concurrent `read` calls during a refresh. Instead of one GET per resource, the reads of one
 * API account share one list request: the first read opens a short batching window, every read that
 * arrives in it (or while its request is in flight) waits for the same response, and the snapshot then
 * serves the remaining reads of the operation.
 *
 * A snapshot is never older than the operation: it lives only in this host process, it is dropped when
 * this process writes to the same account (so a read after our own create sees the create), and it
 * expires after `ttlMs`. A failed list is not cached; callers fall back to per-id reads.
 *
 * No read waits without an end: a list that has not answered after `SECRETSTACK_QUEUE_DEADLINE_MS` (default
 * 5 min; the request's own deadline normally ends it long before) fails every read waiting for it, saying what
 * it waited for, and is forgotten, so the next read starts a list of its own.
 *
 * `SECRETSTACK_READ_COALESCE=0` turns the shared coalescer off: every read then takes its per-id path, the
 * same one a failed list falls back to (the benchmarks measure both paths side by side this way).
 */

/** Settings of the read coalescer. */
export interface CoalesceOptions {
  /** How long the first read waits for others to join. @default 5 ms, or SECRETSTACK_READ_BATCH_MS */
  windowMs: number;
  /** How long a snapshot may serve reads. @default 30 s, or SECRETSTACK_READ_CACHE_MS; 0 disables reuse */
  ttlMs: number;
  /** The clock. @default Date.now */
  now: () => number;
  /** When false, `get` rejects at once with {@link CoalescingDisabledError} and callers read per id. @default true */
  enabled: boolean;
  /** What the shared list is, for the error of a wait that passed its deadline. @default "a list of the account" */
  what: string;
  /** How long a read waits for the shared list. @default SECRETSTACK_QUEUE_DEADLINE_MS, read at each wait */
  deadlineMs: number | undefined;
}

/** The rejection of {@link ReadCoalescer.get} when coalescing is off: the caller reads per id instead. */
export class CoalescingDisabledError extends Error {
  override readonly name = "CoalescingDisabledError";
  constructor() {
    super("read coalescing is off");
  }
}

interface Entry {
  /** When the list request was sent (or is scheduled to be sent). */
  startedAt: number;
  /** The write generation of the account when the request was scheduled. */
  generation: number;
  promise: Promise<unknown>;
  settled: boolean;
  failed: boolean;
}

/** A non-negative number from the environment, or `fallback` when unset, empty or not such a number. */
export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === "" ? Number.NaN : Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : fallback;
}

/** Shares one list request among the concurrent reads of one API account in this process. */
export class ReadCoalescer {
  private readonly entries = new Map<string, Entry>();
  private readonly generations = new Map<string, number>();
  private readonly options: CoalesceOptions;

  constructor(options: Partial<CoalesceOptions> = {}) {
    this.options = {
      windowMs: options.windowMs ?? envNumber("SECRETSTACK_READ_BATCH_MS", 5),
      ttlMs: options.ttlMs ?? envNumber("SECRETSTACK_READ_CACHE_MS", 30_000),
      now: options.now ?? Date.now,
      enabled: options.enabled ?? true,
      what: options.what ?? "a list of the account",
      deadlineMs: options.deadlineMs,
    };
  }

  /** False when reads must take their per-id path (see {@link CoalesceOptions.enabled}). */
  get enabled(): boolean {
    return this.options.enabled;
  }

  /**
   * Resolves with a snapshot from a list request that started after the last write this process made
   * to the account and no longer ago than `ttlMs`, starting one (after the batching window) if needed.
   * Rejects when that list request fails, or when coalescing is off; the caller then reads per id.
   */
  get<T>(account: string, fetch: () => Promise<T>): Promise<T> {
    if (!this.options.enabled) return Promise.reject(new CoalescingDisabledError());
    const now = this.options.now();
    const generation = this.generations.get(account) ?? 0;
    const entry = this.entries.get(account);
    if (entry && entry.generation === generation && !entry.failed) {
      const fresh = !entry.settled || now - entry.startedAt <= this.options.ttlMs;
      if (fresh) return this.wait(account, entry) as Promise<T>;
    }
    const scheduledAt = now;
    const created: Entry = {
      startedAt: scheduledAt,
      generation,
      promise: Promise.resolve(),
      settled: false,
      failed: false,
    };
    created.promise = (async () => {
      if (this.options.windowMs > 0)
        await new Promise((resolve) => setTimeout(resolve, this.options.windowMs));
      created.startedAt = this.options.now();
      try {
        return await fetch();
      } catch (error) {
        created.failed = true;
        throw error;
      } finally {
        created.settled = true;
        if (created.failed && this.entries.get(account) === created) this.entries.delete(account);
      }
    })();
    this.entries.set(account, created);
    return this.wait(account, created) as Promise<T>;
  }

  /** The entry's answer, or a deadline error once it has kept this read waiting too long (the entry is then dropped). */
  private wait(account: string, entry: Entry): Promise<unknown> {
    if (entry.settled) return entry.promise;
    return withDeadline(entry.promise, {
      ms: this.options.deadlineMs ?? queueDeadlineMs(),
      onExpire: () => {
        entry.failed = true;
        if (this.entries.get(account) === entry) this.entries.delete(account);
      },
      expired: (waitedMs) =>
        new Error(
          `waited ${waitedText(waitedMs)} for ${this.options.what}, shared by the calls of this process, and it ` +
            `has not answered: run the update again (${DEADLINE_HINT})`,
        ),
    });
  }

  /**
   * Marks a write to the account: no read after it is served from data fetched before it, under the account's
   * key or any key below it (`<account>|lists`).
   */
  invalidate(account: string): void {
    const below = `${account}|`;
    const keys = new Set([account, ...this.entries.keys(), ...this.generations.keys()]);
    for (const key of keys) {
      if (key !== account && !key.startsWith(below)) continue;
      this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
      this.entries.delete(key);
    }
  }
}

/** False when `SECRETSTACK_READ_COALESCE` is `0`, `false` or `off` (any case): reads then go per id. */
export function coalescingFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const raw = env.SECRETSTACK_READ_COALESCE?.trim().toLowerCase();
  return !(raw === "0" || raw === "false" || raw === "off");
}

/**
 * The process-wide coalescer shared by every provider module loaded in this host. The switch is read once,
 * when the host loads the first provider: the host's environment is fixed for its one operation.
 */
export const readCoalescer = new ReadCoalescer({
  enabled: coalescingFromEnv(),
  what: "the list the reads of one account share",
});

/** The accounts a create, update or delete of the kit addressed (see {@link asWrite}). */
const writeScope = new AsyncLocalStorage<Set<string>>();

/** Records that the current create, update or delete addresses `account` (every session does; see ./settings). */
export function addressing(account: string): void {
  writeScope.getStore()?.add(account);
}

/**
 * Runs a create, update or delete; afterwards no read of this process is served from data fetched before it, for
 * every account it addressed: written once here, so no resource has to remember to drop its snapshots.
 */
export async function asWrite<T>(write: () => Promise<T>): Promise<T> {
  const accounts = new Set<string>();
  try {
    return await writeScope.run(accounts, write);
  } finally {
    for (const account of accounts) readCoalescer.invalidate(account);
  }
}

/**
 * The object with `id` as the reads of one operation see it: from the snapshot they share under `account`
 * (`list`, indexed by id once per snapshot, so a thousand reads do not each scan a thousand objects), else from
 * a request of its own (`alone`: the object is not in the snapshot, or the list failed, which is not cached);
 * `undefined` when it is gone (a 404 included).
 */
export async function readById<T extends { id: string | number }>(
  account: string,
  list: () => Promise<T[]>,
  id: T["id"],
  alone: () => Promise<T | undefined>,
): Promise<T | undefined> {
  const index = async () => new Map((await list()).map((o) => [o.id, o]));
  const shared = await readCoalescer.get(account, index).catch(() => undefined);
  try {
    return shared?.get(id) ?? (await alone());
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/**
 * Baselines of the non-idempotent creates: lists answered before a create's POST was sent, used only to tell
 * what the account already held (a secret in a baseline cannot be the one an unknown-outcome POST made, and
 * a NetActuate key absent from it was free). Never served as data, so our own writes do not drop them.
 * Creates share one baseline for `SECRETSTACK_CREATE_BASELINE_MS` (default 10 s; 0 lists before every
 * create): a fleet of creates costs one list per 10 s instead of one per create. The price is a window in
 * which an object made outside this process with the same name (or key) is not in the baseline; it matters
 * only if, in that window, one of our POSTs also has an unknown outcome and did not take effect.
 */
export const createBaselines = new ReadCoalescer({
  what: "the list of what the account held before these creates",
  windowMs: 0,
  ttlMs: envNumber("SECRETSTACK_CREATE_BASELINE_MS", 10_000),
});
