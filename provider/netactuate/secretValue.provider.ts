/**
 * The dynamic provider of `netactuate.SecretValue`: what is true of a secret value, in the kit's terms (see
 * provider/kit/resource). This file's `module.exports` is the provider object, so Pulumi serializes it as a
 * `require()` of the installed package; every setting is resolved at call time.
 */
import type * as pulumi from "@pulumi/pulumi";
import { NotFoundError } from "../../sdk/core";
import type { NetActuateSecretValue } from "../../sdk/netactuate";
import { createOrAdopt, defineResource, settle, valueToSend } from "../kit";
import { type NetActuateSession, sessionOf } from "./connection";
import * as remote from "./remote";
import {
  type Connection,
  referenceOf,
  type SecretValueInputs,
  type SecretValueOutputs,
  secretValueInputsSchema,
  secretValueOutputsSchema,
  upgradeSecretValue,
} from "./schemas";

function outputsOf({ listId, key, value }: NetActuateSecretValue, connection: Connection) {
  return { listId: String(listId), key, value, connection, reference: referenceOf(key) };
}

/** Answers a key another value holds with that value, and a missing list with what to do. */
async function explain(error: unknown, session: NetActuateSession, key: string, listId: string) {
  if (error instanceof NotFoundError) {
    return new Error(
      `${error.message}; secret list ${listId} may have been deleted: run refresh, or fix listId`,
    );
  }
  return remote.explained(error, session, remote.VALUES, key);
}

const provider = defineResource<SecretValueInputs, SecretValueOutputs>({
  type: "netactuate:SecretValue",
  inputs: secretValueInputsSchema,
  outputs: secretValueOutputsSchema,
  outputOnly: ["reference"],
  // A new list is another value: replaced, deleting first, since the key is unique across the account. Key
  // and value change in place in one request; a new connection only changes what state records.
  changes: { listId: "replace", key: "update", value: "update", connection: "update" },
  deleteBeforeReplace: true,
  valueFrom: { change: "update" },
  upgrade: upgradeSecretValue,
  subject: (state, id) => (state.key ? `"${state.key}"` : `${id}`),

  /**
   * A failed create leaves nothing behind: a key already in the account fails before anything is sent, unless
   * it is provably the one this create would make (same list, key and value: an interrupted run or a lost
   * state), which is adopted; a create whose answer was lost is looked up by key and adopted, not sent twice.
   */
  async create(args) {
    const { listId, key, connection } = args;
    const value = valueToSend(args);
    const session = sessionOf(connection);
    const list = remote.numericId(listId, "listId");
    const created = await createOrAdopt({
      identity: `${session.account}|values|${key}`,
      what: `key "${key}"`,
      holders: async () => [await remote.valueBeforeCreate(session, key)].filter((v) => v !== undefined),
      same: (existing) => existing.listId === list && existing.value === value,
      held: (existing) => remote.held(remote.VALUES, key, existing),
      write: {
        send: () => session.client.values.create(list, { key, value }),
        look: async () => {
          const found = await remote.holder(session, remote.VALUES, key);
          if (found !== undefined && found.listId !== list) throw remote.taken(remote.VALUES, key, found);
          // Another writer may have raced the lost create: the adopted value is made the declared one.
          if (found === undefined || found.value === value) return found;
          return session.client.values.update(list, found.id, { key, value });
        },
        explain: (error) => explain(error, session, key, listId),
      },
    });
    return { id: String(created.id), outs: outputsOf(created, connection as Connection) };
  },

  /**
   * The remote key and value (changes made outside Pulumi show as drift), or undefined when the value or its
   * list is gone. With no prior state (import) the value is found by id among all values.
   */
  async read(id, stored, imported) {
    const valueId = remote.numericId(id);
    const session = sessionOf(stored.connection);
    const { values } = session.client;
    const alone = imported
      ? async () => (await values.listAll()).find((v) => v.id === valueId)
      : () => values.retrieve(remote.numericId(stored.listId, "listId"), valueId);
    const found = await remote.byId(session, remote.VALUES, valueId, alone);
    return found && outputsOf(found, stored.connection);
  },

  /** Changes key and value in one request; a change of connection alone makes no request. */
  async update(id, stored, next) {
    const connection = next.connection as Connection;
    if (stored.key === next.key && stored.value === next.value) return { ...stored, connection };
    const session = sessionOf(connection);
    const [listId, valueId] = [remote.numericId(stored.listId, "listId"), remote.numericId(id)];
    const desired = { key: next.key, value: valueToSend(next) };
    const updated = await settle({
      send: () => session.client.values.update(listId, valueId, desired),
      look: async () => {
        const now = await session.client.values.retrieve(listId, valueId);
        return now.key === desired.key && now.value === desired.value ? now : undefined;
      },
      explain: (error) => explain(error, session, next.key, stored.listId),
    });
    return outputsOf(updated, connection);
  },

  /** Deletes the value (a value whose whole list is gone is already deleted). */
  async delete(id, stored) {
    const { values } = sessionOf(stored.connection).client;
    await values.delete(remote.numericId(stored.listId, "listId"), remote.numericId(id));
  },
}) satisfies pulumi.dynamic.ResourceProvider;

export = provider;
