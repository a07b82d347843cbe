/**
 * The engine's planner: the one place that applies the Pulumi engine's rules for a dynamic resource. A
 * registration is checked, diffed against the old outputs, then created, updated, replaced (delete first when
 * asked, otherwise the old copy waits in state as a pending delete) or left as it is; the `import` option reads
 * and compares; a delete keeps the resource when it fails; a refresh drops what is gone and takes what drifted.
 * Every change is written to the state before the step returns. Engine runs drive it over the real provider
 * host; tests that need thousands of steps drive the same code in process ({@link InProcessStack}).
 */
import { isDeepStrictEqual } from "node:util";
import { rootPulumiStackTypeName } from "@pulumi/pulumi/runtime/stack";
import { applyIgnoreChanges, changedKeys } from "./plan";
import type { Props, RegisterMessage } from "./protocol";
import type { CheckFailure, ResourceProvider } from "./provider";
import type { PendingOperation, ResourceState } from "./state";

const ROOT_STACK_MARKER = `::${rootPulumiStackTypeName}::`;

/** A step refused by the engine's own rules (as opposed to an error of the provider). */
export class StepError extends Error {}

/** A resource as the program registers it: the runner's message without its envelope. */
export type Registration = Omit<RegisterMessage, "kind" | "seq">;

/** What the step of a registration did, and the id and outputs the program gets back. */
export interface StepResult {
  op: "create" | "update" | "replace" | "import" | "same";
  /** A replacement that deleted the old object before creating the new one. */
  deleteFirst?: boolean;
  /** Empty in a preview of a new or replaced resource: its id is not known yet. */
  id: string;
  outputs: Props;
  secretKeys: string[];
}

/** What a refresh found: the object gone (dropped from state), changed remotely, or as recorded. */
export type RefreshResult = "dropped" | "drifted" | "unchanged";

/** What the steps work on. */
export interface StepsOptions {
  /** The stack's resources, changed in place. */
  resources: ResourceState[];
  /** The provider of a resource type (the engine's one host serves every dynamic type). */
  provider(type: string): Promise<ResourceProvider>;
  /** Plan only: Check and Diff, no other call, no change to the state. */
  preview: boolean;
  /** Writes the state; called after every change outside a preview. */
  save(): Promise<void>;
  /**
   * The stack's pending operations, changed in place: a create is written here (and saved) before it is sent,
   * and removed once answered, so a run killed in between leaves it in the state. @default not recorded
   */
  pending?: PendingOperation[];
}

function checkFailureText(failures: readonly CheckFailure[]): string {
  return `check failed: ${failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`;
}

/** The steps of one command over one stack's resources. */
export class Steps {
  constructor(private readonly o: StepsOptions) {}

  private get resources(): ResourceState[] {
    return this.o.resources;
  }

  /** The live (not pending-delete) entry of `urn`. */
  live(urn: string): ResourceState | undefined {
    return this.resources.find((r) => r.urn === urn && !r.pendingDelete);
  }

  /** Replaces (or, without `next`, removes) a state entry, found by identity. */
  private swap(entry: ResourceState, next?: ResourceState): void {
    const index = this.resources.indexOf(entry);
    if (index < 0) {
      if (next) this.resources.push(next);
      return;
    }
    if (next) this.resources.splice(index, 1, next);
    else this.resources.splice(index, 1);
  }

  private async save(): Promise<void> {
    if (!this.o.preview) await this.o.save();
  }

  private entryFrom(m: Registration, id: string, inputs: Props, outputs: Props): ResourceState {
    const secretInputs = m.secretKeys.filter((k) => k in inputs);
    const secret = new Set([...m.secretKeys, ...m.options.additionalSecretOutputs]);
    const secretOutputs = Object.keys(outputs).filter((k) => secret.has(k));
    const entry: ResourceState = {
      urn: m.urn,
      type: m.type,
      name: m.name,
      id,
      inputs,
      outputs,
      dependencies: [...new Set(m.dependencies)].sort(),
    };
    if (m.parent && !m.parent.includes(ROOT_STACK_MARKER)) entry.parent = m.parent;
    if (secretInputs.length) entry.secretInputs = secretInputs;
    if (secretOutputs.length) entry.secretOutputs = secretOutputs;
    if (m.options.additionalSecretOutputs.length)
      entry.additionalSecretOutputs = m.options.additionalSecretOutputs;
    if (m.options.protect) entry.protect = true;
    if (m.options.retainOnDelete) entry.retainOnDelete = true;
    return entry;
  }

