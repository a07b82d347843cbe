/**
 * What both TensorDock resources share: their name and connection arguments, who they are in messages, and
 * the remote half — a create that never leaves a duplicate behind when its outcome is unknown, an existence
 * read served by one shared list, and a delete.
 *
 * Unknown outcomes. A POST that timed out, lost its connection after sending, or got a 5xx may have created
 * the secret. Before the POST we hold a baseline: the ids of a list whose answer arrived before the POST was
 * sent (creates share one for up to 10 s, see `createBaselines`; anything in a list answered before our POST
 * cannot be ours). After an unknown outcome we list again and adopt the secret with our name and type (and,
 * for SSH keys, our public key) whose id is not in the baseline and not claimed by another create of this
 * process. Creates of the same name and type on one account run one at a time, so two of our own creates
 * never compete for the same candidate.
 */
import { z } from "zod";
import { NotFoundError } from "../../sdk/core";
import type { CreateSecretInput, TensorDockClient, TensorDockSecret } from "../../sdk/tensordock";
import {
  createBaselines,
  createOrAdopt,
  isUnknown,
  nameRule,
  orUnknown,
  readById,
  ResourceError,
  SCHEMA_VERSION_DESCRIPTION,
} from "../kit";
import { CONNECTION, type Connection, sessionOf } from "./connection";

/** Waits before each list after an unknown outcome: now, then 2 s later (the server may still be committing). */
const RECOVERY_DELAYS_MS = [0, 2_000];

/** The secret name: 1–255 characters, no control characters. */
const nameSchema = nameRule({
  maxChars: 255,
  empty: "give the secret a name (1 to 255 characters)",
}).describe("The secret's name in TensorDock: 1 to 255 characters, no control characters.");

/** A resource's arguments: `name`, those of `shape`, and `connection`; strict, each one may be unknown at preview. */
export function secretArguments<S extends z.ZodRawShape>(shape: S) {
  return z
    .object({
      name: orUnknown(nameSchema),
      ...shape,
      connection: CONNECTION.argument,
    })
    .strict();
}

/** A resource's outputs: `name`, those of `shape`, the connection and the schema version (read with `storedFields`). */
export function secretOutputs<S extends z.ZodRawShape>(shape: S) {
  return z.object({
    name: z.string().describe("The secret's name in TensorDock."),
    ...shape,
    connection: CONNECTION.stored,
    schemaVersion: z.number().describe(SCHEMA_VERSION_DESCRIPTION),
  });
}

/** The members of a definition that are the same for every TensorDock resource. */
export function secretResource(resource: "SshKey" | "GenericSecret") {
  return {
    type: `tensordock:${resource}`,
    /** `"deploy-key"`, or `id <id>` when the name is not known yet (an import). */
    subject: (state: { name?: unknown }, id?: string) =>
      typeof state.name === "string" ? JSON.stringify(state.name) : `id ${id}`,
    /** Names may be unique in the real API: with the same (or a still unknown) name, the old secret goes first. */
    deleteBeforeReplace: (stored: { name?: string }, next: { name: string }) =>
      isUnknown(next.name) || next.name === stored.name,
    /** One DELETE (the kit drops the account's snapshot after it). */
    async delete(id: string, stored: { connection?: Connection | undefined }): Promise<void> {
      await sessionOf(stored.connection).client.delete(id);
    },
  };
}

/** Decides whether a secret with our name and type is the one we would create (or did, after an unknown outcome). */
export type Matcher = (candidate: TensorDockSecret, client: TensorDockClient) => Promise<boolean>;

/** Ids created or adopted by this process, per account: never adopted a second time. */
const claimed = new Map<string, Set<string>>();

/** The secrets of `list` with the name and type of `input` (or no type reported) that this process has not claimed. */
function unclaimed(list: TensorDockSecret[], input: CreateSecretInput, account: string): TensorDockSecret[] {
  const ours = claimed.get(account);
  return list.filter(
    (s) => s.name === input.name && (s.type === undefined || s.type === input.type) && !ours?.has(s.id),
  );
}

/**
 * Creates a secret and returns its id, or adopts the one an unknown-outcome POST created, or one that existed
 * before and that `same` proves to be this one; never sends the POST twice. A secret of another type in
 * TensorDock's answer is deleted again, and the create fails saying so.
 */
