/** The `netactuate.SecretList` resource: a named container of secret values in a NetActuate account. */
import type * as pulumi from "@pulumi/pulumi";
import { resourceClass } from "../kit/resourceClass";
import { claimListName, type NetActuateResourceArgs } from "./keyRegistry";
import type { SecretListOutputs } from "./schemas";

import provider = require("./secretList.provider");

/** Arguments of {@link SecretList}. */
export interface SecretListArgs extends NetActuateResourceArgs {
  /** The list's name, unique across the account. Changing it renames the list in place. */
  name: pulumi.Input<string>;
}

/**
 * A NetActuate secret list. Its `id` is the list's numeric id (as a string), which SecretValue takes as
 * `listId`. Deleting the list deletes every value in it. A name already in the account but not in this
 * stack fails the create (adopt that list with `import`).
 */
export class SecretList extends resourceClass<SecretListArgs, SecretListOutputs>({
  provider,
  // Registered only once the program's keys and list names are known to be distinct (see keyRegistry).
  claim: (name, args) => ({ name: claimListName(name, args.name, args.connection) }),
}) {}
