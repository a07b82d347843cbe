/**
 * The dynamic provider of `tensordock.SshKey`. This file's module.exports is the provider object, so Pulumi
 * serializes it as a short `require()` of the installed package; it captures no credentials or clients.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { type CheckResult, isUnknown, ResourceError, withContext } from "../kit";
import { describe, remote, sameConnection } from "./common";
import { configureTensorDock, connectionSchema } from "./connection";
import { checkArgs, nameSchema, publicKeySchema } from "./inputs";
import { createOrAdopt, deleteSecret, failAfterCreate, findSecret } from "./lifecycle";
import type { TensorDockSecret } from "../../sdk/tensordock";
import { parseOpenSshPublicKey } from "./publicKey";
import { defined, type SshKeyOutputs, sshKeyOutputs, upgradeSshKey } from "./state";

const RESOURCE = "SshKey";

/** The checked inputs `create` receives. */
const createInputs = z.object({
  name: z.string(),
  publicKey: z.string(),
  connection: connectionSchema.optional(),
});

/** The normalized line of a key read back from TensorDock, or undefined when it does not parse. */
function normalizedLine(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const parsed = parseOpenSshPublicKey(value, { policy: false });
  return parsed.ok ? parsed.key.line : undefined;
}

const provider = {
  /** Records the tensordock:* stack config; never throws. */
  async configure(req: { config: { get(key: string): string | undefined } }): Promise<void> {
    configureTensorDock(req);
  },

  /** Validates and normalizes inputs without any network call; each failure names its property. */
  async check(
    _olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<CheckResult<Record<string, unknown>>> {
    const { inputs, failures } = checkArgs(
      news,
      { name: nameSchema, publicKey: publicKeySchema },
      "tensordock.SshKey",
    );
    return failures.length > 0 ? { inputs, failures } : { inputs };
  },

  /** Pure: a new name or key replaces (the API has no update), deleting first when the name stays; a new connection alone updates. */
  async diff(
    _id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<pulumi.dynamic.DiffResult> {
    const old = upgradeSshKey(olds);
    const replaces: string[] = [];
    if (isUnknown(news.name) || news.name !== old.name) replaces.push("name");
    if (isUnknown(news.publicKey) || news.publicKey !== old.publicKey) replaces.push("publicKey");
    const changes = replaces.length > 0 || !sameConnection(old.connection, news.connection);
    return {
      changes,
      replaces,
      // Names may be unique in the real API: with the same name, the old key must go before the new one comes.
      deleteBeforeReplace: replaces.length > 0 && (isUnknown(news.name) || news.name === old.name),
    };
  },

  /** One POST, adopting the key an unknown outcome created; a failed create leaves nothing behind. */
  async create(inputs: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult<SshKeyOutputs>> {
    const args = createInputs.parse(inputs);
    const context = `creating ${describe(RESOURCE, args.name)}`;
    const ctx = remote(args.connection, context);
    // An SSH key with our name and the identical public key is provably ours: adopted, never duplicated.
    const samePublicKey = async (candidate: TensorDockSecret) => {
      const line =
        normalizedLine(candidate.value) ??
        normalizedLine((await ctx.client.retrieve(candidate.id).catch(() => undefined))?.value);
      return line === args.publicKey;
    };
    const secret = await createOrAdopt(
      ctx,
      { name: args.name, type: "SSHKEY", value: args.publicKey },
      samePublicKey,
      samePublicKey,
    );
    try {
      if (secret.type !== undefined && secret.type !== "SSHKEY") {
        throw new ResourceError(
          `${context}: TensorDock answered with a ${secret.type} secret instead of an SSHKEY`,
        );
      }
      return { id: secret.id, outs: sshKeyOutputs(args.name, args.publicKey, args.connection) };
    } catch (error) {
      return failAfterCreate(ctx, secret.id, error);
    }
  },

  /** Establishes existence by id (refresh, `import`); returns an empty id when the key is gone. */
  async read(
    id: string,
    props: Record<string, unknown>,
  ): Promise<pulumi.dynamic.ReadResult<Partial<SshKeyOutputs>>> {
    const old = upgradeSshKey(props);
    const ctx = remote(old.connection, `reading ${describe(RESOURCE, old.name, id)}`);
    const secret = await findSecret(ctx, id);
    if (secret === undefined) return { id: "", props: {} };
    if (secret.type !== undefined && secret.type !== "SSHKEY") {
      throw new ResourceError(
        `${ctx.context}: secret ${id} is a ${secret.type} secret, not an SSH key; declare it as tensordock.GenericSecret`,
      );
    }
    // State this provider wrote is trusted (keys never change); anything else is read from TensorDock.
    const written = typeof props.schemaVersion === "number" || typeof props.fingerprint === "string";
    let line = normalizedLine(secret.value);
    if (line === undefined && !(written && old.publicKey !== undefined)) {
      try {
        line = normalizedLine((await ctx.client.retrieve(id)).value);
      } catch (error) {
        throw withContext(ctx.context, error);
      }
      if (line === undefined)
        throw new ResourceError(`${ctx.context}: TensorDock returned no readable public key`);
    }
    const name = secret.name !== "" ? secret.name : old.name;
    const publicKey = line ?? old.publicKey;
    if (name === undefined || publicKey === undefined) {
      throw new ResourceError(`${ctx.context}: TensorDock returned no name or key for this secret`);
    }
    const outs = sshKeyOutputs(name, publicKey, old.connection);
    return {
      id,
      props: outs,
      inputs: defined({ name: outs.name, publicKey: outs.publicKey, connection: outs.connection }),
    };
  },

  /** Records a new connection in state; never calls the API (every other change replaces). */
  async update(
    _id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<pulumi.dynamic.UpdateResult<SshKeyOutputs>> {
    const old = upgradeSshKey(olds);
    const connection = news.connection === undefined ? undefined : connectionSchema.parse(news.connection);
    const name = old.name ?? z.string().parse(news.name);
    const publicKey = old.publicKey ?? z.string().parse(news.publicKey);
    return { outs: sshKeyOutputs(name, publicKey, connection) };
  },

  /** Deletes by id; a 404 counts as deleted. */
  async delete(id: string, props: Record<string, unknown>): Promise<void> {
    const old = upgradeSshKey(props);
    await deleteSecret(remote(old.connection, `deleting ${describe(RESOURCE, old.name, id)}`), id);
  },
};

export = provider;
