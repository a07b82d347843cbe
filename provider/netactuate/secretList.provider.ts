/**
 * The dynamic provider of `netactuate.SecretList`: what is true of a secret list, in the kit's terms (see
 * provider/kit/resource). This file's `module.exports` is the provider object, so Pulumi serializes it as a
 * `require()` of the installed package; every setting is resolved at call time.
 */
import type * as pulumi from "@pulumi/pulumi";
import { createOrAdopt, defineResource, settle } from "../kit";
import { sessionOf } from "./connection";
import * as remote from "./remote";
import {
  type Connection,
  type SecretListInputs,
  type SecretListOutputs,
  secretListInputsSchema,
  secretListOutputsSchema,
  upgradeSecretList,
} from "./schemas";

const provider = defineResource<SecretListInputs, SecretListOutputs>({
  type: "netactuate:SecretList",
  inputs: secretListInputsSchema,
  outputs: secretListOutputsSchema,
  // A list is never replaced: a new name renames it in place (its values and their ids stay), and a new
  // connection (a rotated API key, a new base URL) only changes what state records.
  changes: { name: "update", connection: "update" },
  upgrade: upgradeSecretList,
  subject: (state, id) => (state.name ? `"${state.name}"` : `${id}`),

  /**
   * A name the account already holds fails before anything is sent (a list has nothing to prove it is this
   * one); a create whose answer was lost is looked up by name and adopted instead of sent twice.
   */
  async create({ name, connection }) {
    const session = sessionOf(connection);
    const created = await createOrAdopt({
      identity: `${session.account}|lists|${name}`,
      what: `list "${name}"`,
      holders: async () => [await remote.holder(session, remote.LISTS, name)].filter((l) => l !== undefined),
      held: (existing) => remote.held(remote.LISTS, name, existing),
      write: {
        send: () => session.client.lists.create({ name }),
        look: () => remote.holder(session, remote.LISTS, name),
        explain: (error) => remote.explained(error, session, remote.LISTS, name),
      },
    });
    return { id: String(created.id), outs: { name: created.name, connection: connection as Connection } };
  },

  /** The list's current name (a rename made outside Pulumi shows as drift); undefined when it is gone. */
  async read(id, stored) {
    const listId = remote.numericId(id);
    const session = sessionOf(stored.connection);
    const found = await remote.byId(session, remote.LISTS, listId, () =>
      session.client.lists.retrieve(listId),
    );
    return found && { name: found.name, connection: stored.connection };
  },

  /** Renames in place; a change of connection alone makes no request. */
  async update(id, stored, next) {
    const connection = next.connection as Connection;
    if (stored.name !== next.name) {
      const listId = remote.numericId(id);
      const session = sessionOf(connection);
      await settle({
        send: () => session.client.lists.rename(listId, { name: next.name }),
        look: async () => {
          const now = await session.client.lists.retrieve(listId);
          return now.name === next.name ? now : undefined;
        },
        explain: (error) => remote.explained(error, session, remote.LISTS, next.name),
      });
    }
    return { name: next.name, connection };
  },

  /** Deletes the list and every value in it. */
  async delete(id, stored) {
    await sessionOf(stored.connection).client.lists.delete(remote.numericId(id));
  },
}) satisfies pulumi.dynamic.ResourceProvider;

export = provider;
