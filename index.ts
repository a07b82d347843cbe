/**
 * pulumi-secretstack: Pulumi dynamic resources for secrets in TensorDock, The Wallet Crew and NetActuate.
 * Each API is also available on its own subpath (`pulumi-secretstack/tensordock`, ...).
 */
export * as netactuate from "./provider/netactuate";
export * as tensordock from "./provider/tensordock";
export * as walletcrew from "./provider/walletcrew";
/** What every provider method and lookup throws on failure, for all three APIs (see the README's Errors). */
export { MissingCredentialError, ResourceError, SettingError } from "./provider/kit";
