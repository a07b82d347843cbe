/**
 * The remote half of the TensorDock resources: a create that never leaves a duplicate behind when its
 * outcome is unknown, an existence read served by one shared list, and a delete that treats 404 as done.
 *
 * Unknown outcomes. A POST that timed out, lost its connection after sending, or got a 5xx may have created
 * the secret. Before the POST we hold a baseline: the ids of a list whose answer arrived before the POST was
 * sent. Creates share one baseline list for up to 10 s (one extra GET per 10 s of creates, not per create);
 * sharing is sound because anything in a list answered before our POST cannot be ours. After an unknown outcome we list again and adopt the secret with our name and type (and, for
 * SSH keys, our public key) whose id is not in the baseline and not claimed by another create of this
 * process. Creates of the same name and type on one account run one at a time, so two of our own creates
 * never compete for the same candidate.
 */
import { isOutcomeUnknown, NotFoundError, ResponseValidationError } from "../../sdk/core";
import type { CreateSecretInput, TensorDockClient, TensorDockSecret } from "../../sdk/tensordock";
import { createBaselines, oneAtATime, readCoalescer, ResourceError, withContext } from "../kit";

/** How long the recovery waits between its lists; a server that timed out may still be committing. */
export const recoveryTiming = {
  /** Waits before each recovery list. @default [0, 2000]: look now, then once more after 2 s */
  delaysMs: [0, 2_000] as number[],
  sleep: (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Baselines shared by creates (see `createBaselines`: one list per 10 s by default). No batching window: a lone
 * create must not wait for company, and creates that arrive while a baseline is in flight share it anyway.
 */
const baselines = createBaselines;
/** Ids created or adopted by this process, per account: never adopted a second time. */
const claimed = new Map<string, Set<string>>();

function claim(account: string, id: string): void {
  let ids = claimed.get(account);
  if (ids === undefined) {
    ids = new Set();
    claimed.set(account, ids);
  }
  ids.add(id);
}

/** Everything a lifecycle call needs: the client, the account key, and the context for errors. */
export interface RemoteContext {
  client: TensorDockClient;
  account: string;
  /** e.g. `creating tensordock:SshKey "deploy-key"`. */
  context: string;
}

/** Decides whether a candidate found after an unknown outcome is the secret we sent. */
export type CandidateMatcher = (candidate: TensorDockSecret) => Promise<boolean>;

/**
 * Creates a secret, or adopts the one an unknown-outcome POST created. Never sends the POST twice; throws
 * (with the context) when nothing was created or when it cannot tell which secret is ours.
 */
export async function createOrAdopt(
  ctx: RemoteContext,
  input: CreateSecretInput,
  matches: CandidateMatcher,
  provablySame?: CandidateMatcher,
): Promise<TensorDockSecret> {
  const { client, account, context } = ctx;
  return oneAtATime(`${account}\0${input.type}\0${input.name}`, async () => {
    let existing: TensorDockSecret[];
    try {
      existing = await baselines.get(account, () => client.list());
    } catch (error) {
      throw withContext(`${context} (listing the existing secrets first)`, error);
    }
    const adopted = await adoptOrRefuse(ctx, input, existing, provablySame);
    if (adopted !== undefined) return adopted;
    const baseline = new Set(existing.map((s) => s.id));
    try {
      const created = await client.create(input);
      claim(account, created.id);
      return created;
    } catch (error) {
      const unknownOutcome = isOutcomeUnknown(error) || error instanceof ResponseValidationError;
      if (!unknownOutcome) throw withContext(context, error);
      const found = await recover(ctx, input, baseline, matches, error);
      if (found === undefined) throw withContext(`${context} (checked: no secret was created)`, error);
      claim(account, found.id);
      return found;
    } finally {
      readCoalescer.invalidate(account);
    }
  });
}

/**
 * The guard against duplicates after an interrupted run or a lost state: a secret with our name and type
 * that this process did not make is adopted only when it is provably the one we would create (an SSH key
 * with the identical public key), and otherwise refused, naming its id and the import that adopts it.
 */
async function adoptOrRefuse(
  ctx: RemoteContext,
  input: CreateSecretInput,
  existing: readonly TensorDockSecret[],
  provablySame: CandidateMatcher | undefined,
): Promise<TensorDockSecret | undefined> {
  const ours = claimed.get(ctx.account);
  const taken = existing.filter(
    (s) => s.name === input.name && (s.type === undefined || s.type === input.type) && !ours?.has(s.id),
  );
  if (taken.length === 0) return undefined;
  if (provablySame !== undefined) {
    for (const candidate of taken) {
      if (await provablySame(candidate)) {
        claim(ctx.account, candidate.id);
        return candidate;
      }
    }
  }
  const ids = taken.map((s) => s.id);
  const why =
    provablySame === undefined
      ? "TensorDock never returns a secret's value, so it cannot be proved to be this one"
      : "its public key differs";
  throw new ResourceError(
    `${ctx.context}: a ${input.type} secret named ${JSON.stringify(input.name)} already exists in TensorDock ` +
      `(id ${ids.join(", ")}) but not in this stack's state, and ${why}. If it is this stack's (a run was ` +
      `interrupted, or the state was lost), adopt it with the import resource option { import: "${ids[0]}" }; ` +
      "otherwise delete it or choose another name",
  );
}

async function recover(
  ctx: RemoteContext,
  input: CreateSecretInput,
  baseline: Set<string>,
  matches: CandidateMatcher,
  cause: unknown,
): Promise<TensorDockSecret | undefined> {
  const { client, account, context } = ctx;
  const reason = cause instanceof Error ? cause.message : "unknown outcome";
  let listed = false;
  let listError: unknown;
  for (const delay of recoveryTiming.delaysMs) {
    if (delay > 0) await recoveryTiming.sleep(delay);
    let secrets: TensorDockSecret[];
    try {
      secrets = await client.list();
      listed = true;
    } catch (error) {
      listError = error;
      continue;
    }
    const ours = claimed.get(account);
    const candidates = secrets.filter(
      (s) =>
        !baseline.has(s.id) &&
        !ours?.has(s.id) &&
        s.name === input.name &&
        (s.type === undefined || s.type === input.type),
    );
    const matching: TensorDockSecret[] = [];
    for (const candidate of candidates) if (await matches(candidate)) matching.push(candidate);
    if (matching.length === 1) return matching[0];
    if (matching.length > 1) {
      throw new ResourceError(
        `${context}: ${reason}; ${matching.length} secrets with this name and type appeared meanwhile ` +
          `(${matching.map((s) => s.id).join(", ")}) and none was adopted: delete the extra ones, or adopt one ` +
          "with the `import` resource option",
      );
    }
  }
  if (!listed) {
    const listReason = listError instanceof Error ? listError.message : "unknown failure";
    throw new ResourceError(
      `${context}: ${reason}; the secret may exist, and listing to check failed too (${listReason}): look for a ` +
        `${input.type} secret named ${JSON.stringify(input.name)} in TensorDock, then delete it or adopt it with the ` +
        "`import` resource option",
    );
  }
  return undefined;
}

/** A list indexed by id, built once per snapshot, so a thousand reads do not each scan a thousand secrets. */
function byId(secrets: TensorDockSecret[]): Map<string, TensorDockSecret> {
  return new Map(secrets.map((s) => [s.id, s]));
}

/**
 * The secret with this id, or `undefined` when it is gone. Served from the list snapshot shared by the
 * reads of this operation; an id missing from it is confirmed with a GET before it counts as gone.
 */
export async function findSecret(ctx: RemoteContext, id: string): Promise<TensorDockSecret | undefined> {
  const { client, account, context } = ctx;
  try {
    const hit = (await readCoalescer.get(account, async () => byId(await client.list()))).get(id);
    if (hit !== undefined) return hit;
  } catch {
    // A failed list is not cached; the GET below decides on its own.
  }
  try {
    return await client.retrieve(id);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw withContext(context, error);
  }
}

/** Deletes by id; a 404 means someone already did, which is the outcome we want. */
export async function deleteSecret(ctx: RemoteContext, id: string): Promise<void> {
  const { client, account, context } = ctx;
  try {
    await client.delete(id);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw withContext(context, error);
  } finally {
    readCoalescer.invalidate(account);
  }
}

/**
 * Undoes a create that must fail (best effort) and throws the failure with what happened to the secret:
 * a failed create leaves nothing behind, or says exactly what it could not remove.
 */
export async function failAfterCreate(ctx: RemoteContext, id: string, error: unknown): Promise<never> {
  let note: string;
  try {
    await deleteSecret(ctx, id);
    note = "the secret it created was deleted again";
  } catch {
    note = `deleting the secret it created (${id}) failed too: delete it by hand`;
  }
  const message = error instanceof Error ? error.message : "unexpected failure";
  const full = message.startsWith(ctx.context) ? message : `${ctx.context}: ${message}`;
  throw new ResourceError(`${full} (${note})`);
}
