/**
 * The stand-in engine: deploys a Pulumi program of dynamic resources without the Pulumi CLI, through the
 * real `@pulumi/pulumi` SDK and dynamic-provider host. A private test harness: nothing here is shipped.
 */
export {
  DeploymentError,
  destroy,
  type EngineOptions,
  type Operation,
  type OperationKind,
  preview,
  refresh,
  type Summary,
  up,
} from "./engine";
export { ProviderError, ProviderHost, type ProviderHostOptions, RPC_METHODS, type RpcMethod } from "./host";
export { InProcessStack, inProcessProvider } from "./inProcess";
export type { Props } from "./protocol";
export type { CheckFailure, CheckResult, DiffResult, ReadResult, ResourceProvider } from "./provider";
export {
  DEFAULT_ENGINE_PASSPHRASE,
  type PendingOperation,
  type ResourceState,
  readState,
  type StackState,
} from "./state";
export type { RefreshResult, StepResult } from "./steps";