export async function createSecret(
  connection: Connection | undefined,
  input: CreateSecretInput,
  same?: Matcher,
): Promise<string> {
  const { client, account } = sessionOf(connection);
  const named = `${input.type} secret named ${JSON.stringify(input.name)}`;
  const claim = (secret: TensorDockSecret) => {
    claimed.set(account, (claimed.get(account) ?? new Set()).add(secret.id));
    return secret;
  };
  // The ids of a list answered before the POST was sent: none of them can be the one it makes.
  let baseline = new Set<string>();
  const secret = await createOrAdopt({
    identity: `${account}\0${input.type}\0${input.name}`,
    what: `the ${named}`,
    async holders() {
      try {
        let existing = await createBaselines.get(account, () => client.list());
        // The shared list may predate a delete of this run (a replacement deletes the old secret first): a name
        // it shows taken is confirmed with a list of its own.
        if (unclaimed(existing, input, account).length > 0) existing = await client.list();
        baseline = new Set(existing.map((s) => s.id));
        return unclaimed(existing, input, account);
      } catch (error) {
        throw new ResourceError("listing the existing secrets first", error);
      }
    },
    // What is adopted or made is claimed inside the queue, before the next create of this identity looks.
    same: same && (async (candidate) => (await same(candidate, client)) && claim(candidate) !== undefined),
    held: (_first, all) => ({
      held: `a ${named} already exists in TensorDock (id ${all.map((s) => s.id).join(", ")})`,
      id: all[0]?.id ?? "",
      because:
        same === undefined
          ? "TensorDock never returns a secret's value, so it cannot be proved to be this one"
          : "its public key differs",
      otherwise: "delete it or choose another name",
    }),
    write: {
      send: async () => claim(await client.create(input)),
      look: async (error) => {
        const found = await recover(client, account, input, baseline, same, error);
        return found && claim(found);
      },
    },
  });
  if (secret.type === undefined || secret.type === input.type) return secret.id;
  // A failed create leaves nothing behind, or says exactly what it could not remove.
  const note = await client.delete(secret.id).then(
    () => "the secret it created was deleted again",
    (error: unknown) =>
      error instanceof NotFoundError
        ? "the secret it created is gone already"
        : `deleting the secret it created (${secret.id}) failed too: delete it by hand`,
  );
  throw new ResourceError(
    `TensorDock answered with a ${secret.type} secret instead of a ${input.type} one (${note})`,
  );
}

/**
 * The one secret our POST made despite its unknown outcome, `undefined` when none appeared; fails when several
 * did. A list that fails every time leaves the outcome open (the kit says so).
 */
async function recover(
  client: TensorDockClient,
  account: string,
  input: CreateSecretInput,
  baseline: Set<string>,
  same: Matcher | undefined,
  cause: unknown,
): Promise<TensorDockSecret | undefined> {
  const reason = cause instanceof Error ? cause.message : "unknown outcome";
  let listed = false;
  let listError: unknown;
  for (const delay of RECOVERY_DELAYS_MS) {
    // The client's own wait: the one its retries use, and the one a test replaces.
    if (delay > 0) await client.sleep(delay);
    let secrets: TensorDockSecret[];
    try {
      secrets = await client.list();
      listed = true;
    } catch (error) {
      listError = error;
      continue;
    }
    const matching: TensorDockSecret[] = [];
    for (const candidate of unclaimed(secrets, input, account)) {
      if (!baseline.has(candidate.id) && (same === undefined || (await same(candidate, client))))
        matching.push(candidate);
    }
    if (matching.length === 1) return matching[0];
    if (matching.length > 1) {
      throw new ResourceError(
        `${reason}; ${matching.length} secrets with this name and type appeared meanwhile ` +
          `(${matching.map((s) => s.id).join(", ")}) and none was adopted: delete the extra ones, or adopt one ` +
          "with the `import` resource option",
      );
    }
  }
  if (listed) return undefined;
  throw listError;
}

/**
 * The secret with this id as `resource` sees it, its name filled from state when TensorDock leaves it out, with
 * the client that read it (for a GET of its value), or `undefined` when it is gone. Served from the list snapshot
 * shared by the reads of this operation (see `readById`). A secret of the other resource's kind fails, naming it.
 */
export async function readSecret(
  resource: "SshKey" | "GenericSecret",
  id: string,
  stored: { name?: string; connection?: Connection | undefined },
): Promise<(TensorDockSecret & { client: TensorDockClient }) | undefined> {
  const { client, account } = sessionOf(stored.connection);
  const secret = await readById(
    account,
    () => client.list(),
    id,
    () => client.retrieve(id),
  );
  if (secret === undefined) return undefined;
  const isKey = secret.type === "SSHKEY";
  if (secret.type !== undefined && isKey !== (resource === "SshKey")) {
    const what = isKey ? "an SSH key" : `a ${secret.type} secret, not an SSH key`;
    throw new Error(
      `secret ${id} is ${what}; declare it as tensordock.${isKey ? "SshKey" : "GenericSecret"}`,
    );
  }
  const name = secret.name !== "" ? secret.name : stored.name;
  if (name === undefined) throw new Error("TensorDock returned no name for this secret");
  return { ...secret, name, client };
}
