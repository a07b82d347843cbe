/**
 * One way to define a resource. A definition says what is true of one resource — its arguments (a strict zod
 * object), how a change to each argument is applied, how to read its state of any version, who it is in
 * messages, and its API calls — and {@link defineResource} turns it into the dynamic provider object Pulumi
 * runs. The kit owns everything else, once for every resource:
 *
 * - `configure` records the stack config of every API's settings (never throws: the host never retries a failed configure);
 * - `check` parses strictly (an unknown argument named, with the closest valid one), drops what the resource
 *   class registers as outputs only, and returns compact inputs; values unknown at preview pass;
 * - `diff` is pure and follows the declared rule of each argument; an argument unknown at preview is a change;
 * - `create`, `read`, `update` and `delete` run as one step each, so every failure reads
 *   `<action> <type> <subject>: <reason>`; `read` returns an empty id when the object is gone and the inputs
 *   that would recreate it; `delete` treats not-found as done; every output carries the schema version.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { NotFoundError } from "../../sdk/core";
import { argumentNames, type CheckFailure, isUnknown, zodFailures } from "./check";
import { asWrite } from "./coalesce";
import { type ConfigureRequest, recordConfig } from "./config";
import { step } from "./errors";
import { configKeys } from "./settings";
import { compact, SCHEMA_VERSION, schemaVersionOf } from "./outputs";
import {
  checkSourced,
  sourcedState,
  sourcedVerdict,
  storedOutputs,
  type ValueChange,
  withSourcedValue,
} from "./sourced";

/** Plain inputs or outputs as the dynamic-provider host passes them. */
export type Props = Record<string, unknown>;

/** What a change of one argument means: another object (`replace`), or a change in place (`update`). */
export type Change = "replace" | "update";

/**
 * The rule of one argument in `diff`: `"replace"` or `"update"` when the stored and the new value differ
 * (compared as data; absent and `{}` are the same, an unknown value never is), the same with an equality of its
 * own (`{ change, same }`, e.g. two spellings of one instant), or a function deciding from the whole of the
 * stored state and new inputs. An argument without a rule (e.g. `adopt`) never makes a change.
 */
export type ChangeRule<I, O> =
  | Change
  | { change: Change; same: (stored: unknown, next: unknown) => boolean }
  | ((stored: O, next: I) => Change | "same");

/** The object a lifecycle call returns: the outputs without the schema version, which the kit adds. */
export type Written<O> = Omit<O, "schemaVersion">;

/** Everything that is true of one resource; see {@link defineResource}. */
export interface ResourceDefinition<I extends Props, O extends Props> {
  /** The resource type as messages name it: `walletcrew:TenantSecret`. */
  type: string;
  /** The arguments: a strict zod object whose fields accept the unknown sentinel (`orUnknown`). */
  inputs: z.ZodType;
  /** The stored outputs' shape (an object schema), which the provider plugin's schema publishes. */
  outputs?: z.ZodType;
  /** Keys the resource class registers as outputs only; they come back in `news` and are not arguments. */
  outputOnly?: readonly string[];
  /**
   * Checks what the schema cannot (a setting resolved from config, a date against the clock, a value that
   * only the previous inputs allow to be absent) and completes the inputs (defaults, resolved settings).
   */
  refine?(args: Props, olds: Props): { inputs: I } | { failures: CheckFailure[] };
  /** The rule of each argument in `diff`. */
  changes: { [K in keyof I & string]?: ChangeRule<I, O> };
  /**
   * Whether the `value` argument may come from `valueFrom` instead (see ./sourced: the value then never enters
   * the state), what a new value means (`change`), and whether a resource may have neither (an import's).
   */
  valueFrom?: { change: ValueChange; optional?: (olds: Props) => boolean };
  /** Whether a replacement deletes the old object first (a name or key that must stay unique). @default false */
  deleteBeforeReplace?: boolean | ((stored: O, next: I) => boolean);
  /** Reads stored outputs of any schema version into the current shape; `id` fills what they lack (import). */
  upgrade(props: Props, id?: string): O;
  /** Who the object is in messages, e.g. `"hf-token"` or `demo/KEY`; `id` when nothing else is known. */
  subject(state: Partial<I> | Partial<O>, id?: string): string;
  /** Creates the object (or adopts the one provably its own); a failed create leaves nothing behind. */
  create(inputs: I): Promise<{ id: string; outs: Written<O> }>;
  /** The object as it is now, or `undefined` when it is gone; `stored` is empty for an import. */
  read(id: string, stored: O, imported: boolean): Promise<Written<O> | undefined>;
  /** Applies an in-place change. */
  update(id: string, stored: O, next: I): Promise<Written<O>>;
  /** Deletes the object; a not-found error is done, not a failure. */
  delete(id: string, stored: O): Promise<void>;
}

