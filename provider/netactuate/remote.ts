/**
 * What the NetActuate resources ask the account beyond one request: shared snapshots for coalesced reads, and
 * the lookups that keep non-idempotent creates and changes from duplicating or misreporting (a key or list
 * name is unique across the account; a POST whose answer was lost may still have taken effect).
 */
import { BadRequestError, isOutcomeUnknown, NotFoundError, SecretstackError } from "../../sdk/core";
import type { NetActuateSecretList, NetActuateSecretValue } from "../../sdk/netactuate";
import { createBaselines, readCoalescer } from "../kit";
import type { NetActuateSession as Session } from "./connection";

/** Everything of one kind in the account, fresh: `values` (plaintext included) or `lists`. */
const everything = {
  values: (session: Session) => session.client.values.listAll(),
  lists: (session: Session) => session.client.lists.list(),
};

type Kind = keyof typeof everything;
type Item<K extends Kind> = Awaited<ReturnType<(typeof everything)[K]>>[number];

/**
 * The object of `kind` with `id`: from the snapshot the concurrent reads of one operation share, else from
 * `alone` (a request of its own, when the object is not in the snapshot or the snapshot failed); `undefined`
 * when it is gone (a 404 included).
 */
export async function byId<K extends Kind>(
  session: Session,
  kind: K,
  id: number,
  alone: () => Promise<Item<K> | undefined>,
): Promise<Item<K> | undefined> {
  try {
    const fetch = everything[kind] as (session: Session) => Promise<Item<K>[]>;
    const found = (await readCoalescer.get(`${session.account}|${kind}`, () => fetch(session))).find(
      (o) => o.id === id,
    );
    if (found !== undefined) return found;
  } catch {
    // The shared list failed; the request of its own answers alone.
  }
  try {
    return await alone();
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/** Runs a write to the account; no later read of this process is then served from data fetched before it. */
export async function writing<T>(session: Session, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } finally {
    for (const kind of Object.keys(everything)) readCoalescer.invalidate(`${session.account}|${kind}`);
  }
}

/** An identity unique across the account: its field in a request, how to find its holder, and the refusal. */
interface Identity<T> {
  field: string;
  holder(session: Session, identity: string): Promise<T | undefined>;
  taken(identity: string, holder: T): Error;
}

/** Secret keys: a key already held fails naming the value that holds it and the import that adopts it. */
export const KEY: Identity<NetActuateSecretValue> = {
  field: "secret_key",
  holder: async (session, key) => (await everything.values(session)).find((v) => v.key === key),
  taken: (key, existing) =>
    new Error(
      `key "${key}" already exists in the NetActuate account (value ${existing.id} in list ${existing.listId}) ` +
        "but not in this stack's state; keys are unique across the account. If it is this stack's (its state " +
        `was lost, or is new), adopt it with the import resource option { import: "${existing.id}" } (declare ` +
        "the same listId, key and value); otherwise choose another key",
    ),
};

/** List names: a name already held fails naming the list that holds it and the import that adopts it. */
export const LIST_NAME: Identity<NetActuateSecretList> = {
  field: "name",
  holder: async (session, name) => (await everything.lists(session)).find((l) => l.name === name),
  taken: (name, existing) =>
    new Error(
      `a secret list named "${name}" already exists in the NetActuate account (list ${existing.id}) but not ` +
        "in this stack's state; list names are unique across the account. If it is this stack's (its state " +
        `was lost, or is new), adopt it with the import resource option { import: "${existing.id}" }; ` +
        "otherwise choose another name",
    ),
};

/** A refusal of `identity` (a 400 naming its field) answered with who holds it; any other error as it is. */
export async function explained<T>(
  error: unknown,
  session: Session,
  kind: Identity<T>,
  identity: string,
): Promise<unknown> {
  if (!(error instanceof BadRequestError && error.fields.includes(kind.field))) return error;
  const holder = await kind.holder(session, identity).catch(() => undefined);
  return holder === undefined ? error : kind.taken(identity, holder);
}

/**
 * The value holding `key` before this create, or `undefined` when the key is free. The keys of one list, shared
 * by the creates of this process (see `createBaselines`), answer for most creates; a key found there is
 * confirmed with a fresh list, since it may have been freed since (a value moved to another list deletes first).
 */
export async function valueBeforeCreate(
  session: Session,
  key: string,
): Promise<NetActuateSecretValue | undefined> {
  const keys = await createBaselines.get(
    `${session.account}|keys`,
    async () => new Set((await everything.values(session)).map((v) => v.key)),
  );
  return keys.has(key) ? KEY.holder(session, key) : undefined;
}

/** What a write that may take effect without saying so needs: how to send it, look for it, and explain a refusal. */
interface Write<T> {
  send(): Promise<T>;
  /** After an unknown outcome: what the write made or changed, `undefined` when it did not take effect. */
  look(): Promise<T | undefined>;
  explain(error: unknown): Promise<unknown>;
}

/**
 * Runs a non-idempotent write (a create, a rename, a new key or value). When its outcome is unknown (timeout,
 * reset after sending, 5xx, unreadable answer), `look` settles it: what it made is adopted, a change that took
 * effect is a success, and otherwise the error stands, explained. `lost` names what a create made, to say what
 * to do when the lookup request fails too; without it, a failed lookup leaves the original error.
 */
export async function settle<T>(session: Session, write: Write<T>, lost?: string): Promise<T> {
  return writing(session, async () => {
    try {
      return await write.send();
    } catch (error) {
      if (!isOutcomeUnknown(error)) throw await write.explain(error);
      let found: T | undefined;
      try {
        found = await write.look();
      } catch (lookError) {
        // Our own verdict (the key is someone else's) stands; a failed lookup request leaves the outcome open.
        if (!(lookError instanceof SecretstackError)) throw lookError;
        if (lost === undefined) throw await write.explain(error);
        const reason = error instanceof Error ? error.message : "unknown failure";
        throw new Error(
          `${reason}; the create may have taken effect but ${lost} could not be looked up: if the next run ` +
            "reports that it already exists, adopt it with the import resource option",
        );
      }
      if (found === undefined) throw await write.explain(error);
      return found;
    }
  });
}

/** Parses an id NetActuate assigned (a resource id or `listId`), written as a string. */
export function numericId(id: string, what = "the id"): number {
  if (!/^[1-9]\d{0,14}$/.test(id)) {
    throw new Error(`${what} must be the numeric id NetActuate assigned (e.g. "42"), got a non-numeric id`);
  }
  return Number(id);
}
