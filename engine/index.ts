/**
 * The stand-in engine: deploys a Pulumi program of dynamic resources without the Pulumi CLI, through the
 * real `@pulumi/pulumi` SDK and dynamic-provider host.
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
export {
  type CheckFailure,
  type CheckResult,
  type DiffResult,
  ProviderError,
  ProviderHost,
  type ProviderHostOptions,
  type ReadResult,
  RPC_METHODS,
  type RpcMethod,
} from "./host";
export type { Props } from "./protocol";
export { DEFAULT_ENGINE_PASSPHRASE, type ResourceState, readState, type StackState } from "./state";
