/**
 * One way to declare the class a program instantiates for a resource: every argument given reaches `check`
 * (which names an unknown one, a typo from JavaScript or YAML config), the secret arguments are wrapped and
 * their outputs marked secret, the output-only keys (and the schema version) are registered empty so that the
 * engine records them. Imported by the resource classes directly, never through the kit's index, so provider
 * modules do not load `@pulumi/pulumi` for it.
 */
import * as pulumi from "@pulumi/pulumi";
import { definitionOf } from "./resource";

/** How a resource class registers its resource; see {@link resourceClass}. */
export interface ResourceClassSpec<A> {
  /**
   * The provider object as its `*.provider` module exports it (Pulumi serializes it as that `require()`); its
   * definition gives the resource type and the arguments always kept secret.
   */
  provider: pulumi.dynamic.ResourceProvider;
  /**
   * Outputs no argument may set (a derived `reference`), or optional arguments the provider resolves (a
   * `tenantId` from config): registered even when absent, besides `schemaVersion`.
   */
  outputOnly?: readonly string[];
  /** Arguments replaced before registration, e.g. an identity gated on its claim (see ./claims). */
  claim?(name: string, args: A): Partial<Record<keyof A & string, pulumi.Input<unknown>>>;
}

/** The class of a resource: constructed from its name, arguments and options, exposing every output. */
export type ResourceClass<A, O> = new (
  name: string,
  args: A,
  opts?: pulumi.CustomResourceOptions,
) => pulumi.dynamic.Resource & { readonly [K in keyof O]-?: pulumi.Output<O[K]> };

/** The base class of a resource whose arguments are `A` and whose stored outputs are `O`. */
export function resourceClass<A extends object, O extends object>(
  spec: ResourceClassSpec<A>,
): ResourceClass<A, O> {
  const definition = definitionOf(spec.provider);
  if (definition === undefined) throw new Error("a resource class needs a provider made by defineResource");
  const { secrets } = definition;
  const [module, type] = definition.type.split(":");
  class Declared extends pulumi.dynamic.Resource {
    constructor(name: string, args: A, opts?: pulumi.CustomResourceOptions) {
      const props: Record<string, unknown> = { ...(args as object), ...spec.claim?.(name, args) };
      for (const key of secrets) if (props[key] !== undefined) props[key] = pulumi.secret(props[key]);
      // Registered even when no argument sets them, so the engine records them (an output-only key given as an
      // argument stays, and check drops it).
      for (const key of [...secrets, ...(spec.outputOnly ?? []), "schemaVersion"]) props[key] ??= undefined;
      const secret = pulumi.mergeOptions(opts, { additionalSecretOutputs: [...secrets] });
      super(spec.provider, name, props, secret, module, type);
    }
  }
  return Declared as unknown as ResourceClass<A, O>;
}

/** The documented fields of a value that may be declared or read from a source (see {@link ValueOrSource}). */
interface ValueFields {
  /** The value; always secret in state and outputs. */
  value: pulumi.Input<string>;
  /**
   * Where the provider reads the value at deploy time instead: `{ env: "HF_TOKEN" }` (a variable of the
   * environment the Pulumi CLI runs in) or `{ file: "secrets/hf.txt" }` (relative to the program's directory;
   * one trailing line break removed). The value then never enters the program, the state or any output; the
   * state keeps a salted scrypt fingerprint, so a changed value still shows at preview.
   */
  valueFrom: pulumi.Input<{ env: string } | { file: string }>;
  /** Change it to send the value again with nothing else changed (a rotated value the source already holds). */
  valueVersion?: pulumi.Input<number | string>;
}

/** Exactly one of `value` and `valueFrom`, with an optional `valueVersion`. */
export type ValueOrSource =
  | (Omit<ValueFields, "valueFrom"> & { valueFrom?: undefined })
  | (Omit<ValueFields, "value"> & { value?: undefined });