  private planned(op: StepResult["op"], inputs: Props, m: Registration, id = ""): StepResult {
    return { op, id, outputs: inputs, secretKeys: m.secretKeys };
  }

  private done(op: StepResult["op"], entry: ResourceState, deleteFirst?: boolean): StepResult {
    const result: StepResult = {
      op,
      id: entry.id,
      outputs: entry.outputs,
      secretKeys: entry.secretOutputs ?? [],
    };
    if (deleteFirst) result.deleteFirst = true;
    return result;
  }

  /** The step Pulumi takes for one registration: what it did, or throws what failed. */
  async register(m: Registration): Promise<StepResult> {
    const live = this.live(m.urn);
    const provider = await this.o.provider(m.type);
    let news = m.inputs;
    if (live && m.options.ignoreChanges.length)
      news = applyIgnoreChanges(news, live.inputs, m.options.ignoreChanges);
    if (!live && m.options.importId) return this.importStep(provider, m, news, m.options.importId);

    const check = await provider.check(m.urn, live?.inputs ?? {}, news);
    if (check.failures.length) throw new StepError(checkFailureText(check.failures));
    const inputs = check.inputs;

    if (!live) {
      if (this.o.preview) return this.planned("create", inputs, m);
      const entry = await this.createEntry(provider, m, inputs);
      this.resources.push(entry);
      await this.save();
      return this.done("create", entry);
    }

    const diff = await provider.diff(live.id, m.urn, live.outputs, inputs, live.inputs);
    const keys = changedKeys(live.inputs, inputs);
    // Without a provider `diff`, Pulumi compares old and new inputs itself (`__provider` included).
    const changed = diff.changes === "some" || (diff.changes === "unknown" && keys.length > 0);
    const replace =
      changed &&
      (diff.replaces.length > 0 || m.options.replaceOnChanges.some((k) => k === "*" || keys.includes(k)));

    if (!changed) return this.sameStep(m, live, inputs);
    if (!replace) {
      if (this.o.preview) return this.planned("update", inputs, m, live.id);
      const outputs = await provider.update(live.id, m.urn, live.outputs, inputs, live.inputs);
      const entry = this.entryFrom(m, live.id, inputs, outputs);
      this.swap(live, entry);
      await this.save();
      return this.done("update", entry);
    }

    if (live.protect)
      throw new StepError("the resource is protected; remove `protect` before it can be replaced");
    const deleteFirst = diff.deleteBeforeReplace || m.options.deleteBeforeReplace;
    if (this.o.preview)
      return { ...this.planned("replace", inputs, m), ...(deleteFirst ? { deleteFirst } : {}) };
    if (deleteFirst) {
      await this.deleteRemote(provider, live);
      this.swap(live);
      await this.save();
      this.resources.push(await this.createEntry(provider, m, inputs));
    } else {
      const entry = await this.createEntry(provider, m, inputs);
      // The old copy stays in state until the deletes at the end of a successful run.
      live.pendingDelete = true;
      this.resources.push(entry);
    }
    await this.save();
    return this.done("replace", this.live(m.urn) as ResourceState, deleteFirst);
  }

  private async createEntry(
    provider: ResourceProvider,
    m: Registration,
    inputs: Props,
  ): Promise<ResourceState> {
    const pending: PendingOperation = { urn: m.urn, type: m.type, name: m.name, operation: "creating" };
    const list = this.o.pending;
    if (list) {
      list.push(pending);
      await this.o.save();
    }
    let created: Awaited<ReturnType<ResourceProvider["create"]>>;
    try {
      created = await provider.create(m.urn, inputs);
    } catch (error) {
      // A create that answered with a failure left nothing behind (the provider's contract): no longer pending.
      if (list) {
        list.splice(list.indexOf(pending), 1);
        await this.o.save();
      }
      throw error;
    }
    // Removed here, saved with the new resource by the caller.
    if (list) list.splice(list.indexOf(pending), 1);
    if (!created.id) throw new StepError("the provider returned no id from create");
    return this.entryFrom(m, created.id, inputs, created.properties);
  }

