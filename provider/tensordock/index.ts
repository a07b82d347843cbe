/** TensorDock resources (`SshKey`, `GenericSecret`) and lookups. */
export type { TensorDockConnectionArgs, TensorDockResourceArgs } from "./connection";
export { GenericSecret, type GenericSecretArgs } from "./genericSecret";
export { type GetSecretsArgs, getSecrets, type TensorDockSecretInfo } from "./lookups";
export { SshKey, type SshKeyArgs } from "./sshKey";
