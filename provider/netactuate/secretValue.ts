/** The `netactuate.SecretValue` resource: one account-unique key and its value, in a secret list. */
import * as pulumi from "@pulumi/pulumi";
import { type ConnectionArgs, claimKey, rememberDeclaredKey } from "./keyRegistry";

import provider = require("./secretValue.provider");

/** Arguments of {@link SecretValue}. */
export interface SecretValueArgs {
  /** Id of the secret list (`SecretList.id`). Changing it moves the value: delete, then create in the new list. */
  listId: pulumi.Input<string>;
  /**
   * The key, unique across the account: 1 to 128 letters, digits, `_`, `.` or `-`, case-sensitive. Cloud-init
   * references it as `${{secret.KEY}}`. Changing it updates in place.
   */
  key: pulumi.Input<string>;
  /** The value (stored as a secret; at most 64 KiB). Changing it updates in place. */
  value: pulumi.Input<string>;
  /**
   * Where and as whom to call the API. Always stored as a secret; changing it never replaces the value.
   * @default netactuate:apiKey / netactuate:baseUrl stack config, then NETACTUATE_API_KEY / NETACTUATE_BASE_URL
   */
  connection?: pulumi.Input<ConnectionArgs>;
}

/**
 * A NetActuate secret value. Its `reference` (`${{secret.KEY}}`) goes into cloud-init scripts, where
 * NetActuate substitutes the value at VM build time; see `cloudInit`. Two SecretValue resources of one program
 * may not declare the same key (keys are unique across the account): the program fails before creating either.
 */
export class SecretValue extends pulumi.dynamic.Resource {
  /** Id of the list that holds the value. */
  declare public readonly listId: pulumi.Output<string>;
  /** The key. */
  declare public readonly key: pulumi.Output<string>;
  /** The value (secret). */
  declare public readonly value: pulumi.Output<string>;
  /** The connection settings (secret). */
  declare public readonly connection: pulumi.Output<{ apiKey?: string; baseUrl?: string } | undefined>;
  /** The cloud-init reference, `${{secret.<key>}}`. */
  declare public readonly reference: pulumi.Output<string>;
  /** Version of the stored output shape. */
  declare public readonly schemaVersion: pulumi.Output<number>;

  /** Declares a value; a key already in the account but not in this stack fails the create (adopt it with `import`). */
  constructor(name: string, args: SecretValueArgs, opts?: pulumi.CustomResourceOptions) {
    const props = {
      // Every argument given reaches check, which names an unknown one (a typo from JavaScript or YAML config).
      ...args,
      listId: args.listId,
      // The duplicate-key check rides on the key itself (see keyRegistry).
      key: claimKey(name, args.key, args.connection),
      value: pulumi.secret(args.value),
      connection: args.connection === undefined ? undefined : pulumi.secret(args.connection),
      reference: undefined,
      schemaVersion: undefined,
    };
    super(
      provider,
      name,
      props,
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["value", "connection"] }),
      "netactuate",
      "SecretValue",
    );
    rememberDeclaredKey(this, args.key);
  }
}
