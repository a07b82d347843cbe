/**
 * Strict validation of TensorDock resource inputs for `check`: one zod schema per argument, failures that
 * name the property and say what to do, and values still unknown at preview passed through untouched.
 */
import { z } from "zod";
import { type CheckFailure, isUnknown, nameProblem, UNKNOWN, unknownArgument, zodFailures } from "../kit";
import { connectionSchema } from "./connection";
import { parseOpenSshPublicKey } from "./publicKey";

/** Longest name the API accepts, in characters. */
export const NAME_MAX_CHARS = 255;

/** Largest value the API accepts, in UTF-8 bytes. */
export const VALUE_MAX_BYTES = 64 * 1024;

/** The secret name: 1–255 characters, no control characters. */
export const nameSchema = z
  .string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") })
  .refine((s) => s.length > 0, "must not be empty: give the secret a name (1 to 255 characters)")
  .superRefine((s, ctx) => {
    const problem = s.length > 0 ? nameProblem(s) : undefined;
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
  })
  .refine((s) => [...s].length <= NAME_MAX_CHARS, `must be at most ${NAME_MAX_CHARS} characters`)
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), "must not contain control characters (newlines, tabs)");

/** The public key, normalized to one canonical line. */
export const publicKeySchema = z
  .string({
    error: (issue) =>
      issue.input === undefined
        ? "is required: an OpenSSH public key on one line (the .pub file)"
        : "must be a string",
  })
  .transform((text, ctx) => {
    const parsed = parseOpenSshPublicKey(text);
    if (!parsed.ok) {
      ctx.addIssue({ code: "custom", message: parsed.reason });
      return z.NEVER;
    }
    return parsed.key.line;
  });

/** A generic secret's value: 1 byte to 64 KiB. */
export const valueSchema = z
  .string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") })
  .refine((s) => s.length > 0, "must not be empty")
  .refine(
    (s) => Buffer.byteLength(s, "utf8") <= VALUE_MAX_BYTES,
    `must be at most ${VALUE_MAX_BYTES} bytes (64 KiB) in UTF-8`,
  );

/** A generic secret's type; SSH keys have their own resource. */
export const secretTypeSchema = z.enum(["GENERIC", "SECRET"], {
  error: 'must be "GENERIC" or "SECRET" (SSH keys are declared with tensordock.SshKey)',
});

/** The result of {@link checkArgs}. */
export interface CheckedArgs {
  inputs: Record<string, unknown>;
  failures: CheckFailure[];
}

function prefixed(failures: CheckFailure[], prefix: string): CheckFailure[] {
  return failures.map((f) => ({
    property: f.property === "(inputs)" ? prefix : `${prefix}.${f.property}`,
    reason: f.reason,
  }));
}

/** Checks `connection`, letting any unknown field (or the whole object) through. */
function checkConnection(value: unknown): { value: unknown; failures: CheckFailure[] } {
  if (value === undefined || isUnknown(value)) return { value, failures: [] };
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return {
      value,
      failures: [{ property: "connection", reason: "must be an object { apiToken?, baseUrl? }" }],
    };
  }
  const known: Record<string, unknown> = {};
  const unknown: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (isUnknown(v)) unknown[k] = v;
    else if (v !== undefined) known[k] = v;
  }
  const parsed = connectionSchema.safeParse(known);
  if (!parsed.success)
    return { value, failures: prefixed(unknownKeyFailures(parsed.error, "the connection"), "connection") };
  return { value: { ...parsed.data, ...unknown }, failures: [] };
}

/** zod failures, with each unrecognized key reported under its own name. */
function unknownKeyFailures(error: z.ZodError, what: string): CheckFailure[] {
  const failures: CheckFailure[] = [];
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        failures.push({
          property: [...issue.path.map(String), key].join("."),
          reason: unknownArgument(key, Object.keys(connectionSchema.shape), what),
        });
      }
    } else {
      failures.push(...zodFailures(new z.ZodError([issue])));
    }
  }
  return failures;
}

/**
 * Validates `news` against one schema per argument. Unknown values (preview) are kept as they are,
 * `connection` is checked field by field, `__provider` is left to the host, and any other key fails.
 */
export function checkArgs(
  news: Record<string, unknown>,
  args: Record<string, z.ZodType>,
  resource: string,
): CheckedArgs {
  const inputs: Record<string, unknown> = {};
  const failures: CheckFailure[] = [];
  for (const [key, schema] of Object.entries(args)) {
    const value = news[key];
    if (isUnknown(value)) {
      inputs[key] = UNKNOWN;
      continue;
    }
    const parsed = schema.safeParse(value);
    if (parsed.success) {
      if (parsed.data !== undefined) inputs[key] = parsed.data;
    } else {
      failures.push(...prefixed(zodFailures(parsed.error), key));
    }
  }
  const connection = checkConnection(news.connection);
  failures.push(...connection.failures);
  if (connection.value !== undefined) inputs.connection = connection.value;
  for (const key of Object.keys(news)) {
    // Own keys only: `in` would also find Object.prototype members, letting `constructor` or `__proto__` pass.
    if (key === "__provider" || key === "connection" || Object.hasOwn(args, key)) continue;
    if (news[key] === undefined) continue;
    failures.push({
      property: key,
      reason: unknownArgument(key, [...Object.keys(args), "connection"], resource),
    });
  }
  return { inputs, failures };
}
