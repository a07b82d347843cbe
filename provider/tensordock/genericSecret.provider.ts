/**
 * The dynamic provider of `tensordock.GenericSecret`: what is true of a write-only secret, in the kit's terms
 * (see provider/kit/resource). This file's `module.exports` is the provider object, so Pulumi serializes it as
 * a `require()` of the installed package; it captures no credentials or clients.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  defineResource,
  isUnknown,
  type Known,
  orUnknown,
  sourcedOutputs,
  storedFields,
  valueArguments,
  valueRule,
} from "../kit";
import { createSecret, readSecret, secretArguments, secretOutputs, secretResource } from "./lifecycle";

const secretType = z
  .enum(["GENERIC", "SECRET"], {
    error: 'must be "GENERIC" or "SECRET" (SSH keys are declared with tensordock.SshKey)',
  })
  .describe('The TensorDock type, "GENERIC" (the default) or "SECRET"; a new type replaces the secret.');

const value = valueRule({ maxBytes: 64 * 1024 }).describe(
  "The value, 1 byte to 64 KiB (UTF-8); secret in state. TensorDock never returns it after creation, so a " +
    "new value replaces the secret.",
);

const inputs = secretArguments({
  ...valueArguments(value),
  secretType: orUnknown(secretType).default("GENERIC"),
});
const outputs = secretOutputs({ value: z.string().optional(), secretType, ...sourcedOutputs });

type Inputs = Known<z.infer<typeof inputs>>;
/** Outputs of any version as read from state (the type defaults to GENERIC); an import has no value. */
type Stored = Partial<z.infer<typeof outputs>> & { secretType: z.infer<typeof secretType> };

const provider = defineResource<Inputs, Stored>({
  ...secretResource("GenericSecret"),
  inputs,
  outputs,

  // The value may come from valueFrom; it may be absent only where the previous inputs have none either (an
  // imported secret's). A new value is another secret.
  valueFrom: {
    change: "replace",
    optional: (olds) =>
      olds.value === undefined && olds.valueFrom === undefined && typeof olds.name === "string",
  },

  // The API has no update: a new name, type or value is another secret. A value declared for a secret whose
  // value was never known (an import) is only recorded, as is a new connection.
  changes: {
    name: "replace",
    secretType: "replace",
    value: (stored, next) => {
      if (stored.value === undefined) return next.value === undefined ? "same" : "update";
      return isUnknown(next.value) || next.value !== stored.value ? "replace" : "same";
    },
    connection: "update",
  },
  upgrade: (props) => ({ secretType: "GENERIC", ...storedFields(outputs, props) }),

  /** One POST; a new secret with our name and type after an unknown outcome is the one we sent. */
  async create(args) {
    if (args.value === undefined) {
      throw new Error(
        "value is required: TensorDock never returns a secret's value, so a new secret needs the value " +
          "declared in the program (without ignoreChanges on value)",
      );
    }
    const type = args.secretType;
    return {
      id: await createSecret(args.connection, { name: args.name, type, value: args.value }),
      outs: args,
    };
  },

  /** Establishes existence by id (refresh, `import`); the value cannot be read back, so the stored one stays. */
  async read(id, stored) {
    const secret = await readSecret("GenericSecret", id, stored);
    if (secret === undefined) return undefined;
    const type = secret.type === "GENERIC" || secret.type === "SECRET" ? secret.type : stored.secretType;
    return { ...stored, name: secret.name, secretType: type };
  },

  /** Records a new connection (or an imported secret's declared value) in state; never calls the API. */
  update: async (_id, _stored, next) => next,
}) satisfies pulumi.dynamic.ResourceProvider;

export = provider;
