/**
 * One way to declare the class a program instantiates for a resource: every argument given reaches `check`
 * (which names an unknown one), the secret arguments are wrapped and their outputs marked secret, the
 * output-only keys are registered empty, and the class exposes each stored output with its type from the
 * resource's outputs type, so no resource writes its outputs twice.
 */
import * as pulumi from "@pulumi/pulumi";

/** How a resource class registers its resource; see {@link resourceClass}. */
export interface ResourceClassSpec<A> {
  /** The provider object as its `*.provider` module exports it (Pulumi serializes it as that `require()`). */
  provider: pulumi.dynamic.ResourceProvider;
  /** The resource type, `<module>:<Type>`, e.g. `netactuate:SecretValue`. */
  type: string;
  /** Arguments always kept secret, in state and in outputs. */
  secrets: ReadonlyArray<keyof A & string>;
  /** Keys registered as outputs only, besides `schemaVersion` (e.g. a derived `reference`). */
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
  const [module, type] = spec.type.split(":");
  class Declared extends pulumi.dynamic.Resource {
    constructor(name: string, args: A, opts?: pulumi.CustomResourceOptions) {
      const props: Record<string, unknown> = { ...(args as object), ...spec.claim?.(name, args) };
      for (const key of spec.secrets) if (props[key] !== undefined) props[key] = pulumi.secret(props[key]);
      for (const key of [...(spec.outputOnly ?? []), "schemaVersion"]) props[key] = undefined;
      const secret = { additionalSecretOutputs: [...spec.secrets] };
      super(spec.provider, name, props, pulumi.mergeOptions(opts, secret), module, type);
    }
  }
  return Declared as unknown as ResourceClass<A, O>;
}
