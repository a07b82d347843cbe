/** The `walletcrew.TenantSecret` resource: one secret of a The Wallet Crew tenant, addressed by key. */
import type * as pulumi from "@pulumi/pulumi";

import { identityClaim } from "../kit/claims";
import { resourceClass, type ValueOrSource } from "../kit/resourceClass";
import { WALLETCREW_SETTINGS } from "./connection";
import type { Outputs } from "./schema";

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
const claimKey = identityClaim({
  type: "walletcrew.TenantSecret",
  table: WALLETCREW_SETTINGS,
  rule: "a tenant holds one secret per key (a second PUT overwrites the first)",
  shown: (k, scope) => `key "${k}" in tenant ${scope.slice(scope.lastIndexOf("|") + 1)}`,
});

/** Arguments of {@link TenantSecret}: a value (at most 64 KiB; a new one updates in place), or its `valueFrom`. */
export type TenantSecretArgs = TenantSecretFields & ValueOrSource;

/** Arguments of {@link TenantSecret} besides its value. */
export interface TenantSecretFields {
  /** Secret key: 1 to 128 letters, digits, `-` or `_`, case-sensitive. A new key replaces the secret. */
  key: pulumi.Input<string>;
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

/**
 * A tenant secret of The Wallet Crew. Its id is `<tenantId>/<key>`. Two TenantSecrets of one program with one
 * key in one tenant fail, naming both, before anything is created (see provider/kit/claims).
 */
export class TenantSecret extends resourceClass<TenantSecretArgs, Outputs>({
  provider,
  outputOnly: ["expired", "tenantId", "adopt", "expiresOn", "notBefore", "valueFingerprint"],
  claim: (name, args) => ({
    key: claimKey(name, args.key, args.connection, { tenantId: args.tenantId }),
  }),
}) {}
