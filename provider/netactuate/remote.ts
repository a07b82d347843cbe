/**
 * What the NetActuate resources ask the account beyond one request: shared snapshots for coalesced reads, and
 * the lookups that keep non-idempotent creates and changes from duplicating or misreporting (a key or list
 * name is unique across the account; a POST whose answer was lost may still have taken effect).
 */
import { BadRequestError } from "../../sdk/core";
import type { NetActuateSecretList, NetActuateSecretValue } from "../../sdk/netactuate";
import { createBaselines, type Held, heldElsewhere, readById } from "../kit";
import type { NetActuateSession as Session } from "./connection";

/** One kind of object in the account, and its identity, which is unique across the account. */
interface Kind<T extends { id: number }> {
  /** The name of its snapshot, shared by the reads of one operation. */
  name: "values" | "lists";
  /** Every object of the kind, fresh. */
  all(session: Session): Promise<T[]>;
  /** The identity: what it is called, its field in a request, and its value in an object. */
  identity: { called: string; field: string; of(object: T): string };
  /** How a refusal begins: the identity already exists, and where the object that holds it is. */
  held(identity: string, holder: T): string;
  /** What an import must declare to adopt the holder as it is. */
  adopt?: string;
}

const IN_ACCOUNT = "already exists in the NetActuate account";

/** Secret values (plaintext included), identified by their key. */
export const VALUES: Kind<NetActuateSecretValue> = {
  name: "values",
  all: (session) => session.client.values.listAll(),
  identity: { called: "key", field: "secret_key", of: (v) => v.key },
  held: (key, v) => `key "${key}" ${IN_ACCOUNT} (value ${v.id} in list ${v.listId})`,
  adopt: "declare the same listId, key and value",
};

/** Secret lists, identified by their name. */
export const LISTS: Kind<NetActuateSecretList> = {
  name: "lists",
  all: (session) => session.client.lists.list(),
  identity: { called: "list name", field: "name", of: (l) => l.name },
  held: (name, l) => `a secret list named "${name}" ${IN_ACCOUNT} (list ${l.id})`,
};

/** The object of `kind` with `id`, from the snapshot the reads of one operation share, else `alone` (see `readById`). */
export function byId<T extends { id: number }>(
  session: Session,
  kind: Kind<T>,
  id: number,
  alone: () => Promise<T | undefined>,
): Promise<T | undefined> {
  return readById(`${session.account}|${kind.name}`, () => kind.all(session), id, alone);
}

/** The object of `kind` holding `identity` now (read fresh, never from a snapshot), if any. */
export async function holder<T extends { id: number }>(session: Session, kind: Kind<T>, identity: string) {
  return (await kind.all(session)).find((o) => kind.identity.of(o) === identity);
}

/** How a refusal names the holder of an identity the account holds but this stack does not (see `heldElsewhere`). */
export function held<T extends { id: number }>(kind: Kind<T>, identity: string, existing: T): Held {
  const { called } = kind.identity;
  return {
    held: kind.held(identity, existing),
    id: String(existing.id),
    because: `${called}s are unique across the account`,
    ...(kind.adopt === undefined ? {} : { declare: kind.adopt }),
    otherwise: `choose another ${called}`,
  };
}

/** The error for an identity the account holds but this stack does not: names the holder and how to adopt it. */
export function taken<T extends { id: number }>(kind: Kind<T>, identity: string, existing: T): Error {
  return heldElsewhere(held(kind, identity, existing));
}

/** A refusal of `identity` (a 400 naming its field) answered with who holds it; any other error as it is. */
export async function explained<T extends { id: number }>(
  error: unknown,
  session: Session,
  kind: Kind<T>,
  identity: string,
): Promise<unknown> {
  if (!(error instanceof BadRequestError && error.fields.includes(kind.identity.field))) return error;
  const existing = await holder(session, kind, identity).catch(() => undefined);
  return existing === undefined ? error : taken(kind, identity, existing);
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
    async () => new Set((await VALUES.all(session)).map((v) => v.key)),
  );
  return keys.has(key) ? holder(session, VALUES, key) : undefined;
}

/** Parses an id NetActuate assigned (a resource id or `listId`), written as a string. */
export function numericId(id: string, what = "the id"): number {
  if (!/^[1-9]\d{0,14}$/.test(id)) {
    throw new Error(`${what} must be the numeric id NetActuate assigned (e.g. "42"), got a non-numeric id`);
  }
  return Number(id);
}