/**
 * The arguments always kept secret, in state and in outputs, by the resource class and the provider plugin: the
 * credentials (`connection`) and the value, wherever a resource has them. One rule, so no resource can forget it.
 */
const SECRET_ARGUMENTS = ["value", "connection"];

/** A definition as the kit completed it: with the arguments it keeps secret. */
export type Defined<I extends Props, O extends Props> = ResourceDefinition<I, O> & {
  secrets: readonly string[];
};

/** The provider object of a resource, as the dynamic-provider host calls it. */
export interface KitProvider<O extends Props> {
  configure(req: ConfigureRequest): Promise<void>;
  check(olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult<Props>>;
  diff(id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult>;
  create(inputs: Props): Promise<{ id: string; outs: O }>;
  /** `id` is empty, and `props` empty, when the object is gone. */
  read(id: string, props?: Props): Promise<{ id: string; props: Partial<O>; inputs?: Props }>;
  update(id: string, olds: Props, news: Props): Promise<{ outs: O }>;
  delete(id: string, props: Props): Promise<void>;
}

/** Keys the host or every resource class adds to inputs, which are never arguments. */
const HOST_KEYS = ["__provider", "schemaVersion", "id", "urn"];

/** True when two values are the same data: absent and `{}` alike, unknown never, object keys in any order. */
export function sameData(a: unknown, b: unknown): boolean {
  if (isUnknown(a) || isUnknown(b)) return false;
  const norm = (v: unknown): unknown => {
    if (v === null || typeof v !== "object") return v;
    if (Array.isArray(v)) return v.map(norm);
    const entries = Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .sort(([x], [y]) => (x < y ? -1 : 1));
    return entries.length === 0 ? undefined : Object.fromEntries(entries.map(([k, x]) => [k, norm(x)]));
  };
  const hasUnknown = (v: unknown): boolean =>
    isUnknown(v) || (v !== null && typeof v === "object" && Object.values(v).some(hasUnknown));
  if (hasUnknown(a) || hasUnknown(b)) return false;
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}

/** `news` without host keys, output-only keys and absent members; an own `__proto__` stays an argument. */
function argumentsOf(news: Props, outputOnly: readonly string[]): Props {
  const given: Props = {};
  for (const [k, v] of Object.entries(news)) {
    if (HOST_KEYS.includes(k) || outputOnly.includes(k) || v === undefined) continue;
    Object.defineProperty(given, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return given;
}

/** The verdict of one argument's rule. */
function verdict<I extends Props, O extends Props>(
  rule: ChangeRule<I, O>,
  field: string,
  stored: O,
  next: I,
): Change | "same" {
  if (typeof rule === "function") return rule(stored, next);
  const [change, same] = typeof rule === "string" ? [rule, sameData] : [rule.change, rule.same];
  const a = stored[field];
  const b = next[field];
  if (isUnknown(b)) return change;
  return same(a, b) ? "same" : change;
}

/** Turns a {@link ResourceDefinition} into the provider object the dynamic-provider host runs. */
export function defineResource<I extends Props, O extends Props>(
  def: ResourceDefinition<I, O>,
): KitProvider<O> {
  const display = def.type.replace(":", ".");
  const names = argumentNames(def.inputs);
  const versioned = (outs: Written<O>): O =>
    compact({ ...outs, schemaVersion: SCHEMA_VERSION } as Props) as O;
  const inputsOf = (outs: O): Props =>
    compact(Object.fromEntries(names.filter((k) => k in outs).map((k) => [k, outs[k]])));
  /** Stored outputs of any version, with the sourced value's companions whatever `upgrade` keeps. */
  const storedOf = (props: Props, id?: string): O => {
    // State written by a newer release may mean what this one cannot know: never acted on.
    const version = schemaVersionOf(props);
    if (version > SCHEMA_VERSION) {
      throw new Error(
        `the state of ${def.type} ${def.subject(props as Partial<O>, id)} was written by a newer pulumi-secretstack (schema ` +
          `${version}); upgrade the package`,
      );
    }
    const stored = { ...def.upgrade(props, id), ...sourcedState(props) } as Props;
    // A sourced value is never stored: whatever `upgrade` fills in for it is not the value.
    if (stored.valueFrom !== undefined) delete stored.value;
    return stored as O;
  };
  const context = (action: string, state: Partial<I> | Partial<O>, id?: string) =>
    `${action} ${def.type} ${def.subject(state, id)}`;

  const provider: KitProvider<O> = {
    /** Records the API's stack config; never throws and captures nothing. */
    async configure(req) {
      recordConfig(req, configKeys());
    },

    /** Validates and normalizes inputs without any network call; each failure names its property. */
    async check(olds, news) {
      const parsed = def.inputs.safeParse(argumentsOf(news, def.outputOnly ?? []));
      if (!parsed.success) return { failures: zodFailures(parsed.error, def.inputs, display) };
      let args = compact(parsed.data as Props);
      if (def.valueFrom !== undefined) {
        const sourced = await checkSourced(args, olds, { inputs: def.inputs, ...def.valueFrom });
        if ("failures" in sourced) return sourced;
        args = sourced.inputs;
      }
      if (def.refine === undefined) return { inputs: args };
      const refined = def.refine(args, olds);
      return "failures" in refined ? { failures: refined.failures } : { inputs: compact(refined.inputs) };
    },

    /** Pure: each argument's rule decides; replacing deletes first only where the definition says so. */
    async diff(id, olds, news) {
      const stored = storedOf(olds, id);
      const next = news as I;
      const replaces: string[] = [];
      let updates = false;
      const changed: Record<string, Change> = {};
      for (const [field, rule] of Object.entries(def.changes) as Array<[string, ChangeRule<I, O>]>) {
        const plain = () => verdict(rule, field, stored, next);
        const v =
          field === "value" && def.valueFrom !== undefined
            ? await sourcedVerdict(stored, next, def.valueFrom.change, plain)
            : plain();
        if (v !== "same") changed[field] = v;
        if (v === "replace") replaces.push(field);
        else if (v === "update") updates = true;
      }
      const first = def.deleteBeforeReplace;
      const deleteBeforeReplace =
        replaces.length > 0 && (typeof first === "function" ? first(stored, next) : first === true);
      const result = { changes: replaces.length > 0 || updates, replaces, deleteBeforeReplace };
      diffVerdicts.set(result, changed);
      return result;
    },

    /** A failed create leaves nothing behind (or says exactly what it could not remove). */
    async create(inputs) {
      const args = inputs as I;
      return step(context("creating", args), async () => {
        const { args: withValue, print } = await withSourcedValue(args);
        const { id, outs } = await asWrite(() => def.create(withValue));
        return { id, outs: versioned((await storedOutputs(outs, args, print)) as Written<O>) };
      });
    },

    /** The object as it is (drift shows), or an empty id when it is gone. */
    async read(id, props = {}) {
      const imported = Object.keys(argumentsOf(props, def.outputOnly ?? [])).length === 0;
      const stored = storedOf(props, id);
      return step(context("reading", imported ? {} : stored, id), async () => {
        const now = await def.read(id, stored, imported);
        if (now === undefined) return { id: "", props: {} };
        const outs = versioned((await storedOutputs(now, stored)) as Written<O>);
        // The fingerprint's salt goes back into the inputs, where the next check finds it.
        const print = outs.valueFingerprint === undefined ? {} : { valueFingerprint: outs.valueFingerprint };
        return { id, props: outs, inputs: { ...inputsOf(outs), ...print } };
      });
    },

    /** Applies an in-place change. */
    async update(id, olds, news) {
      const stored = storedOf(olds, id);
      return step(context("updating", stored, id), async () => {
        const { args: next, print } = await withSourcedValue(news as I);
        // The stored value is known again only where the fingerprints prove it the same, and is forgotten when
        // a new valueVersion asks for it to be sent again.
        const resend = JSON.stringify(stored.valueVersion) !== JSON.stringify(next.valueVersion);
        if (resend) delete (stored as Props).value;
        else if (print !== undefined && print === stored.valueFingerprint)
          (stored as Props).value = next.value;
        const outs = await asWrite(() => def.update(id, stored, next));
        return { outs: versioned((await storedOutputs(outs, news, print)) as Written<O>) };
      });
    },

    /** Deletes the object; one already gone counts as deleted. */
    async delete(id, props) {
      const stored = storedOf(props, id);
      await step(context("deleting", stored, id), async () => {
        try {
          await asWrite(() => def.delete(id, stored));
        } catch (error) {
          if (!(error instanceof NotFoundError)) throw error;
        }
      });
    },
  };
  const secrets = names.filter((name) => SECRET_ARGUMENTS.includes(name));
  definitions.set(provider, { ...def, secrets } as unknown as Defined<Props, Props>);
  return provider;
}

/** The verdict of each argument that changed, per result of `diff` (beside it: the result keeps its shape). */
const diffVerdicts = new WeakMap<object, Record<string, Change>>();

/** What `diff` decided for each argument that changed, for a result it returned (the plugin's detailed diff). */
export function verdictsOf(result: object): Readonly<Record<string, Change>> | undefined {
  return diffVerdicts.get(result);
}

/** The definition behind each provider object, kept beside it so the object itself stays as Pulumi serializes it. */
const definitions = new WeakMap<object, Defined<Props, Props>>();

/** The definition a provider object was made from (the provider plugin's schema and detailed diff read it). */
export function definitionOf(provider: object): Defined<Props, Props> | undefined {
  return definitions.get(provider);
}
