/** The NetActuate Secret Manager client and its types. */
export {
  NETACTUATE_DEFAULT_AUTH_STYLE,
  NETACTUATE_DEFAULT_BASE_URL,
  NETACTUATE_DEFAULT_BODY_ENCODING,
  type NetActuateAuthStyle,
  type NetActuateBodyEncoding,
  NetActuateClient,
  type NetActuateClientOptions,
  type NetActuateValueFields,
} from "./client";
export { describeNetActuateError, isAbsent, unwrapEnvelope, unwrapObject, unwrapWrite } from "./envelope";
export type { NetActuateSecretList, NetActuateSecretValue } from "./schemas";
