/** The NetActuate Secret Manager client and its types. */
export {
  NETACTUATE_DEFAULT_BASE_URL,
  NetActuateClient,
  type NetActuateClientOptions,
  type NetActuateValueFields,
} from "./client";
export { describeNetActuateError, unwrapEnvelope } from "./envelope";
export type { NetActuateSecretList, NetActuateSecretValue } from "./schemas";
