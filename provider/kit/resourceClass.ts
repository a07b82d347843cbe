/**
 * What every resource class does in its constructor, once: it registers every argument given (so that check
 * names an unknown one, a typo from JavaScript or YAML config), wraps the secret ones as secrets, and registers
 * each output-only key (and the schema version) as `undefined` so that the engine records it; the options keep
 * the secret ones secret in the outputs too.
 */
import * as pulumi from "@pulumi/pulumi";

/** The props and options a resource class passes to `pulumi.dynamic.Resource`, after the provider and name. */
export function registration(
  args: object,
  opts: pulumi.CustomResourceOptions | undefined,
  spec: { secret: readonly string[]; outputOnly?: readonly string[] },
): [pulumi.Inputs, pulumi.CustomResourceOptions] {
  const props: Record<string, unknown> = { ...args };
  for (const key of spec.secret) if (props[key] !== undefined) props[key] = pulumi.secret(props[key]);
  for (const key of [...(spec.outputOnly ?? []), "schemaVersion"]) props[key] = undefined;
  return [props, pulumi.mergeOptions(opts, { additionalSecretOutputs: [...spec.secret] })];
}
