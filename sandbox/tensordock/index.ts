/** The TensorDock Secrets API v2 emulator. */
export {
  SECRET_TYPES as TENSORDOCK_SANDBOX_SECRET_TYPES,
  type SecretSummary as TensorDockSandboxSecret,
} from "./records";
export {
  startTensorDockSandbox,
  TENSORDOCK_API_PREFIX,
  TENSORDOCK_DEFAULT_RATE_LIMIT,
  type TensorDockSandbox,
  type TensorDockSandboxOptions,
} from "./server";
export type { TensorDockDialect } from "./validate";
