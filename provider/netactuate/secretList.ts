/** The `netactuate.SecretList` resource: a named container of secret values in a NetActuate account. */
import * as pulumi from "@pulumi/pulumi";
import { claimListName, type ConnectionArgs } from "./keyRegistry";

import provider = require("./secretList.provider");

/** Arguments of {@link SecretList}. */
export interface SecretListArgs {
  /** The list's name, unique across the account. Changing it renames the list in place. */
  name: pulumi.Input<string>;
  /**
   * Where and as whom to call the API. Always stored as a secret; changing it never replaces the list.
   * @default netactuate:apiKey / netactuate:baseUrl stack config, then NETACTUATE_API_KEY / NETACTUATE_BASE_URL
   */
  connection?: pulumi.Input<ConnectionArgs>;
}

/**
 * A NetActuate secret list. Its `id` is the list's numeric id (as a string), which SecretValue takes as
 * `listId`. Deleting the list deletes every value in it.
 */
export class SecretList extends pulumi.dynamic.Resource {
  /** The list's name. */
  declare public readonly name: pulumi.Output<string>;
  /** The connection settings (secret). */
  declare public readonly connection: pulumi.Output<{ apiKey?: string; baseUrl?: string } | undefined>;
  /** Version of the stored output shape. */
  declare public readonly schemaVersion: pulumi.Output<number>;

  /** Declares a list; a list with the same name already in the account fails the create (adopt it with `import`). */
  constructor(name: string, args: SecretListArgs, opts?: pulumi.CustomResourceOptions) {
    const props = {
      // Every argument given reaches check, which names an unknown one (a typo from JavaScript or YAML config).
      ...args,
      // Registered only once the program's keys and list names are known to be distinct (see keyRegistry).
      name: claimListName(name, args.name, args.connection),
      connection: args.connection === undefined ? undefined : pulumi.secret(args.connection),
      schemaVersion: undefined,
    };
    super(
      provider,
      name,
      props,
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["connection"] }),
      "netactuate",
      "SecretList",
    );
  }
}
