/**
 * What the NetActuate providers look up remotely: account snapshots for coalesced refresh reads, and the
 * key and name lookups that keep creates from duplicating (creates are not idempotent) and adopt the object
 * a create whose answer was lost did make.
 */
import { isOutcomeUnknown, NotFoundError } from "../../sdk/core";
import type { NetActuateSecretList, NetActuateSecretValue } from "../../sdk/netactuate";
import { createBaselines, readCoalescer } from "../kit";
import type { Session } from "./connection";

/** Every value of the account, shared by the concurrent reads of one operation. */
export function valuesSnapshot(session: Session): Promise<NetActuateSecretValue[]> {
  return readCoalescer.get(`${session.account}|values`, () => session.client.values.listAll());
}

/** Every list of the account, shared by the concurrent reads of one operation. */
export function listsSnapshot(session: Session): Promise<NetActuateSecretList[]> {
  return readCoalescer.get(`${session.account}|lists`, () => session.client.lists.list());
}

/** Marks a write to the account, so no later read of this process is served from older data. */
export function wrote(session: Session): void {
  readCoalescer.invalidate(`${session.account}|values`);
  readCoalescer.invalidate(`${session.account}|lists`);
}

/** A value of the account by key (keys are account-unique), read fresh, never from a snapshot. */
export async function valueByKey(session: Session, key: string): Promise<NetActuateSecretValue | undefined> {
  return (await session.client.values.listAll()).find((v) => v.key === key);
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
    async () => new Set((await session.client.values.listAll()).map((v) => v.key)),
  );
  return keys.has(key) ? valueByKey(session, key) : undefined;
}

/** A list of the account by name (names are account-unique), read fresh. */
export async function listByName(session: Session, name: string): Promise<NetActuateSecretList | undefined> {
  return (await session.client.lists.list()).find((l) => l.name === name);
}

/** The error for a key that exists in the account but not in this stack: says how to adopt it. */
export function keyTakenError(key: string, existing: NetActuateSecretValue): Error {
  return new Error(
    `key "${key}" already exists in the NetActuate account (value ${existing.id} in list ${existing.listId}) but ` +
      `not in this stack's state; keys are unique across the account. If it is this stack's (its state was lost, ` +
      `or is new), adopt it with the import resource option { import: "${existing.id}" } (declare the same ` +
      "listId, key and value); otherwise choose another key",
  );
}

/** The error for a list name that exists in the account but not in this stack. */
export function nameTakenError(name: string, existing: NetActuateSecretList): Error {
  return new Error(
    `a secret list named "${name}" already exists in the NetActuate account (list ${existing.id}) but not in ` +
      `this stack's state; list names are unique across the account. If it is this stack's (its state was lost, ` +
      `or is new), adopt it with the import resource option { import: "${existing.id}" }; otherwise choose ` +
      "another name",
  );
}

/**
 * Runs a non-idempotent create. When its outcome is unknown (timeout, reset after sending, 5xx, unreadable
 * answer), `find` looks for what it may have made: found, it is adopted; absent, nothing was made and the
 * original error stands; if the lookup fails too, the error says the outcome is unknown and what to do.
 */
export async function createOrAdopt<T>(
  create: () => Promise<T>,
  find: () => Promise<T | undefined>,
  what: string,
): Promise<T> {
  try {
    return await create();
  } catch (error) {
    if (!isOutcomeUnknown(error)) throw error;
    let found: T | undefined;
    try {
      found = await find();
    } catch {
      const reason = error instanceof Error ? error.message : "unknown failure";
      throw new Error(
        `${reason}; the create may have taken effect but ${what} could not be looked up: if the next run ` +
          "reports that it already exists, adopt it with the import resource option",
      );
    }
    if (found === undefined) throw error;
    return found;
  }
}

/** Runs a delete; a 404 (the object or its list is already gone) counts as done. */
export async function deleteIgnoringMissing(remove: () => Promise<void>): Promise<void> {
  try {
    await remove();
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
}

/** Parses a resource id; ids are the API's numeric ids written as strings. */
export function numericId(id: string, resource: string): number {
  if (!/^[1-9]\d{0,14}$/.test(id)) {
    throw new Error(
      `${resource} id must be the numeric id NetActuate assigned (e.g. "42"), got a non-numeric id`,
    );
  }
  return Number(id);
}
