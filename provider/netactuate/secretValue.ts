/** The `netactuate.SecretValue` resource: one account-unique key and its value, in a secret list. */
import type * as pulumi from "@pulumi/pulumi";
import { resourceClass, type ValueOrSource } from "../kit/resourceClass";
import { claimKey, type NetActuateResourceArgs, rememberDeclaredKey } from "./keyRegistry";
import type { SecretValueOutputs } from "./schemas";

import provider = require("./secretValue.provider");

/** Arguments of {@link SecretValue}: a value (stored as a secret; at most 64 KiB; a new one updates in place), or its `valueFrom`. */
export type SecretValueArgs = SecretValueFields & ValueOrSource;

/** Arguments of {@link SecretValue} besides its value. */
export interface SecretValueFields extends NetActuateResourceArgs {
  /** Id of the secret list (`SecretList.id`). Changing it moves the value: delete, then create in the new list. */
  listId: pulumi.Input<string>;
  /**
   * The key, unique across the account: 1 to 128 letters, digits, `_`, `.` or `-`, case-sensitive. Cloud-init
   * references it as `${{secret.KEY}}`. Changing it updates in place.
   */
  key: pulumi.Input<string>;
}

/**
 * A NetActuate secret value. Its `reference` (`${{secret.KEY}}`) goes into cloud-init scripts, where
 * NetActuate substitutes the value at VM build time; see `cloudInit`. A key already in the account but not in
 * this stack fails the create (adopt it with `import`), and two SecretValue resources of one program may not
 * declare the same key: the program fails before creating either.
 */
export class SecretValue extends resourceClass<SecretValueArgs, SecretValueOutputs>({
  provider,
  outputOnly: ["reference", "valueFingerprint"],
  // The duplicate-key check rides on the key itself (see keyRegistry).
  claim: (name, args) => ({ key: claimKey(name, args.key, args.connection) }),
}) {
  /** Declares a value, remembering its key for `cloudInit`. */
  constructor(name: string, args: SecretValueArgs, opts?: pulumi.CustomResourceOptions) {
    super(name, args, opts);
    rememberDeclaredKey(this, args.key);
  }
}
