/** The public types of the engine's commands: options, the summary, and the error of a failed run. */
import type { ProviderHost, RpcMethod } from "./host";

/** Options of every engine command. */
export interface EngineOptions {
  /** The Pulumi program directory (index.ts or index.js, `@pulumi/pulumi` resolvable from it). */
  programDir: string;
  /** The stack's state file (created on the first `up`). */
  stateFile: string;
  /** @default "dev" */
  stack?: string;
  /** Stack config sent to the providers' `configure` and to the program, e.g. `{ "tensordock:apiToken": … }`. */
  config?: Record<string, string>;
  /** Added to the environment of the provider host and of the program. */
  env?: Record<string, string>;
  /** Resource operations in flight at once. @default 16 (Pulumi's default is unbounded; 16 keeps APIs calm) */
  parallel?: number;
  /** Receives one line per operation and the summary; never values. */
  log?: (line: string) => void;
  /** Receives the provider host's own output (stderr, and stdout after its port). */
  hostLog?: (line: string) => void;
  /**
   * Cancels the run gracefully, as a first Ctrl-C cancels `pulumi up`: operations in flight finish and are
   * written to the state, none starts after it, and the run ends with each one not started as a failure.
   */
  signal?: AbortSignal;
  /**
   * Refresh only: forget the creates an interrupted run left pending (`pulumi refresh --clear-pending-creates`).
   * Without it, a refresh of a stack with pending creates fails naming them, as the CLI does when it cannot ask.
   */
  clearPendingCreates?: boolean;
  /** Called once the provider host runs, e.g. to kill it in a test. */
  onHost?: (host: ProviderHost) => void;
}

/** The kind of an operation in a {@link Summary}. */
export type OperationKind =
  "create" | "update" | "replace" | "delete" | "import" | "read" | "refresh" | "drop";

/** One operation done (or, in a preview, planned), or failed. */
export interface Operation {
  urn: string;
  op: OperationKind;
  /** Present when the operation failed. */
  error?: string;
}

/** What a command did. In a preview, the counts are of planned operations. */
export interface Summary {
  command: "up" | "preview" | "refresh" | "destroy";
  created: number;
  updated: number;
  replaced: number;
  deleted: number;
  imported: number;
  unchanged: number;
  /** Failed operations, plus failures of the program or of the state file: the length of `failures`. */
  failed: number;
  /** Refresh: resources whose remote object is gone (removed from state). */
  dropped: number;
  /** Refresh: resources whose outputs or inputs changed remotely. */
  drifted: number;
  operations: Operation[];
  /** Stack outputs, secret ones replaced by `"[secret]"` (and unknown ones in a preview by `"[unknown]"`). */
  outputs: Record<string, unknown>;
  /** One line per failure: the operation, the resource and the provider's message. */
  failures: string[];
  /** Provider RPCs made, per method. */
  rpc: Record<RpcMethod, number>;
  durationMs: number;
}

/** A command that finished with failures; `summary` says what was done anyway. */
export class DeploymentError extends Error {
  override readonly name = "DeploymentError";
  constructor(
    message: string,
    /** The summary of the failed run. */
    readonly summary: Summary,
  ) {
    super(message);
  }
}

/** The engine's commands. */
export type Command = Summary["command"];
