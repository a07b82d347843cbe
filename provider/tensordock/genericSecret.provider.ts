/**
 * The dynamic provider of `tensordock.GenericSecret`. This file's module.exports is the provider object, so
 * Pulumi serializes it as a short `require()` of the installed package; it captures no credentials or clients.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { type CheckResult, isUnknown, ResourceError, SCHEMA_VERSION } from "../kit";
import { describe, remote, sameConnection } from "./common";
import { configureTensorDock, connectionSchema } from "./connection";
import { checkArgs, nameSchema, secretTypeSchema, valueSchema } from "./inputs";
import { createOrAdopt, deleteSecret, failAfterCreate, findSecret } from "./lifecycle";
import { defined, type GenericSecretOutputs, upgradeGenericSecret } from "./state";

const RESOURCE = "GenericSecret";

/** The checked inputs `create` and `update` receive (`value` is absent only for an imported, ignored value). */
const checkedInputs = z.object({
  name: z.string(),
  value: z.string().optional(),
  secretType: secretTypeSchema,
  connection: connectionSchema.optional(),
});

const provider = {
  /** Records the tensordock:* stack config; never throws. */
  async configure(req: { config: { get(key: string): string | undefined } }): Promise<void> {
    configureTensorDock(req);
  },

  /**
   * Validates and normalizes inputs without any network call; each failure names its property. A value may
   * be absent only where the previous inputs have none either: an imported secret whose value is ignored.
   */
  async check(
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<CheckResult<Record<string, unknown>>> {
    const valueUnknowable =
      news.value === undefined && olds.value === undefined && typeof olds.name === "string";
    const { inputs, failures } = checkArgs(
      news,
      {
        name: nameSchema,
        value: valueUnknowable ? valueSchema.optional() : valueSchema,
        secretType: secretTypeSchema.default("GENERIC"),
      },
      "tensordock.GenericSecret",
    );
    return failures.length > 0 ? { inputs, failures } : { inputs };
  },

  /**
   * Pure: a new name, type or value replaces (the API has no update), deleting first when the name stays.
   * A new connection alone, or a value declared for a secret whose value was never known (an import), updates.
   */
  async diff(
    _id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<pulumi.dynamic.DiffResult> {
    const old = upgradeGenericSecret(olds);
    const replaces: string[] = [];
    if (isUnknown(news.name) || news.name !== old.name) replaces.push("name");
    if (isUnknown(news.secretType) || news.secretType !== old.secretType) replaces.push("secretType");
    // An imported secret has no known value: the declared one is adopted into state, not written.
    const valueKnown = old.value !== undefined;
    if (valueKnown && (isUnknown(news.value) || news.value !== old.value)) replaces.push("value");
    const adoptsValue = !valueKnown && news.value !== undefined;
    const changes = replaces.length > 0 || adoptsValue || !sameConnection(old.connection, news.connection);
    return {
      changes,
      replaces,
      deleteBeforeReplace: replaces.length > 0 && (isUnknown(news.name) || news.name === old.name),
    };
  },

  /** One POST, adopting the secret an unknown outcome created; a failed create leaves nothing behind. */
  async create(inputs: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult<GenericSecretOutputs>> {
    const args = checkedInputs.parse(inputs);
    const context = `creating ${describe(RESOURCE, args.name)}`;
    if (args.value === undefined) {
      throw new ResourceError(
        `${context}: value is required: TensorDock never returns a secret's value, so a new secret needs the ` +
          "value declared in the program (without ignoreChanges on value)",
      );
    }
    const ctx = remote(args.connection, context);
    // A write-only value cannot be compared: a new secret with our name and type is the one we sent.
    const secret = await createOrAdopt(
      ctx,
      { name: args.name, type: args.secretType, value: args.value },
      async () => true,
    );
    try {
      if (secret.type !== undefined && secret.type !== args.secretType) {
        throw new ResourceError(
          `${context}: TensorDock answered with a ${secret.type} secret instead of ${args.secretType}`,
        );
      }
      return { id: secret.id, outs: outputsOf(args) };
    } catch (error) {
      return failAfterCreate(ctx, secret.id, error);
    }
  },

  /**
   * Establishes existence by id (refresh, `import`); returns an empty id when the secret is gone. The value
   * cannot be read back: the one in state (if any) is kept.
   */
  async read(
    id: string,
    props: Record<string, unknown>,
  ): Promise<pulumi.dynamic.ReadResult<Partial<GenericSecretOutputs>>> {
    const old = upgradeGenericSecret(props);
    const ctx = remote(old.connection, `reading ${describe(RESOURCE, old.name, id)}`);
    const secret = await findSecret(ctx, id);
    if (secret === undefined) return { id: "", props: {} };
    if (secret.type === "SSHKEY") {
      throw new ResourceError(`${ctx.context}: secret ${id} is an SSH key; declare it as tensordock.SshKey`);
    }
    const secretType =
      secret.type === "GENERIC" || secret.type === "SECRET" ? secret.type : (old.secretType ?? "GENERIC");
    const name = secret.name !== "" ? secret.name : old.name;
    if (name === undefined)
      throw new ResourceError(`${ctx.context}: TensorDock returned no name for this secret`);
    const outs = defined({
      name,
      secretType,
      value: old.value,
      connection: old.connection,
      schemaVersion: SCHEMA_VERSION,
    });
    return {
      id,
      props: outs,
      inputs: defined({ name, secretType, value: old.value, connection: old.connection }),
    };
  },

  /** Records a new connection (or an imported secret's declared value) in state; never calls the API. */
  async update(
    _id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<pulumi.dynamic.UpdateResult<GenericSecretOutputs>> {
    const old = upgradeGenericSecret(olds);
    const args = checkedInputs.parse(news);
    return {
      outs: outputsOf({
        ...args,
        name: old.name ?? args.name,
        secretType: old.secretType ?? args.secretType,
        value: old.value ?? args.value,
      }),
    };
  },

  /** Deletes by id; a 404 counts as deleted. */
  async delete(id: string, props: Record<string, unknown>): Promise<void> {
    const old = upgradeGenericSecret(props);
    await deleteSecret(remote(old.connection, `deleting ${describe(RESOURCE, old.name, id)}`), id);
  },
};

function outputsOf(args: z.infer<typeof checkedInputs>): GenericSecretOutputs {
  return defined({
    name: args.name,
    secretType: args.secretType,
    value: args.value,
    connection: args.connection,
    schemaVersion: SCHEMA_VERSION,
  });
}

export = provider;
