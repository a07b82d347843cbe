/**
 * NetActuate Secret Manager resources: `SecretList`, `SecretValue`, the `cloudInit` helper that checks a
 * script's `${{secret.KEY}}` references, and lookups of what already exists.
 */
export { type CloudInitOptions, cloudInit } from "./cloudInit";
export type { ConnectionArgs as NetActuateConnectionArgs, NetActuateResourceArgs } from "./keyRegistry";
export {
  getSecretLists,
  getSecretValue,
  type LookupConnection,
  type SecretListInfo,
  type SecretValueInfo,
} from "./lookups";
export { SecretList, type SecretListArgs } from "./secretList";
export { SecretValue, type SecretValueArgs } from "./secretValue";
