import { z } from "zod";

/** A check failure as the dynamic-provider host expects it. */
export interface CheckFailure {
  property: string;
  reason: string;
}

/** The result of a provider's `check`: normalized inputs or failures naming each property. */
export interface CheckResult<T> {
  inputs?: T;
  failures?: CheckFailure[];
}

/** The edit distance between two names (insertions, deletions, substitutions), case-insensitive. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let row = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const next = [i];
    for (let j = 1; j <= y.length; j++) {
      next[j] = Math.min(
        (row[j] ?? 0) + 1,
        (next[j - 1] ?? 0) + 1,
        (row[j - 1] ?? 0) + (x[i - 1] === y[j - 1] ? 0 : 1),
      );
    }
    row = next;
  }
  return row[y.length] ?? Math.max(x.length, y.length);
}

/** The known name a misspelled one most likely meant: within a third of its length in edits (at least 2). */
export function closestName(name: string, known: readonly string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d <= Math.max(2, Math.floor(candidate.length / 3)) && (best === undefined || d < best.d)) {
      best = { name: candidate, d };
    }
  }
  return best?.name;
}

/**
 * The reason of a check failure for an argument the resource does not have: names the resource and the
 * closest valid argument ("unknown argument `expiresAt` of walletcrew.TenantSecret; did you mean
 * `expiresOn`?"), or lists the valid ones when nothing is close.
 */
export function unknownArgument(key: string, known: readonly string[], resource: string): string {
  const closest = closestName(key, known);
  const hint =
    closest === undefined ? ` (its arguments: ${known.join(", ")})` : `; did you mean \`${closest}\`?`;
  return `unknown argument \`${key}\`: it is not an argument of ${resource}${hint}`;
}

/** The keys of the object schema at `path` inside `schema` (through optional, default, pipe and the like). */
function keysAt(schema: z.ZodType | undefined, path: readonly string[]): string[] {
  let def = (schema as { _zod?: { def?: Record<string, unknown> } } | undefined)?._zod?.def;
  for (let depth = 0; def !== undefined && depth < 20; depth++) {
    const inner = (def.innerType ?? def.in) as { _zod?: { def?: Record<string, unknown> } } | undefined;
    // An `orUnknown` field is a union with the sentinel: its object option has the keys.
    if (def.type === "union") return (def.options as z.ZodType[]).flatMap((o) => keysAt(o, path));
    if (def.type === "object") {
      const shape = def.shape as Record<string, z.ZodType>;
      if (path.length === 0) return Object.keys(shape);
      return keysAt(shape[path[0] ?? ""], path.slice(1));
    }
    def = inner?._zod?.def;
  }
  return [];
}

/** The argument names of a strict object schema (the top-level keys of `schema`). */
export function argumentNames(schema: z.ZodType): string[] {
  return keysAt(schema, []);
}

/** Accepts the engine's "not known until apply" sentinel in place of a value of `schema` (preview). */
export function orUnknown<T extends z.ZodType>(schema: T) {
  return z.union([z.literal(UNKNOWN), schema]);
}

/** `T` without the unknown sentinel in any field's type: arguments as `create` and `update` receive them. */
export type Known<T> = { [K in keyof T]: Exclude<T[K], typeof UNKNOWN> };

/**
 * The issues of the value's own schema when an {@link orUnknown} field fails: zod reports the union ("Invalid
 * input"), and the user needs the reason of the schema they meant ("is required", "must be an http(s) URL").
 */
function sentinelUnion(issue: z.core.$ZodIssue): z.core.$ZodIssue[] | undefined {
  if (issue.code !== "invalid_union") return undefined;
  const isSentinel = (i: z.core.$ZodIssue) => i.code === "invalid_value" && i.values.includes(UNKNOWN);
  const meant = issue.errors.filter((issues) => !issues.every(isSentinel));
  if (meant.length !== 1 || meant.length === issue.errors.length) return undefined;
  return (meant[0] ?? []).map((i) => ({ ...i, path: [...issue.path, ...i.path] }));
}

/**
 * Turns a zod error on resource inputs into check failures, one per issue, each naming the property path
 * (`connection.baseUrl`, `publicKey`). The reason is the schema's message, which never quotes the input.
 * An unknown argument (a strict object's unrecognized key) is named itself, one failure per key, with the
 * closest valid name from `schema` when one is close, so a typo points at what was meant.
 */
export function zodFailures(
  error: z.ZodError,
  schema?: z.ZodType,
  resource = "this resource",
): CheckFailure[] {
  return error.issues.flatMap(function failures(issue: z.core.$ZodIssue): CheckFailure[] {
    const inner = sentinelUnion(issue);
    if (inner !== undefined) return inner.flatMap(failures);
    const path = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
      const known = keysAt(schema, path);
      const where = path.length > 0 ? `${resource} ${path.join(".")}` : resource;
      return issue.keys.map((key) => ({
        property: [...path, key].join("."),
        reason: unknownArgument(key, known, where),
      }));
    }
    return [{ property: path.length > 0 ? path.join(".") : "(inputs)", reason: issue.message }];
  });
}

/**
 * The rule every name and key shares, whatever else its API asks: not empty once trimmed, and no leading or
 * trailing whitespace, which an API would keep (two names that look alike) or strip (a diff on every `up`).
 * `undefined` when the text passes, else the reason.
 */
export function nameProblem(text: string): string | undefined {
  if (text.trim() === "") return "must not be empty or only spaces";
  if (text.trim() !== text) return "must not start or end with spaces or other whitespace: remove them";
  return undefined;
}

/**
 * A name as every API takes it: required, not empty (`empty` says what to give), no leading or trailing
 * whitespace (see {@link nameProblem}), at most `maxChars` characters, no control characters.
 */
export function nameRule(o: { maxChars: number; empty: string }) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") })
    .superRefine((s, ctx) => {
      const problem =
        s === ""
          ? `must not be empty: ${o.empty}`
          : (nameProblem(s) ??
            ([...s].length > o.maxChars
              ? `must be at most ${o.maxChars} characters`
              : // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
                /[\u0000-\u001f\u007f]/.test(s)
                ? "must not contain control characters (newlines, tabs)"
                : undefined));
      if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
    });
}

/** A UTF-8 text of at most `maxBytes` bytes (said in KiB), and not empty unless `mayBeEmpty`. */
export function valueRule(o: { maxBytes: number; mayBeEmpty?: boolean }) {
  const text = z.string({ error: "must be a string" });
  return (o.mayBeEmpty ? text : text.min(1, "must not be empty")).refine(
    (s) => Buffer.byteLength(s, "utf8") <= o.maxBytes,
    `must be at most ${o.maxBytes / 1024} KiB (${o.maxBytes} bytes) in UTF-8`,
  );
}

/** True when a value is still unknown at preview (Pulumi sends this sentinel for unresolved outputs). */
export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN;
}

/** The sentinel the Pulumi engine uses for values not known until apply. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
