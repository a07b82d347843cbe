/**
 * The dynamic provider of `netactuate.SecretValue`. This file's `module.exports` is the provider object, so
 * Pulumi serializes it as a `require()` of the installed package; it captures no credential or client.
 */
import { BadRequestError, isOutcomeUnknown, NotFoundError } from "../../sdk/core";
import type { NetActuateSecretValue } from "../../sdk/netactuate";
import {
  type CheckResult,
  type ConfigureRequest,
  compact,
  SCHEMA_VERSION,
  zodFailures,
  withContext,
} from "../kit";
import { configure, type Session, sessionFor } from "./connection";
import {
  createOrAdopt,
  deleteIgnoringMissing,
  keyTakenError,
  numericId,
  valueBeforeCreate,
  valueByKey,
  valuesSnapshot,
  wrote,
} from "./remote";
import {
  type Connection,
  referenceOf,
  type SecretValueInputs,
  type SecretValueOutputs,
  sameConnection,
  secretValueInputsSchema,
  upgradeSecretValue,
  userInputs,
} from "./schemas";

const RESOURCE = "netactuate:SecretValue";
/** Output keys the resource class registers empty; not user inputs. */
const OUTPUT_KEYS = ["reference", "schemaVersion"] as const;

type Props = Record<string, unknown>;

function outputsOf(remote: NetActuateSecretValue, connection: Connection | undefined): SecretValueOutputs {
  return compact({
    listId: String(remote.listId),
    key: remote.key,
    value: remote.value,
    connection,
    reference: referenceOf(remote.key),
    schemaVersion: SCHEMA_VERSION,
  }) as SecretValueOutputs;
}

function inputsOf(outputs: SecretValueOutputs): Props {
  return compact({
    listId: outputs.listId,
    key: outputs.key,
    value: outputs.value,
    connection: outputs.connection,
  });
}

function parse(props: Props): SecretValueInputs {
  return secretValueInputsSchema.parse(userInputs(props, OUTPUT_KEYS));
}

const connectionOf = (inputs: SecretValueInputs) =>
  typeof inputs.connection === "object" ? inputs.connection : undefined;

/** Answers a rejected key with the value that holds it, or a missing list with what to do. */
async function explain(error: unknown, session: Session, key: string, listId: string): Promise<unknown> {
  if (error instanceof BadRequestError && error.fields.includes("secret_key")) {
    const holder = await valueByKey(session, key).catch(() => undefined);
    if (holder !== undefined) return keyTakenError(key, holder);
  }
  if (error instanceof NotFoundError) {
    return new Error(
      `${error.message}; secret list ${listId} may have been deleted: run refresh, or fix listId`,
    );
  }
  return error;
}

/** Makes an adopted value match the declared one (a create whose answer was lost may race another writer). */
async function matching(session: Session, found: NetActuateSecretValue, value: string) {
  if (found.value === value) return found;
  return session.client.values.update(found.listId, found.id, { key: found.key, value });
}

