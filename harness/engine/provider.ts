/**
 * What the engine's steps need of a provider: the resource RPCs of a dynamic-provider host. The real host
 * over gRPC ({@link ProviderHost}) is one; {@link inProcessProvider} runs a provider object in this process
 * with the host's rules, for tests that take thousands of steps.
 */
import type { Props } from "./protocol";

/** A `property: reason` pair from the provider's `check`. */
export interface CheckFailure {
  property: string;
  reason: string;
}

/** The result of `Check`: the normalized inputs, and any validation failures. */
export interface CheckResult {
  inputs: Props;
  failures: CheckFailure[];
}

/** The result of `Diff`. `unknown` means the provider has no `diff` (or did not say): the engine decides. */
export interface DiffResult {
  changes: "none" | "some" | "unknown";
  replaces: string[];
  deleteBeforeReplace: boolean;
}

/** The result of `Create` or `Read`: an empty `id` from `Read` means the object is gone. */
export interface ReadResult {
  id: string;
  properties: Props;
  /** Present when the provider's `read` returned inputs (refresh rewrites the stored inputs). */
  inputs?: Props;
}

/** The resource RPCs, with the arguments the Pulumi engine sends. */
export interface ResourceProvider {
  /** `Check(olds, news)`: the provider validates and normalizes the new inputs. */
  check(urn: string, olds: Props, news: Props): Promise<CheckResult>;
  /** `Diff(id, old outputs, new inputs)`. */
  diff(id: string, urn: string, olds: Props, news: Props, oldInputs?: Props): Promise<DiffResult>;
  /** `Create(checked inputs)` → the new id and outputs. */
  create(urn: string, props: Props): Promise<ReadResult>;
  /** `Read(id, old outputs, old inputs)`; an empty id in the result means the object no longer exists. */
  read(id: string, urn: string, props: Props, inputs?: Props): Promise<ReadResult>;
  /** `Update(id, old outputs, new inputs)` → the new outputs. */
  update(id: string, urn: string, olds: Props, news: Props, oldInputs?: Props): Promise<Props>;
  /** `Delete(id, old outputs)`. */
  delete(id: string, urn: string, props: Props, oldInputs?: Props): Promise<void>;
}
