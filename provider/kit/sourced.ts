/**
 * The `value` argument's rule for resources whose value may instead come from `valueFrom` (see ./valueFrom):
 * written once here, used by the kit's `check`, `diff`, `create`, `read` and `update` of any resource that
 * declares it.
 *
 * - `check` reads the source, validates what it read as the resource's `value`, and replaces it in the
 *   inputs by its fingerprint (`valueFingerprint`): the value is never an input, an output or in the state.
 * - `diff` compares fingerprints (no request, no value), so a changed source shows at preview; moving between
 *   `value` and `valueFrom` is an update; a new `valueVersion` sends the value again.
 * - `create` and `update` read the source again and pass the value to the resource's API call only; what they
 *   return is stripped of it.
 * - `read` fingerprints the value the API returns (with the resource's own salt), so a value changed outside
 *   Pulumi shows as drift on refresh without being stored; `refresh` and `destroy` never read the source.
 */
import { z } from "zod";
import { isUnknown, orUnknown } from "./check";
import { fingerprint, readValue, saltOf, sourceName, ValueSourceError, valueFromSchema } from "./valueFrom";

/** What a change of the value means for a resource: another object, or a change in place. */
export type ValueChange = "replace" | "update";

/** The sourced field's companions, stored beside the other outputs. */
export const SOURCED_KEYS = ["valueFrom", "valueFingerprint", "valueVersion"] as const;

/** A number or text whose change sends the value again (as `*_wo_version` does in Terraform). */
const valueVersionSchema = z.union([z.number(), z.string()], {
  error: "must be a number or a string (change it to send the value again)",
});

/**
 * The arguments of a resource whose value may come from a source: `value` (its own schema, made optional),
 * `valueFrom` and `valueVersion`. Spread into the resource's strict input object.
 */
export function valueArguments<T extends z.ZodType>(value: T) {
  return {
    value: orUnknown(value).optional(),
    valueFrom: orUnknown(valueFromSchema)
      .optional()
      .describe(
        "Where the value is read at deploy time, instead of value: { env: NAME } or { file: path }. The state " +
          "keeps a salted fingerprint of it, never the value.",
      ),
    valueVersion: orUnknown(valueVersionSchema)
      .optional()
      .describe("A number or text whose change sends the value again."),
  };
}

/** The outputs that record a sourced value without holding it. */
export const sourcedOutputs = {
  /** Where the value is read from, when it is not declared (`{ env }` or `{ file }`). */
  valueFrom: valueFromSchema.optional().describe("Where the value is read from, when it is not declared."),
  /** The fingerprint of the value read from `valueFrom` (scrypt, salted; never the value). */
  valueFingerprint: z
    .string()
    .optional()
    .describe("The salted scrypt fingerprint of the value read from valueFrom (never the value)."),
  /** The `valueVersion` last applied. */
  valueVersion: valueVersionSchema.optional().describe("The valueVersion last applied."),
};

type Props = Record<string, unknown>;

/** True when a value, or any member of it, is still unknown at preview. */
function unknownWithin(v: unknown): boolean {
  return isUnknown(v) || (v !== null && typeof v === "object" && Object.values(v).some(unknownWithin));
}

/** True when the props declare their value through `valueFrom`. */
const sourced = (props: Props) => props.valueFrom !== undefined;

/** The companions of a stored state (from the raw props, whatever the resource's upgrade keeps). */
export function sourcedState(props: Props): Props {
  const out: Props = {};
  for (const key of SOURCED_KEYS) if (props[key] !== undefined) out[key] = props[key];
  return out;
}

/** How `check` treats the sourced value of one resource. */
export interface SourcedCheck {
  /** The inputs schema, to validate what a source holds as the resource's `value`. */
  inputs: z.ZodType;
  /** Whether neither `value` nor `valueFrom` may be given, judged from the previous inputs (an import's). */
  optional?: (olds: Props) => boolean;
}

/**
 * Checks `value` against `valueFrom` (exactly one, unless `optional`), reads the source, validates its value as
 * `value`, and returns the inputs with its fingerprint in place of the value, or the failures.
 */
