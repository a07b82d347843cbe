/**
 * The provider the plugin serves: every call goes to the kit's provider object of the resource its URN names,
 * the same object a dynamic resource runs, with secrets unwrapped on the way in and wrapped on the way out
 * (see ./secrets). Nothing here decides anything about a resource: check, diff and the lifecycle steps are the
 * kit's, and the detailed diff is what the kit's diff decided for each argument.
 */
import type * as pulumiProvider from "@pulumi/pulumi/provider";
import { type Props, verdictsOf } from "../kit/resource";
import { closestName } from "../kit/check";
import { configureAll, inPluginTerms, isKnownKey, PLUGIN_SETTINGS } from "./config";
import { type PluginResource, resourceOf } from "./resources";
import { protect, reveal, unwrap } from "./secrets";

/** How one property changes, as the engine's detailed diff names it. */
export type PropertyChange =
  "add" | "add-replace" | "delete" | "delete-replace" | "update" | "update-replace";

/** A diff with the change of each property. */
export interface DetailedDiff {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
  detailedDiff: Record<string, PropertyChange>;
}

/** The answer to CheckConfig: the inputs as given, or a failure per unknown or unusable key. */
export interface ConfigCheck {
  failures: Array<{ property: string; reason: string }>;
}

/** The keys of `props` to return as secrets: the class's secret arguments and every key that came in secret. */
function secretKeys(resource: PluginResource, ...sources: Set<string>[]): Set<string> {
  return new Set([...resource.secrets, ...sources.flatMap((s) => [...s])]);
}

/** Whether `props` has `field`; a value read from `valueFrom` is the same argument as a declared `value`. */
function present(props: Props, field: string): boolean {
  return props[field] !== undefined || (field === "value" && props.valueFrom !== undefined);
}

/** Runs `step`; its failure is rethrown with the message in the plugin's terms (its config keys). */
async function inTerms<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw new Error(inPluginTerms(error instanceof Error ? error.message : String(error)));
  }
}

/** The secretstack provider: the five kit providers behind one schema. */
export class SecretstackProvider implements pulumiProvider.Provider {
  constructor(
    /** The plugin's version (the package's). */
    readonly version: string,
    private readonly schemaText: () => Promise<string>,
  ) {}

  /** The package schema (generated from the zod schemas at build time). */
  getSchema(): Promise<string> {
    return this.schemaText();
  }

  /** Unknown keys in the provider's configuration fail, each naming the closest known key. */
  checkConfig(news: Props): ConfigCheck {
    const failures: ConfigCheck["failures"] = [];
    const known = PLUGIN_SETTINGS.map((s) => s.key);
    for (const [key, value] of Object.entries(news)) {
      if (!isKnownKey(key)) {
        const closest = closestName(key, known);
        failures.push({
          property: key,
          reason:
            `secretstack:${key} is not a setting of the secretstack provider` +
            (closest === undefined
              ? ` (its settings: ${known.join(", ")})`
              : `; did you mean secretstack:${closest}?`),
        });
        continue;
      }
      const plain = reveal(value);
      if (
        PLUGIN_SETTINGS.some((s) => s.key === key) &&
        typeof plain !== "string" &&
        typeof plain !== "number"
      ) {
        failures.push({ property: key, reason: `secretstack:${key} must be a string` });
      }
    }
    return { failures };
  }

  /** A change of configuration never replaces the provider (nor, through it, every resource): an update. */
  diffConfig(olds: Props, news: Props): { changes: boolean; diffs: string[] } {
    const a = reveal(olds) as Props;
    const b = reveal(news) as Props;
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    const diffs = [...keys].filter((k) => k !== "version" && JSON.stringify(a[k]) !== JSON.stringify(b[k]));
    return { changes: diffs.length > 0, diffs };
  }

  /** Records the configuration (by provider key, see ./config) as every resource's stack config. */
  async configure(settings: ReadonlyMap<string, string>): Promise<void> {
    await configureAll(settings);
  }

  /** The kit's check; the inputs come back with their secrets wrapped. */
  async check(urn: string, olds: Props, news: Props): Promise<pulumiProvider.CheckResult> {
    const resource = resourceOf(urn);
    const given = unwrap(news);
    const result = await inTerms(() => resource.provider.check(unwrap(olds).plain, given.plain));
    if (result.failures !== undefined && result.failures.length > 0) {
      return { failures: result.failures.map((f) => ({ ...f, reason: inPluginTerms(f.reason) })) };
    }
    return { inputs: protect(result.inputs ?? {}, secretKeys(resource, given.secretKeys)) };
  }

  /** The kit's diff, with its verdict on each argument as the detailed diff. */
  async diff(id: string, urn: string, olds: Props, news: Props): Promise<DetailedDiff> {
    const resource = resourceOf(urn);
    const before = unwrap(olds).plain;
    const after = unwrap(news).plain;
    const summary = await inTerms(() => resource.provider.diff(id, before, after));
    const detailedDiff: Record<string, PropertyChange> = {};
    for (const [field, change] of Object.entries(verdictsOf(summary) ?? {})) {
      const kind = !present(before, field) ? "add" : !present(after, field) ? "delete" : "update";
      detailedDiff[field] = change === "replace" ? `${kind}-replace` : kind;
    }
    return {
      changes: summary.changes === true,
      replaces: summary.replaces ?? [],
      deleteBeforeReplace: summary.deleteBeforeReplace === true,
      detailedDiff,
    };
  }

  /** The kit's create; the outputs come back with their secrets wrapped. */
  async create(urn: string, inputs: Props): Promise<pulumiProvider.CreateResult> {
    const resource = resourceOf(urn);
    const given = unwrap(inputs);
    const { id, outs } = await inTerms(() => resource.provider.create(given.plain));
    return { id, outs: protect(outs, secretKeys(resource, given.secretKeys)) };
  }

  /** The kit's read (refresh, import); the state and the inputs come back with their secrets wrapped. */
  async read(id: string, urn: string, props: Props = {}): Promise<pulumiProvider.ReadResult> {
    const resource = resourceOf(urn);
    const stored = unwrap(props);
    const result = await inTerms(() => resource.provider.read(id, stored.plain));
    const keys = secretKeys(resource, stored.secretKeys);
    return {
      id: result.id,
      props: protect(result.props, keys),
      ...(result.inputs === undefined ? {} : { inputs: protect(result.inputs, keys) }),
    };
  }

  /** The kit's update; the outputs come back with their secrets wrapped. */
  async update(id: string, urn: string, olds: Props, news: Props): Promise<pulumiProvider.UpdateResult> {
    const resource = resourceOf(urn);
    const before = unwrap(olds);
    const after = unwrap(news);
    const { outs } = await inTerms(() => resource.provider.update(id, before.plain, after.plain));
    return { outs: protect(outs, secretKeys(resource, before.secretKeys, after.secretKeys)) };
  }

  /** The kit's delete. */
  async delete(id: string, urn: string, props: Props): Promise<void> {
    const resource = resourceOf(urn);
    await inTerms(() => resource.provider.delete(id, unwrap(props).plain));
  }
}
