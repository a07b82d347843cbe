/**
 * The outputs the TensorDock resources write to state, and the readers of older shapes. Version 0 is
 * state without `schemaVersion`: the same fields, possibly without the derived ones (fingerprint, key type
 * and size; a generic secret's default type), which the upgrade recomputes.
 */
import { z } from "zod";
import { compact, SCHEMA_VERSION } from "../kit";
import type { TensorDockConnection } from "./connection";
import { parseOpenSshPublicKey } from "./publicKey";

/** The outputs of an `SshKey` (beyond its id). */
export interface SshKeyOutputs {
  name: string;
  /** The normalized one-line public key, as stored in TensorDock. */
  publicKey: string;
  /** OpenSSH algorithm, e.g. `ssh-ed25519`. */
  keyType: string;
  keyBits: number;
  /** `SHA256:…`, as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  comment?: string;
  connection?: TensorDockConnection;
  schemaVersion: number;
}

/** The outputs of a `GenericSecret` (beyond its id). `value` is absent after an import (it cannot be read). */
export interface GenericSecretOutputs {
  name: string;
  secretType: "GENERIC" | "SECRET";
  value?: string;
  connection?: TensorDockConnection;
  schemaVersion: number;
}

/** `T` with every property whose type admits `undefined` made optional instead (what `compact` returns). */
export type Defined<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/** `compact` with the type it deserves: absent members are optional, never `undefined`. */
export function defined<T extends Record<string, unknown>>(value: T): Defined<T> {
  return compact(value) as unknown as Defined<T>;
}

const connectionState = z
  .object({ apiToken: z.string().optional(), baseUrl: z.string().optional() })
  .optional()
  .catch(undefined);

/** Stored outputs of any version, read leniently: a malformed field reads as absent. */
const sshKeyState = z.object({
  name: z.string().optional().catch(undefined),
  publicKey: z.string().optional().catch(undefined),
  keyType: z.string().optional().catch(undefined),
  keyBits: z.number().optional().catch(undefined),
  fingerprint: z.string().optional().catch(undefined),
  comment: z.string().optional().catch(undefined),
  connection: connectionState,
});

const genericSecretState = z.object({
  name: z.string().optional().catch(undefined),
  secretType: z.enum(["GENERIC", "SECRET"]).optional().catch(undefined),
  value: z.string().optional().catch(undefined),
  connection: connectionState,
});

/** What can be read from stored SshKey outputs of any version; fields may be missing (e.g. before import). */
export type SshKeyState = Partial<SshKeyOutputs>;

/** What can be read from stored GenericSecret outputs of any version. */
export type GenericSecretState = Partial<GenericSecretOutputs>;

function cleanConnection(connection: z.infer<typeof connectionState>): TensorDockConnection | undefined {
  if (connection === undefined) return undefined;
  const c = defined({ apiToken: connection.apiToken, baseUrl: connection.baseUrl });
  return Object.keys(c).length > 0 ? c : undefined;
}

/** Outputs of an SSH key from its public key line and name. */
export function sshKeyOutputs(
  name: string,
  publicKey: string,
  connection: TensorDockConnection | undefined,
): SshKeyOutputs {
  const parsed = parseOpenSshPublicKey(publicKey, { policy: false });
  if (!parsed.ok) throw new Error(`the public key ${parsed.reason}`);
  return defined({
    name,
    publicKey: parsed.key.line,
    keyType: parsed.key.keyType,
    keyBits: parsed.key.keyBits,
    fingerprint: parsed.key.fingerprint,
    comment: parsed.key.comment,
    connection,
    schemaVersion: SCHEMA_VERSION,
  });
}

/** Reads SshKey outputs of any schema version into the current shape, recomputing derived fields. */
export function upgradeSshKey(outputs: Record<string, unknown>): SshKeyState {
  const state = sshKeyState.parse(outputs);
  const connection = cleanConnection(state.connection);
  if (state.publicKey !== undefined && state.name !== undefined) {
    const parsed = parseOpenSshPublicKey(state.publicKey, { policy: false });
    if (parsed.ok) return sshKeyOutputs(state.name, state.publicKey, connection);
  }
  return defined({ ...state, connection, schemaVersion: SCHEMA_VERSION });
}

/** Reads GenericSecret outputs of any schema version into the current shape (type "GENERIC" when absent). */
export function upgradeGenericSecret(outputs: Record<string, unknown>): GenericSecretState {
  const state = genericSecretState.parse(outputs);
  return defined({
    name: state.name,
    secretType: state.secretType ?? "GENERIC",
    value: state.value,
    connection: cleanConnection(state.connection),
    schemaVersion: SCHEMA_VERSION,
  });
}
