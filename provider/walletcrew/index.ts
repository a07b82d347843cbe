/** The Wallet Crew resources and lookups of pulumi-secretstack (also `pulumi-secretstack/walletcrew`). */
export { type GetSecretKeysArgs, getSecretKeys, type LookupConnection } from "./lookups";
export { TenantSecret, type TenantSecretArgs, type TenantSecretConnection } from "./tenantSecret";
