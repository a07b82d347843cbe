/** The TensorDock Secrets API v2 client. */
export {
  type CreateSecretInput,
  describeTensorDockError,
  TENSORDOCK_DEFAULT_BASE_URL,
  TENSORDOCK_DEFAULT_REQUESTS_PER_MINUTE,
  TensorDockClient,
  type TensorDockClientOptions,
} from "./client";
export { TENSORDOCK_SECRET_TYPES, type TensorDockSecret, type TensorDockSecretType } from "./schemas";
