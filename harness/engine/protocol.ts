/**
 * Messages between the engine and its program runner (a forked child speaking Node IPC). The runner may run
 * as TypeScript source through Node's type stripping, so it imports only the types of this file (`import
 * type`); the wire markers of both sides come from `@pulumi/pulumi` itself.
 */

/** A JSON object as it travels through `google.protobuf.Struct`: plain values, secrets unwrapped. */
export type Props = Record<string, unknown>;

/** The resource options the engine honours, as read from the SDK's RegisterResourceRequest. */
export interface RegisterOptions {
  protect: boolean;
  deleteBeforeReplace: boolean;
  retainOnDelete: boolean;
  ignoreChanges: string[];
  replaceOnChanges: string[];
  additionalSecretOutputs: string[];
  importId?: string;
}

/** Runner → engine: a dynamic resource was registered and waits for its id and outputs. */
export interface RegisterMessage {
  kind: "register";
  seq: number;
  urn: string;
  type: string;
  name: string;
  parent?: string;
  inputs: Props;
  /** Top-level input keys whose value was (or contained) a secret. */
  secretKeys: string[];
  dependencies: string[];
  options: RegisterOptions;
}

/** Runner → engine: `Resource.get` of a dynamic resource (read by id, never stored in state). */
export interface ReadMessage {
  kind: "read";
  seq: number;
  urn: string;
  type: string;
  name: string;
  id: string;
  inputs: Props;
  secretKeys: string[];
}

/** Runner → engine: a resource the engine does not manage (not a dynamic resource) was echoed back. */
export interface IgnoredMessage {
  kind: "ignored";
  type: string;
  name: string;
}

/** Runner → engine: the stack outputs (the program module's exports). */
export interface OutputsMessage {
  kind: "outputs";
  outputs: Props;
  secretKeys: string[];
}

/** Runner → engine: the program finished; `errors` are program failures (not echoes of failed operations). */
export interface DoneMessage {
  kind: "done";
  errors: string[];
}

export type RunnerMessage = RegisterMessage | ReadMessage | IgnoredMessage | OutputsMessage | DoneMessage;

/** Engine → runner: the answer to a register or read. An empty id means unknown (preview). */
export type EngineReply =
  | { kind: "resolved"; seq: number; id: string; outputs: Props; secretKeys: string[] }
  | { kind: "failed"; seq: number; message: string };

/** What the engine passes to the runner as its only argument (JSON). */
export interface RunnerOptions {
  programDir: string;
  project: string;
  stack: string;
  preview: boolean;
}
