/** The `walletcrew.TenantSecret` resource: one secret of a The Wallet Crew tenant, addressed by key. */
import * as pulumi from "@pulumi/pulumi";

import { claimIdentity, connectionScope } from "../kit/claims";
import { WALLETCREW_SETTINGS } from "./connection";

import provider = require("./tenantSecret.provider");

/** Where and how to reach The Wallet Crew for one resource; each field falls back to stack config, then env. */
export interface TenantSecretConnection {
  /** API key with Secret.Read and Secret.Write for the tenant. @default walletcrew:apiKey, then WALLETCREW_API_KEY */
  apiKey?: pulumi.Input<string>;
  /** Tenant, when the resource's `tenantId` is not set. @default walletcrew:tenantId, then WALLETCREW_TENANT_ID */
  tenantId?: pulumi.Input<string>;
  /** API host. @default walletcrew:baseUrl, then WALLETCREW_BASE_URL, then https://app.neostore.cloud */
  baseUrl?: pulumi.Input<string>;
}

/**
 * Claims `key` in its tenant (see provider/kit/claims): two TenantSecrets of the program with one key in one
 * tenant, on one host and API key, fail naming both.
 */
function claimKey(
  name: string,
  key: pulumi.Input<string>,
  tenantId: pulumi.Input<string> | undefined,
  connection: pulumi.Input<TenantSecretConnection> | undefined,
): pulumi.Output<string> {
  const spec = {
    type: "walletcrew.TenantSecret",
    name,
    scope: connectionScope(WALLETCREW_SETTINGS, connection, { tenantId }),
    rule: "a tenant holds one secret per key (a second PUT overwrites the first)",
  };
  return claimIdentity(spec, key, (k, s) => `key "${k}" in tenant ${s.slice(s.lastIndexOf("|") + 1)}`);
}

/** Arguments of {@link TenantSecret}. */
export interface TenantSecretArgs {
  /** Secret key: 1 to 128 letters, digits, `-` or `_`, case-sensitive. A new key replaces the secret. */
  key: pulumi.Input<string>;
  /** The value (at most 64 KiB); always secret in state and outputs. A new value updates in place. */
  value: pulumi.Input<string>;
  /** End of validity, ISO 8601 with an offset (`2030-01-01T00:00:00Z`). @default never expires */
  expiresOn?: pulumi.Input<string>;
  /** Start of validity, ISO 8601 with an offset; must be before `expiresOn`. @default valid at once */
  notBefore?: pulumi.Input<string>;
  /** The tenant. A new tenant replaces the secret. @default connection.tenantId, walletcrew:tenantId, WALLETCREW_TENANT_ID */
  tenantId?: pulumi.Input<string>;
  /**
   * Take over (overwrite) a key that already exists in the tenant when creating.
   * @default false, so that an existing secret this stack does not manage is never overwritten by surprise
   */
  adopt?: pulumi.Input<boolean>;
  /** Per-resource connection settings; always secret in state. @default stack config, then environment */
  connection?: pulumi.Input<TenantSecretConnection>;
}

/** A tenant secret of The Wallet Crew. Its id is `<tenantId>/<key>`. */
export class TenantSecret extends pulumi.dynamic.Resource {
  /** The secret key. */
  declare public readonly key: pulumi.Output<string>;
  /** The value (secret). */
  declare public readonly value: pulumi.Output<string>;
  /** End of validity, as given. */
  declare public readonly expiresOn: pulumi.Output<string | undefined>;
  /** Start of validity, as given. */
  declare public readonly notBefore: pulumi.Output<string | undefined>;
  /** The tenant, resolved from the arg, connection, stack config or environment. */
  declare public readonly tenantId: pulumi.Output<string>;
  /** Whether the create was allowed to take over an existing key. */
  declare public readonly adopt: pulumi.Output<boolean>;
  /** The connection settings (secret). */
  declare public readonly connection: pulumi.Output<TenantSecretConnection | undefined>;
  /** True when `expiresOn` had passed the last time the provider looked (create, update or refresh). */
  declare public readonly expired: pulumi.Output<boolean>;
  /** Version of the output shape. */
  declare public readonly schemaVersion: pulumi.Output<number>;

  /** Declares a tenant secret; `value` and `connection` are wrapped as secrets. */
  constructor(name: string, args: TenantSecretArgs, opts?: pulumi.CustomResourceOptions) {
    const props = {
      // Every argument given reaches check, which names an unknown one (a typo from JavaScript or YAML config).
      ...args,
      // Two TenantSecrets of the program with one key in one tenant fail, naming both (see provider/kit/claims).
      key: claimKey(name, args.key, args.tenantId, args.connection),
      value: pulumi.secret(args.value),
      expiresOn: args.expiresOn,
      notBefore: args.notBefore,
      tenantId: args.tenantId,
      adopt: args.adopt,
      connection: args.connection === undefined ? undefined : pulumi.secret(args.connection),
      expired: undefined,
      schemaVersion: undefined,
    };
    const secrets: pulumi.CustomResourceOptions = { additionalSecretOutputs: ["value", "connection"] };
    super(provider, name, props, pulumi.mergeOptions(opts, secrets), "walletcrew", "TenantSecret");
  }
}
