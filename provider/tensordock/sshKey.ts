/** The `tensordock.SshKey` resource: an OpenSSH public key stored as a TensorDock `SSHKEY` secret. */
import type * as pulumi from "@pulumi/pulumi";
import { resourceClass } from "../kit/resourceClass";
import type { TensorDockConnectionArgs, TensorDockResourceArgs } from "./connection";

import provider = require("./sshKey.provider");

/** Arguments of {@link SshKey}. Every change except `connection` replaces the key (the API has no update). */
export interface SshKeyArgs extends TensorDockResourceArgs {
  /** The key's name in TensorDock: 1–255 characters, no control characters. */
  name: pulumi.Input<string>;
  /**
   * The OpenSSH public key on one line, `<type> <base64> [comment]` (the `.pub` file): ssh-ed25519,
   * ssh-rsa (2048 bits or more) or ecdsa-sha2-nistp256/384/521. Normalized to one canonical line.
   */
  publicKey: pulumi.Input<string>;
}

/** The outputs of {@link SshKey}. */
interface SshKeyOutputs {
  /** The key's name in TensorDock. */
  name: string;
  /** The normalized public key line. */
  publicKey: string;
  /** `SHA256:…`, as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  /** The OpenSSH algorithm, e.g. `ssh-ed25519`. */
  keyType: string;
  /** The key size in bits. */
  keyBits: number;
  /** The key's comment, when it has one. */
  comment: string | undefined;
  /** The connection overrides (secret). */
  connection: TensorDockConnectionArgs | undefined;
  /** Version of the output shape, so later releases can read this state. */
  schemaVersion: number;
}

/**
 * An SSH key in TensorDock, referenced by instances through its id (`ssh_key_id`). Refresh detects a key
 * deleted outside Pulumi; `import: "<id>"` adopts an existing key.
 */
export class SshKey extends resourceClass<SshKeyArgs, SshKeyOutputs>({
  provider,
  outputOnly: ["fingerprint", "keyType", "keyBits", "comment"],
}) {}
