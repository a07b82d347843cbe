/**
 * The dynamic provider of `netactuate.SecretList`. This file's `module.exports` is the provider object, so
 * Pulumi serializes it as a `require()` of the installed package; it captures no credential or client.
 */
import { BadRequestError, isOutcomeUnknown, NotFoundError } from "../../sdk/core";
import type { NetActuateSecretList } from "../../sdk/netactuate";
import {
  type CheckResult,
  type ConfigureRequest,
  compact,
  SCHEMA_VERSION,
  zodFailures,
  withContext,
} from "../kit";
import { configure, sessionFor } from "./connection";
import {
  createOrAdopt,
  deleteIgnoringMissing,
  listByName,
  listsSnapshot,
  nameTakenError,
  numericId,
  wrote,
} from "./remote";
import {
  type Connection,
  type SecretListInputs,
  type SecretListOutputs,
  sameConnection,
  secretListInputsSchema,
  upgradeSecretList,
  userInputs,
} from "./schemas";

const RESOURCE = "netactuate:SecretList";
/** Output keys the resource class registers empty; not user inputs. */
const OUTPUT_KEYS = ["schemaVersion"] as const;

type Props = Record<string, unknown>;

function outputsOf(name: string, connection: Connection | undefined): SecretListOutputs {
  return compact({ name, connection, schemaVersion: SCHEMA_VERSION }) as SecretListOutputs;
}

function inputsOf(outputs: SecretListOutputs): Props {
  return compact({ name: outputs.name, connection: outputs.connection });
}

function parse(props: Props): SecretListInputs {
  return secretListInputsSchema.parse(userInputs(props, OUTPUT_KEYS));
}

/** Answers a rejected name with the existing list's id when the name is taken. */
async function explainRejectedName(error: unknown, session: ReturnType<typeof sessionFor>, name: string) {
  if (error instanceof BadRequestError && error.fields.includes("name")) {
    const existing = await listByName(session, name).catch(() => undefined);
    if (existing !== undefined) return nameTakenError(name, existing);
  }
  return error;
}

const provider = {
  /** Records stack config only; never throws, since the host never retries a failed configure. */
  async configure(req: ConfigureRequest): Promise<void> {
    configure(req);
  },

  /** Validates and normalizes inputs without any network call; failures name the property. */
  async check(_olds: Props, news: Props): Promise<CheckResult<Props>> {
    const result = secretListInputsSchema.safeParse(userInputs(news, OUTPUT_KEYS));
    if (!result.success) {
      return { failures: zodFailures(result.error, secretListInputsSchema, "netactuate.SecretList") };
    }
    return { inputs: compact(result.data as Props) };
  },

  /** Pure: a rename updates in place; a connection change alone updates state without replacing. */
  async diff(_id: string, olds: Props, news: Props) {
    const old = upgradeSecretList(olds);
    const next = parse(news);
    const changes = old.name !== next.name || !sameConnection(old.connection, next.connection);
    return { changes, replaces: [] as string[], deleteBeforeReplace: false };
  },

  /** A failed create leaves nothing behind: an existing name fails first; a lost answer is looked up and adopted. */
  async create(props: Props): Promise<{ id: string; outs: SecretListOutputs }> {
    const inputs = parse(props);
    const name = inputs.name;
    const connection = typeof inputs.connection === "object" ? inputs.connection : undefined;
    try {
      const session = sessionFor(connection);
      const existing = await listByName(session, name);
      if (existing !== undefined) throw nameTakenError(name, existing);
      let created: NetActuateSecretList;
      try {
        created = await createOrAdopt(
          () => session.client.lists.create({ name }),
          () => listByName(session, name),
          `list "${name}"`,
        );
      } catch (error) {
        throw await explainRejectedName(error, session, name);
      } finally {
        wrote(session);
      }
      return { id: String(created.id), outs: outputsOf(created.name, connection) };
    } catch (error) {
      throw withContext(`creating ${RESOURCE} "${name}"`, error);
    }
  },

  /** Returns an empty id when the list is gone; with no prior state (import) it reads by id alone. */
  async read(id: string, props: Props = {}) {
    const known =
      Object.keys(userInputs(props, OUTPUT_KEYS)).length > 0 ? upgradeSecretList(props) : undefined;
    try {
      const listId = numericId(id, RESOURCE);
      const session = sessionFor(known?.connection);
      let remote: NetActuateSecretList | undefined;
      try {
        remote = (await listsSnapshot(session)).find((l) => l.id === listId);
      } catch {
        // The shared list failed; the per-id read below answers alone.
      }
      if (remote === undefined) {
        try {
          remote = await session.client.lists.retrieve(listId);
        } catch (error) {
          if (error instanceof NotFoundError) return { id: "", props: {} };
          throw error;
        }
      }
      const outs = outputsOf(remote.name, known?.connection);
      return { id, props: outs, inputs: inputsOf(outs) };
    } catch (error) {
      throw withContext(`reading ${RESOURCE} ${id}`, error);
    }
  },

  /**
   * Renames in place; a change of connection alone makes no request. A rename whose answer was lost is read
   * back: one that took effect is a success, so state never keeps the old name of a renamed list.
   */
  async update(id: string, olds: Props, news: Props): Promise<{ outs: SecretListOutputs }> {
    const old = upgradeSecretList(olds);
    const next = parse(news);
    const connection = typeof next.connection === "object" ? next.connection : undefined;
    try {
      if (old.name !== next.name) {
        const session = sessionFor(connection);
        const listId = numericId(id, RESOURCE);
        try {
          await session.client.lists.rename(listId, { name: next.name });
        } catch (error) {
          const now = isOutcomeUnknown(error)
            ? await session.client.lists.retrieve(listId).catch(() => undefined)
            : undefined;
          if (now?.name !== next.name) throw await explainRejectedName(error, session, next.name);
        } finally {
          wrote(session);
        }
      }
      return { outs: outputsOf(next.name, connection) };
    } catch (error) {
      throw withContext(`renaming ${RESOURCE} ${id} to "${next.name}"`, error);
    }
  },

  /** Deletes the list and every value in it; a 404 counts as done. */
  async delete(id: string, props: Props): Promise<void> {
    const old = upgradeSecretList(props);
    try {
      const session = sessionFor(old.connection);
      try {
        await deleteIgnoringMissing(() => session.client.lists.delete(numericId(id, RESOURCE)));
      } finally {
        wrote(session);
      }
    } catch (error) {
      throw withContext(`deleting ${RESOURCE} ${id} "${old.name}"`, error);
    }
  },
};

export = provider;