export async function checkSourced(
  args: Props,
  olds: Props,
  spec: SourcedCheck,
): Promise<{ inputs: Props } | { failures: Array<{ property: string; reason: string }> }> {
  const from = args.valueFrom;
  if (args.value !== undefined && from !== undefined) {
    return {
      failures: [
        {
          property: "valueFrom",
          reason:
            "set either value or valueFrom, not both: valueFrom reads the value from an environment variable " +
            "or a file at deploy time, so that it never enters the program or the state",
        },
      ],
    };
  }
  if (args.value === undefined && from === undefined) {
    if (spec.optional?.(olds) === true) return { inputs: args };
    return {
      failures: [
        {
          property: "value",
          reason:
            'is required: set value, or valueFrom: { env: "NAME" } or { file: "path" } to have the provider ' +
            "read it at deploy time without it entering the state",
        },
      ],
    };
  }
  if (from === undefined || unknownWithin(from)) return { inputs: args };
  const source = from as { env?: string; file?: string };
  let value: string;
  try {
    value = await readValue(source);
  } catch (error) {
    if (!(error instanceof ValueSourceError)) throw error;
    return { failures: [{ property: "valueFrom", reason: error.message }] };
  }
  // What the source holds must pass the value's own rules; the messages never quote the input.
  const parsed = spec.inputs.safeParse({ ...args, valueFrom: undefined, value });
  const problems = parsed.success ? [] : parsed.error.issues.filter((i) => i.path[0] === "value");
  if (problems.length > 0) {
    return {
      failures: problems.map((i) => ({
        property: "valueFrom",
        reason: `the value of ${sourceName(source)}: ${i.message}`,
      })),
    };
  }
  return { inputs: { ...args, valueFingerprint: await fingerprint(value, saltOf(olds.valueFingerprint)) } };
}

/**
 * The verdict on the value between the stored state and checked inputs: with a source on both sides the
 * fingerprints decide; moving between `value` and `valueFrom` is an update when both hold the same value (the
 * stored fingerprint's salt proves it) and `change` otherwise; a new `valueVersion` is `change`. `plain` is the
 * resource's own rule when neither side has a source.
 */
export async function sourcedVerdict(
  stored: Props,
  next: Props,
  change: ValueChange,
  plain: () => ValueChange | "same",
): Promise<ValueChange | "same"> {
  const version = JSON.stringify(stored.valueVersion) === JSON.stringify(next.valueVersion);
  if (isUnknown(next.valueVersion) || !version) return change;
  const [was, now] = [stored.valueFingerprint, next.valueFingerprint];
  if (!sourced(next) && was === undefined) return plain();
  if (sourced(next) && unknownWithin(next.valueFrom)) return change;
  if (sourced(next) && was !== undefined) return was === now ? "same" : change;
  if (sourced(next)) {
    // From value to valueFrom: the same value needs no new object.
    if (typeof stored.value !== "string") return "update";
    return (await fingerprint(stored.value, saltOf(now))) === now ? "update" : change;
  }
  // From valueFrom to value.
  if (typeof next.value !== "string") return change;
  return (await fingerprint(next.value, saltOf(was))) === was ? "update" : change;
}

/**
 * The inputs of a create or update with the value read from its source (and the fingerprint of what was read),
 * or unchanged when the value is declared. The value is read here, inside the provider, and goes only to the
 * API call.
 */
export async function withSourcedValue<I extends Props>(args: I): Promise<{ args: I; print?: string }> {
  if (!sourced(args)) return { args };
  const from = args.valueFrom as { env?: string; file?: string };
  const value = await readValue(from);
  const print = await fingerprint(value, saltOf(args.valueFingerprint));
  return { args: { ...args, value }, print };
}

/**
 * Outputs as state keeps them: with a source, without the value and with the fingerprint (of `print`, or of the
 * value the API returned, salted as the stored one); the companions as the inputs give them.
 */
export async function storedOutputs(outs: Props, inputs: Props, print?: string): Promise<Props> {
  const { value, ...rest } = outs;
  const kept: Props = { ...rest, ...sourcedState(inputs) };
  if (!sourced(inputs)) return value === undefined ? kept : { ...kept, value };
  if (print !== undefined) kept.valueFingerprint = print;
  else if (typeof value === "string") {
    kept.valueFingerprint = await fingerprint(value, saltOf(inputs.valueFingerprint));
  }
  return kept;
}

/**
 * The value a create or update sends: declared, or read from `valueFrom` by the kit before the call. Absent only
 * for a resource that may have none (an import's), which must not reach a call that sends one.
 */
export function valueToSend(args: { value?: unknown }): string {
  if (typeof args.value !== "string") {
    throw new Error("value is required: set value, or valueFrom to read it from a variable or a file");
  }
  return args.value;
}
