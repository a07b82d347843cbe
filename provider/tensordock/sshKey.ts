/** The `tensordock.SshKey` resource: an OpenSSH public key stored as a TensorDock `SSHKEY` secret. */
import * as pulumi from "@pulumi/pulumi";
import { registration } from "../kit/resourceClass";
import type { TensorDockConnectionArgs, TensorDockResourceArgs } from "./connection";
import { SECRET_ARGUMENTS } from "./lifecycle";

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

/**
 * An SSH key in TensorDock, referenced by instances through its id (`ssh_key_id`). Refresh detects a key
 * deleted outside Pulumi; `import: "<id>"` adopts an existing key.
 */
export class SshKey extends pulumi.dynamic.Resource {
  /** The key's name in TensorDock. */
  declare public readonly name: pulumi.Output<string>;
  /** The normalized public key line. */
  declare public readonly publicKey: pulumi.Output<string>;
  /** `SHA256:…`, as `ssh-keygen -lf` prints it. */
  declare public readonly fingerprint: pulumi.Output<string>;
  /** The OpenSSH algorithm, e.g. `ssh-ed25519`. */
  declare public readonly keyType: pulumi.Output<string>;
  /** The key size in bits. */
  declare public readonly keyBits: pulumi.Output<number>;
  /** The key's comment, when it has one. */
  declare public readonly comment: pulumi.Output<string | undefined>;
  /** The connection overrides (secret). */
  declare public readonly connection: pulumi.Output<TensorDockConnectionArgs | undefined>;
  /** Version of the output shape, so later releases can read this state. */
  declare public readonly schemaVersion: pulumi.Output<number>;

  /** Declares an SSH key; see {@link SshKeyArgs}. */
  constructor(name: string, args: SshKeyArgs, opts?: pulumi.CustomResourceOptions) {
    const outputOnly = ["fingerprint", "keyType", "keyBits", "comment"];
    super(
      provider,
      name,
      ...registration(args, opts, { secret: SECRET_ARGUMENTS.SshKey, outputOnly }),
      "tensordock",
      "SshKey",
    );
  }
}