const provider = {
  /** Records stack config only; never throws, since the host never retries a failed configure. */
  async configure(req: ConfigureRequest): Promise<void> {
    configure(req);
  },

  /** Validates and normalizes inputs without any network call; failures name the property, never the value. */
  async check(_olds: Props, news: Props): Promise<CheckResult<Props>> {
    const result = secretValueInputsSchema.safeParse(userInputs(news, OUTPUT_KEYS));
    if (!result.success) {
      return { failures: zodFailures(result.error, secretValueInputsSchema, "netactuate.SecretValue") };
    }
    return { inputs: compact(result.data as Props) };
  },

  /**
   * Pure: key and value changes update in place; a new listId replaces, deleting first because the key is
   * unique across the account; a connection change alone updates state without replacing.
   */
  async diff(_id: string, olds: Props, news: Props) {
    const old = upgradeSecretValue(olds);
    const next = parse(news);
    const replaces = old.listId !== next.listId ? ["listId"] : [];
    const changes =
      replaces.length > 0 ||
      old.key !== next.key ||
      old.value !== next.value ||
      !sameConnection(old.connection, next.connection);
    return { changes, replaces, deleteBeforeReplace: replaces.length > 0 };
  },

  /**
   * A failed create leaves nothing behind: a key already in the account fails before anything is sent, and a
   * create whose answer was lost is looked up by key and adopted instead of sent twice.
   */
  async create(props: Props): Promise<{ id: string; outs: SecretValueOutputs }> {
    const inputs = parse(props);
    const { key, value } = inputs;
    const connection = connectionOf(inputs);
    try {
      const session = sessionFor(connection);
      const listId = numericId(inputs.listId, "listId");
      const existing = await valueBeforeCreate(session, key);
      if (existing !== undefined) {
        // Provably the one this create would make (same list, key and value: an interrupted run or a lost
        // state): adopted, nothing sent. Anything else is someone else's key, refused with its id.
        if (existing.listId !== listId || existing.value !== value) throw keyTakenError(key, existing);
        return { id: String(existing.id), outs: outputsOf(existing, connection) };
      }
      let created: NetActuateSecretValue;
      try {
        created = await createOrAdopt(
          () => session.client.values.create(listId, { key, value }),
          async () => {
            const found = await valueByKey(session, key);
            if (found === undefined) return undefined;
            if (found.listId !== listId) throw keyTakenError(key, found);
            return matching(session, found, value);
          },
          `key "${key}"`,
        );
      } catch (error) {
        throw await explain(error, session, key, inputs.listId);
      } finally {
        wrote(session);
      }
      return { id: String(created.id), outs: outputsOf(created, connection) };
    } catch (error) {
      throw withContext(`creating ${RESOURCE} "${key}"`, error);
    }
  },

  /**
   * Returns the remote key and value (changes made outside Pulumi show as drift), or an empty id when the
   * value or its list is gone. With no prior state (import) the value is found by id among all values.
   */
  async read(id: string, props: Props = {}) {
    const known =
      Object.keys(userInputs(props, OUTPUT_KEYS)).length > 0 ? upgradeSecretValue(props) : undefined;
    try {
      const valueId = numericId(id, RESOURCE);
      const session = sessionFor(known?.connection);
      let remote: NetActuateSecretValue | undefined;
      let snapshotRead = false;
      try {
        remote = (await valuesSnapshot(session)).find((v) => v.id === valueId);
        snapshotRead = true;
      } catch {
        // The shared list failed; the per-id read below answers alone.
      }
      if (remote === undefined && known !== undefined) {
        // Absent from the snapshot: the value endpoint has the last word (404 → gone).
        try {
          remote = await session.client.values.retrieve(numericId(known.listId, "listId"), valueId);
        } catch (error) {
          if (!(error instanceof NotFoundError)) throw error;
        }
      } else if (remote === undefined && !snapshotRead) {
        remote = (await session.client.values.listAll()).find((v) => v.id === valueId);
      }
      if (remote === undefined) return { id: "", props: {} };
      const outs = outputsOf(remote, known?.connection);
      return { id, props: outs, inputs: inputsOf(outs) };
    } catch (error) {
      throw withContext(`reading ${RESOURCE} ${id}`, error);
    }
  },

  /** Changes key and value in one request; a change of connection alone makes no request. */
  async update(id: string, olds: Props, news: Props): Promise<{ outs: SecretValueOutputs }> {
    const old = upgradeSecretValue(olds);
    const next = parse(news);
    const connection = connectionOf(next);
    const desired = { key: next.key, value: next.value };
    try {
      if (old.key === next.key && old.value === next.value) {
        const outs = {
          listId: old.listId,
          key: old.key,
          value: old.value,
          connection,
          reference: old.reference,
        };
        return { outs: compact({ ...outs, schemaVersion: SCHEMA_VERSION }) as SecretValueOutputs };
      }
      const session = sessionFor(connection);
      const listId = numericId(old.listId, "listId");
      const valueId = numericId(id, RESOURCE);
      let updated: NetActuateSecretValue;
      try {
        updated = await session.client.values.update(listId, valueId, desired);
      } catch (error) {
        updated = await readBack(session, error, listId, valueId, desired);
      } finally {
        wrote(session);
      }
      return { outs: outputsOf(updated, connection) };
    } catch (error) {
      throw withContext(`updating ${RESOURCE} "${old.key}"`, error);
    }
  },

  /** Deletes the value; a 404 (the value or its whole list already gone) counts as done. */
  async delete(id: string, props: Props): Promise<void> {
    const old = upgradeSecretValue(props);
    try {
      const session = sessionFor(old.connection);
      try {
        await deleteIgnoringMissing(() =>
          session.client.values.delete(numericId(old.listId, "listId"), numericId(id, RESOURCE)),
        );
      } finally {
        wrote(session);
      }
    } catch (error) {
      throw withContext(`deleting ${RESOURCE} "${old.key}"`, error);
    }
  },
};

/**
 * After a failed update: a lost answer is settled by reading the value back (an update that took effect is
 * a success); anything else is explained.
 */
async function readBack(
  session: Session,
  error: unknown,
  listId: number,
  valueId: number,
  desired: { key: string; value: string },
): Promise<NetActuateSecretValue> {
  if (isOutcomeUnknown(error)) {
    const now = await session.client.values.retrieve(listId, valueId).catch(() => undefined);
    if (now !== undefined && now.key === desired.key && now.value === desired.value) return now;
  }
  throw await explain(error, session, desired.key, String(listId));
}

export = provider;
