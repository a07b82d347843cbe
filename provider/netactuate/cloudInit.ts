/**
 * The cloud-init helper: checks that every `${{secret.KEY}}` in a script is declared by one of the given
 * SecretValue resources and returns the script unchanged (or base64). It never substitutes a value:
 * NetActuate resolves the references server-side when it builds the VM, so values stay out of the script,
 * the state and the VM build request.
 */
import * as pulumi from "@pulumi/pulumi";
import { declaredKeyOf } from "./keyRegistry";
import type { SecretValue } from "./secretValue";

/** Options of {@link cloudInit}. */
export interface CloudInitOptions {
  /** Return the script base64-encoded (UTF-8), as the VM build request's `script_content` may require. @default false */
  base64?: boolean;
}

/** A well-formed reference: `${{secret.KEY}}`, case-sensitive, no spaces. */
const REFERENCE = /\$\{\{secret\.([A-Za-z0-9_.-]{1,128})\}\}/g;
/** Anything that looks like a secret reference, well-formed or not. */
const LOOKS_LIKE_REFERENCE = /\$\{\{\s*secret\s*\.[^}]*\}\}/gi;
/** One whole well-formed reference. */
const EXACT_REFERENCE = new RegExp(`^${REFERENCE.source}$`);

/** The keys a script references, in order of first appearance. */
export function referencedKeys(script: string): string[] {
  return [...new Set([...script.matchAll(REFERENCE)].map((m) => m[1] as string))];
}

/**
 * Checks a script against the declared keys; returns the problems (empty when the script is sound). Pure,
 * so the rules are tested without a Pulumi program.
 */
export function cloudInitProblems(script: string, declaredKeys: readonly string[]): string[] {
  const problems: string[] = [];
  for (const match of script.matchAll(LOOKS_LIKE_REFERENCE)) {
    if (!EXACT_REFERENCE.test(match[0])) {
      problems.push(
        `${match[0]} is not a valid secret reference: write \${{secret.KEY}} exactly (case-sensitive, no spaces)`,
      );
    }
  }
  const known = new Set(declaredKeys);
  for (const key of referencedKeys(script)) {
    if (!known.has(key)) {
      problems.push(
        `\${{secret.${key}}} references key "${key}", which no SecretValue given to cloudInit declares; ` +
          "pass the SecretValue that holds it (NetActuate would fail the VM build otherwise)",
      );
    }
  }
  return problems;
}

/**
 * Returns the cloud-init script for a VM build: the template unchanged (or base64), depending on the given
 * SecretValue resources so the VM is built after them. Fails at preview when the script references a key
 * that none of them declares, or holds a malformed reference.
 */
export function cloudInit(
  template: pulumi.Input<string>,
  values: readonly SecretValue[],
  options: CloudInitOptions = {},
): pulumi.Output<string> {
  const keys = values.map((value) => declaredKeyOf(value) ?? value.key);
  // URNs are known at preview (ids are not), so the check runs at preview and the result still depends on
  // every SecretValue.
  const urns = values.map((value) => value.urn);
  return pulumi
    .all([pulumi.output(template), pulumi.all(keys), pulumi.all(urns)])
    .apply(([script, declared]) => {
      const problems = cloudInitProblems(script, declared);
      if (problems.length > 0) throw new Error(`netactuate.cloudInit: ${problems.join("; ")}`);
      return options.base64 === true ? Buffer.from(script, "utf8").toString("base64") : script;
    });
}
