/**
 * The engine's steps in this process, for tests that take thousands of them: dynamic provider objects called
 * directly, with what the provider host adds and drops on the way (a wire copy of every property bag,
 * `__provider` carried from inputs to outputs, `changes` read as the host reads it), and the planner of
 * {@link Steps} deciding every step, as it does for the engine's runs over the real host.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { Props } from "./protocol";
import type { ResourceProvider } from "./provider";
import type { ResourceState } from "./state";
import { type RefreshResult, type Registration, type StepResult, Steps } from "./steps";

const PROVIDER_KEY = "__provider";

/** A copy of `props` as it crosses the host's wire: JSON values only, `undefined` dropped. */
function wire(props: Props | undefined): Props {
  return JSON.parse(JSON.stringify(props ?? {})) as Props;
}

/** `result` with the `__provider` of `props`, as the host returns every output. */
function withProvider(result: Props | undefined, props: Props): Props {
  return wire({ ...result, [PROVIDER_KEY]: props[PROVIDER_KEY] });
}

/** A provider object behind the host's resource RPCs, run in this process. */
export function inProcessProvider(provider: dynamic.ResourceProvider): ResourceProvider {
  return {
    async check(_urn, olds, news) {
      const result = provider.check ? await provider.check(wire(olds), wire(news)) : {};
      return {
        inputs: withProvider(result.inputs ?? news, news),
        failures: (result.failures ?? []).map((f) => ({ property: String(f.property), reason: f.reason })),
      };
    },
    async diff(id, _urn, olds, news) {
      if (!provider.diff) return { changes: "unknown", replaces: [], deleteBeforeReplace: false };
      const result = await provider.diff(id, wire(olds), wire(news));
      return {
        changes: result.changes === true ? "some" : result.changes === false ? "none" : "unknown",
        replaces: result.replaces ?? [],
        deleteBeforeReplace: result.deleteBeforeReplace === true,
      };
    },
    async create(_urn, props) {
      const result = await provider.create(wire(props));
      return { id: result.id, properties: withProvider(result.outs as Props | undefined, props) };
    },
    async read(id, _urn, props, inputs) {
      const given = Object.keys(props).length === 0 && inputs ? inputs : props;
      if (!provider.read) return { id, properties: wire(given) };
      const result = await provider.read(id, wire(given));
      const read = { id: result.id ?? "", properties: withProvider(result.props as Props, given) };
      return result.inputs ? { ...read, inputs: withProvider(result.inputs as Props, given) } : read;
    },
    async update(id, _urn, olds, news) {
      const result = provider.update ? await provider.update(id, wire(olds), wire(news)) : {};
      return withProvider(result.outs as Props | undefined, news);
    },
    async delete(id, _urn, props) {
      await provider.delete?.(id, wire(props));
    },
  };
}

/**
 * One stack of resources deployed in this process, one resource per call. Each {@link up} is the deployment
 * of that one resource: its step, then (when it succeeded) the deletes of old copies left by replacements.
 */
export class InProcessStack {
  /** The stack's resources, as a state file holds them (pending deletes included). */
  readonly resources: ResourceState[] = [];
  private readonly providers = new Map<string, ResourceProvider>();

  /** `providers` by resource type, e.g. `{ "tensordock:SshKey": sshKeyProvider }`. */
  constructor(providers: Record<string, dynamic.ResourceProvider>) {
    for (const [type, provider] of Object.entries(providers))
      this.providers.set(type, inProcessProvider(provider));
  }

  private steps(preview: boolean): Steps {
    return new Steps({
      resources: this.resources,
      provider: async (type) => {
        const provider = this.providers.get(type);
        if (!provider) throw new Error(`no provider for ${type}`);
        return provider;
      },
      preview,
      save: async () => undefined,
    });
  }

  private registration(type: string, name: string, inputs: Props): Registration {
    const options = {
      protect: false,
      deleteBeforeReplace: false,
      retainOnDelete: false,
      ignoreChanges: [],
      replaceOnChanges: [],
      additionalSecretOutputs: [],
    };
    const urn = `urn:pulumi:dev::in-process::${type}::${name}`;
    return { urn, type, name, inputs, secretKeys: [], dependencies: [], options };
  }

  /** The live resource named `name`, of any type. */
  live(name: string): ResourceState | undefined {
    return this.resources.find((r) => r.name === name && !r.pendingDelete);
  }

  /** Old copies of replacements whose delete has not succeeded yet. */
  pending(): ResourceState[] {
    return this.resources.filter((r) => r.pendingDelete);
  }

  /** Deploys one declared resource: the step the engine takes for it. Throws what failed. */
  async up(type: string, name: string, inputs: Props): Promise<StepResult> {
    const result = await this.steps(false).register(this.registration(type, name, inputs));
    await this.deletePending();
    return result;
  }

  /** What deploying `inputs` now would do (Check and Diff only). */
  preview(type: string, name: string, inputs: Props): Promise<StepResult> {
    return this.steps(true).register(this.registration(type, name, inputs));
  }

  /** Deletes the resource named `name`, which the program no longer declares; a failure keeps it. */
  async destroy(name: string): Promise<boolean> {
    const live = this.live(name);
    if (live) await this.steps(false).remove(live);
    return live !== undefined;
  }

  /** Refreshes the resource named `name` from its API. */
  async refresh(name: string): Promise<RefreshResult | undefined> {
    const live = this.live(name);
    return live && this.steps(false).refresh(live);
  }

  /** Deletes old copies of replacements; those whose delete fails stay for the next deployment. */
  async deletePending(): Promise<void> {
    const steps = this.steps(false);
    for (const entry of this.pending()) await steps.remove(entry).catch(() => undefined);
  }
}
