/**
 * The `connection` argument of every API, built from its settings table (see ./settings), so that each of its
 * fields has the rule, the empty-value refusal and the documented fallbacks of the setting it overrides, and a
 * base URL or a choice is judged one way for every API, whether it comes from `connection`, stack config or
 * the environment.
 */
import { z } from "zod";
import { withoutTrailingSlash } from "../../sdk/core";
import { orUnknown } from "./check";
import { isHttpUrl, type SettingSpec } from "./settings";

/**
 * The `connection` field of a setting: a value that is present but empty (or only whitespace) is refused first,
 * naming where else the setting comes from (never a fall-through to the next source or a default), and only
 * then judged by `rule`, the field's own checks.
 */
function connectionField<T extends z.ZodType<unknown, string>>(spec: SettingSpec, rule: T) {
  const elsewhere = `stack config ${spec.configKey} or environment variable ${spec.envVar}`;
  const fallback = spec.default === undefined ? elsewhere : `${elsewhere}, else the default`;
  return z
    .string({ error: "must be a string" })
    .refine((text) => text.trim() !== "", {
      error: `is set but empty: omit connection.${spec.field ?? ""} to use ${fallback}, or give it a value`,
      abort: true,
    })
    .pipe(rule);
}

/** A base URL kept without its trailing slash, as the settings reader keeps one from config or the environment. */
const withoutSlash = (url: z.ZodString) => url.transform(withoutTrailingSlash);

/** The rule of a setting's kind: a base URL as the settings reader takes it, a choice among its values. */
function kindRule(spec: SettingSpec): z.ZodType<unknown, string> {
  if (spec.kind === "url") {
    const like = spec.default === undefined ? "" : `, like ${spec.default}`;
    return withoutSlash(
      z.string().refine(isHttpUrl, `must be an http(s) URL without credentials, query or fragment${like}`),
    );
  }
  if (spec.kind === "choice") {
    const choices = (spec.choices ?? []) as [string, ...string[]];
    return z.enum(choices, { error: `must be ${choices.map((c) => JSON.stringify(c)).join(" or ")}` });
  }
  return spec.rule ?? z.string();
}

/** The shape of a connection whose documented fields are `D`'s keys: each an optional string. */
type ConnectionShape<D> = { [K in keyof D]: z.ZodOptional<z.ZodType<string, string>> };

/**
 * An API's `connection`, from its settings table and the documentation of each field it offers (`docs`, whose
 * keys are the table's keys, which are the fields' names): `schema` checks what a resource or lookup is given
 * (strict, so a misspelled field fails at preview; each field by its setting's rule, the one the settings
 * reader applies to stack config and the environment; a value unknown at preview passes), `argument` is that
 * schema as a resource's optional argument, and `stored` reads it back from state (a connection that cannot be
 * read counts as none: the settings then come from config).
 */
export function connectionArgument<D extends Record<string, string>>(
  table: { [K in keyof D]: SettingSpec },
  docs: D,
) {
  const keys = Object.keys(docs) as Array<keyof D & string>;
  const fields = (field: (key: keyof D & string, spec: SettingSpec) => z.ZodType) =>
    Object.fromEntries(keys.map((key) => [key, field(key, table[key])])) as unknown as ConnectionShape<D>;
  const schema = z
    .object(
      fields((key, spec) => {
        const then = spec.default === undefined ? "" : `, then ${spec.default}`;
        return orUnknown(connectionField(spec, kindRule(spec)))
          .optional()
          .describe(`${docs[key]} Default: ${spec.configKey}, then ${spec.envVar}${then}.`);
      }),
      { error: `must be an object { ${keys.map((k) => `${k}?`).join(", ")} }` },
    )
    .strict();
  const argument = orUnknown(schema)
    .optional()
    .describe(
      "Where and as whom to call the API, overriding stack config, then the environment. Always stored as a " +
        "secret; a change never replaces the resource.",
    );
  // A base URL stored with its trailing slash (as releases before this rule kept it) reads as checked now, so the
  // next diff sees no change.
  const stored = z
    .object(fields((_key, spec) => (spec.kind === "url" ? withoutSlash(z.string()) : z.string()).optional()))
    .optional()
    .catch(undefined)
    .describe("The connection settings (secret).");
  return { schema, argument, stored };
}
