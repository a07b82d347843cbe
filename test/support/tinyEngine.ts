/**
 * A tiny in-process engine for property tests: it drives dynamic provider objects directly with the Pulumi
 * engine's rules for them, one resource ("slot") at a time, so thousands of steps run in seconds.
 *
 * The rules kept: check → diff → create / update / replace; `diff`, `update`, `delete` and `read` get the old
 * outputs; a create that throws leaves nothing in state; a failed update keeps the old state; a failed delete
 * keeps the resource; a replacement deletes first when the provider asks, otherwise the old copy waits as a
 * pending delete, and pending deletes run first in every later deployment (as Pulumi's pending deletes do);
 * refresh drops a resource whose read returns no id and takes the read's outputs and inputs otherwise.
 */

/** Property bags as the host hands them to providers. */
export type Props = Record<string, unknown>;

/** The part of a dynamic provider object the engine calls. */
export interface DynamicProvider {
  check(
    olds: Props,
    news: Props,
  ): Promise<{ inputs?: Props; failures?: { property: string; reason: string }[] }>;
  diff(
    id: string,
    olds: Props,
    news: Props,
  ): Promise<{ changes?: boolean; replaces?: string[]; deleteBeforeReplace?: boolean }>;
  create(inputs: Props): Promise<{ id: string; outs?: Props }>;
  read(id: string, props: Props): Promise<{ id?: string; props?: Props; inputs?: Props }>;
  update(id: string, olds: Props, news: Props): Promise<{ outs?: Props }>;
  delete(id: string, props: Props): Promise<void>;
}

/** One resource in state. */
export interface Entry {
  kind: string;
  id: string;
  inputs: Props;
  outputs: Props;
}

/** What a step did, for counting. */
export type StepOutcome = "same" | "create" | "update" | "replace" | "delete" | "refresh" | "none";

/** The state of one stack and the provider of each resource kind. */
export class TinyEngine {
  /** Live resources by slot. */
  readonly state = new Map<string, Entry>();
  /** Old copies of create-before-delete replacements whose delete has not succeeded yet. */
  readonly pending: Entry[] = [];

  constructor(private readonly providers: Record<string, DynamicProvider>) {}

  private provider(kind: string): DynamicProvider {
    const provider = this.providers[kind];
    if (provider === undefined) throw new Error(`no provider for ${kind}`);
    return provider;
  }

  /** Every entry, live and pending. */
  entries(): Entry[] {
    return [...this.state.values(), ...this.pending];
  }

  /** Deletes pending old copies; failures keep them for the next deployment. */
  async deletePending(): Promise<void> {
    for (const entry of [...this.pending]) {
      try {
        await this.provider(entry.kind).delete(entry.id, entry.outputs);
        this.pending.splice(this.pending.indexOf(entry), 1);
      } catch {
        // Still pending: Pulumi retries it in the next deployment.
      }
    }
  }

  /** Deploys one declared resource: the step Pulumi would take for it. Throws what the provider threw. */
  async up(slot: string, kind: string, news: Props): Promise<StepOutcome> {
    const provider = this.provider(kind);
    let live = this.state.get(slot);
    if (live !== undefined && live.kind !== kind) {
      // Another type under the same name: Pulumi replaces it (delete first, the types share nothing).
      await this.destroy(slot);
      live = undefined;
    }
    const checked = await provider.check(live?.inputs ?? {}, news);
    if (checked.failures?.length || checked.inputs === undefined) {
      throw new Error(
        `check failed: ${(checked.failures ?? []).map((f) => `${f.property}: ${f.reason}`).join("; ")}`,
      );
    }
    const inputs = checked.inputs;
    if (live === undefined) {
      const created = await provider.create(inputs);
      this.state.set(slot, { kind, id: created.id, inputs, outputs: created.outs ?? {} });
      return "create";
    }
    const diff = await provider.diff(live.id, live.outputs, inputs);
    if (!diff.changes) {
      this.state.set(slot, { ...live, inputs });
      return "same";
    }
    if ((diff.replaces ?? []).length === 0) {
      const updated = await provider.update(live.id, live.outputs, inputs);
      this.state.set(slot, { kind, id: live.id, inputs, outputs: updated.outs ?? {} });
      return "update";
    }
    if (diff.deleteBeforeReplace) {
      await provider.delete(live.id, live.outputs);
      this.state.delete(slot);
      const created = await provider.create(inputs);
      this.state.set(slot, { kind, id: created.id, inputs, outputs: created.outs ?? {} });
      return "replace";
    }
    const created = await provider.create(inputs);
    this.state.set(slot, { kind, id: created.id, inputs, outputs: created.outs ?? {} });
    this.pending.push(live);
    await this.deletePending();
    return "replace";
  }

  /** Deletes a resource the program no longer declares; a failure keeps it in state. */
  async destroy(slot: string): Promise<StepOutcome> {
    const live = this.state.get(slot);
    if (live === undefined) return "none";
    await this.provider(live.kind).delete(live.id, live.outputs);
    this.state.delete(slot);
    return "delete";
  }

  /** Refreshes one resource from the API. */
  async refresh(slot: string): Promise<StepOutcome> {
    const live = this.state.get(slot);
    if (live === undefined) return "none";
    const read = await this.provider(live.kind).read(live.id, live.outputs);
    if (!read.id) {
      this.state.delete(slot);
      return "refresh";
    }
    this.state.set(slot, {
      kind: live.kind,
      id: read.id,
      outputs: read.props ?? {},
      inputs: read.inputs ?? live.inputs,
    });
    return "refresh";
  }

  /** Whether deploying `news` now would plan anything (check and diff only, as a preview). */
  async plansChange(slot: string, kind: string, news: Props): Promise<boolean> {
    const live = this.state.get(slot);
    if (live === undefined || live.kind !== kind) return true;
    const checked = await this.provider(kind).check(live.inputs, news);
    if (checked.inputs === undefined) return true;
    return (await this.provider(kind).diff(live.id, live.outputs, checked.inputs)).changes === true;
  }
}
