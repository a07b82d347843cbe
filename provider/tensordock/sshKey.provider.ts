/**
 * The dynamic provider of `tensordock.SshKey`: what is true of an SSH key, in the kit's terms (see
 * provider/kit/resource). This file's `module.exports` is the provider object, so Pulumi serializes it as a
 * `require()` of the installed package; it captures no credentials or clients.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { defineResource, type Known, orUnknown, storedFields, type Written } from "../kit";
import type { Connection } from "./connection";
import {
  createSecret,
  type Matcher,
  readSecret,
  secretArguments,
  secretOutputs,
  secretResource,
} from "./lifecycle";
import { parseOpenSshPublicKey } from "./publicKey";

/** The public key, normalized to one canonical line. */
const publicKey = z
  .string({
    error: (issue) =>
      issue.input === undefined
        ? "is required: an OpenSSH public key on one line (the .pub file)"
        : "must be a string",
  })
  .transform((text, ctx) => {
    const parsed = parseOpenSshPublicKey(text);
    if (parsed.ok) return parsed.key.publicKey;
    ctx.addIssue({ code: "custom", message: parsed.reason });
    return z.NEVER;
  })
  .describe(
    "The OpenSSH public key on one line, `<type> <base64> [comment]` (the .pub file): ssh-ed25519, ssh-rsa " +
      "(2048 bits or more) or ecdsa-sha2-nistp256/384/521. Normalized to one canonical line; a new key replaces it.",
  );

const inputs = secretArguments({ publicKey: orUnknown(publicKey) });
const outputs = secretOutputs({
  publicKey: z.string().describe("The normalized public key line."),
  keyType: z.string().describe("The OpenSSH algorithm, e.g. ssh-ed25519."),
  keyBits: z.number().describe("The key size in bits."),
  fingerprint: z.string().describe("SHA256:…, as ssh-keygen -lf prints it."),
  comment: z.string().optional().describe("The key's comment, when it has one."),
});

type Inputs = Known<z.infer<typeof inputs>>;
/** Outputs of any version as read from state; an import starts with none. */
type Stored = Partial<z.infer<typeof outputs>>;

/** The normalized line of a key and what it says of itself, or `undefined` when it does not parse. */
function keyFacts(line: string | undefined) {
  const parsed = line === undefined ? undefined : parseOpenSshPublicKey(line, { policy: false });
  return parsed?.ok ? parsed.key : undefined;
}

/** The outputs of a key; the line was normalized by check, so it parses. */
function written(name: string, line: string, connection: Connection | undefined): Written<Stored> {
  const facts = keyFacts(line);
  if (facts === undefined) throw new Error("the public key does not parse");
  return { name, ...facts, connection };
}

/** An SSH key with our name and the identical public key is provably ours: adopted, never duplicated. */
const samePublicKey =
  (line: string): Matcher =>
  async (candidate, client) => {
    const stored =
      keyFacts(candidate.value) ??
      keyFacts((await client.retrieve(candidate.id).catch(() => undefined))?.value);
    return stored?.publicKey === line;
  };

const provider = defineResource<Inputs, Stored>({
  ...secretResource("SshKey"),
  inputs,
  outputs,
  outputOnly: ["fingerprint", "keyType", "keyBits", "comment"],
  // The API has no update: a new name or key is another secret. A new connection only changes what state
  // records for later refresh and destroy.
  changes: { name: "replace", publicKey: "replace", connection: "update" },
  /** Derived fields are recomputed from the stored key, so state of any version reads the same. */
  upgrade: (props) => {
    const state = storedFields(outputs, props);
    return { ...state, ...keyFacts(state.publicKey) };
  },

  async create(args) {
    const outs = written(args.name, args.publicKey, args.connection);
    const value = args.publicKey;
    const id = await createSecret(
      args.connection,
      { name: args.name, type: "SSHKEY", value },
      samePublicKey(value),
    );
    return { id, outs };
  },

  /** A key never changes in TensorDock: one this provider wrote is trusted, anything else is read from it. */
  async read(id, stored, imported) {
    const secret = await readSecret("SshKey", id, stored);
    if (secret === undefined) return undefined;
    const facts =
      keyFacts(secret.value) ??
      (imported ? undefined : keyFacts(stored.publicKey)) ??
      keyFacts((await secret.client.retrieve(id)).value);
    if (facts === undefined) throw new Error("TensorDock returned no readable public key");
    return { name: secret.name, ...facts, connection: stored.connection };
  },

  /** Records a new connection in state; never calls the API (every other change replaces). */
  update: async (_id, _stored, next) => written(next.name, next.publicKey, next.connection),
}) satisfies pulumi.dynamic.ResourceProvider;

export = provider;