  private async sameStep(m: Registration, live: ResourceState, inputs: Props): Promise<StepResult> {
    // Like Pulumi's same step: the new registration's inputs and options, the old id and outputs.
    const entry = this.entryFrom(m, live.id, inputs, live.outputs);
    const secretOutputs = [...new Set([...(live.secretOutputs ?? []), ...(entry.secretOutputs ?? [])])];
    if (secretOutputs.length) entry.secretOutputs = secretOutputs;
    if (!this.o.preview && !isDeepStrictEqual(entry, live)) {
      this.swap(live, entry);
      await this.save();
    }
    return { op: "same", id: live.id, outputs: live.outputs, secretKeys: secretOutputs };
  }

  /** The `import` option: Read(id) with no props, then the declared inputs must match what exists. */
  private async importStep(
    provider: ResourceProvider,
    m: Registration,
    news: Props,
    importId: string,
  ): Promise<StepResult> {
    if (this.o.preview) {
      const check = await provider.check(m.urn, {}, news);
      if (check.failures.length) throw new StepError(checkFailureText(check.failures));
      return this.planned("import", check.inputs, m);
    }
    // The host finds the provider through `__provider`; nothing else of the program's inputs is sent.
    const read = await provider.read(importId, m.urn, {}, { __provider: news.__provider });
    if (!read.id) throw new StepError(`resource '${importId}' does not exist`);
    const oldInputs = read.inputs ?? {};
    const ignored = m.options.ignoreChanges.length
      ? applyIgnoreChanges(news, oldInputs, m.options.ignoreChanges)
      : news;
    const check = await provider.check(m.urn, oldInputs, ignored);
    if (check.failures.length) throw new StepError(checkFailureText(check.failures));
    const diff = await provider.diff(read.id, m.urn, read.properties, check.inputs, oldInputs);
    const keys = changedKeys(oldInputs, check.inputs).filter((k) => k !== "__provider");
    if (diff.changes === "some" || (diff.changes === "unknown" && keys.length > 0)) {
      const named = keys.length ? `: [${keys.join(" ")}]` : "";
      throw new StepError(`inputs to import do not match the existing resource${named}`);
    }
    const entry = this.entryFrom(m, read.id, check.inputs, read.properties);
    this.resources.push(entry);
    await this.save();
    return this.done("import", entry);
  }

  private async deleteRemote(provider: ResourceProvider, entry: ResourceState): Promise<void> {
    if (entry.protect)
      throw new StepError("the resource is protected; remove `protect` before it can be deleted");
    if (entry.retainOnDelete) return;
    await provider.delete(entry.id, entry.urn, entry.outputs, entry.inputs);
  }

  /** Deletes one resource (a retained one only leaves the state); a failure keeps it. A preview changes nothing. */
  async remove(entry: ResourceState): Promise<void> {
    if (this.o.preview) return;
    await this.deleteRemote(await this.o.provider(entry.type), entry);
    this.swap(entry);
    await this.save();
  }

  /** Refreshes one resource: Read(id, old outputs, old inputs). */
  async refresh(entry: ResourceState): Promise<RefreshResult> {
    const provider = await this.o.provider(entry.type);
    const read = await provider.read(entry.id, entry.urn, entry.outputs, entry.inputs);
    if (!read.id) {
      this.swap(entry);
      await this.save();
      return "dropped";
    }
    const inputs = read.inputs ?? entry.inputs;
    if (
      read.id === entry.id &&
      isDeepStrictEqual(read.properties, entry.outputs) &&
      isDeepStrictEqual(inputs, entry.inputs)
    ) {
      return "unchanged";
    }
    const secret = new Set([
      ...(entry.secretInputs ?? []),
      ...(entry.secretOutputs ?? []),
      ...(entry.additionalSecretOutputs ?? []),
    ]);
    Object.assign(entry, { id: read.id, outputs: read.properties, inputs });
    const secretOutputs = Object.keys(read.properties).filter((k) => secret.has(k));
    if (secretOutputs.length) entry.secretOutputs = secretOutputs;
    await this.save();
    return "drifted";
  }
}
