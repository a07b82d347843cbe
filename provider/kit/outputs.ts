import type { z } from "zod";

/**
 * The version of the output shape every resource writes. State written by older releases is read through
 * each resource's upgrade function, so refresh, update and delete keep working after an upgrade.
 */
export const SCHEMA_VERSION = 1;

/** What the schema version output is, in every resource's documentation. */
export const SCHEMA_VERSION_DESCRIPTION =
  "Version of the output shape, so later releases can read this state.";

/** The key under which every output object records its schema version. */
export const SCHEMA_VERSION_KEY = "schemaVersion";

/** Reads the schema version of stored outputs; state from before versioning counts as version 0. */
export function schemaVersionOf(outputs: Record<string, unknown>): number {
  const v = outputs[SCHEMA_VERSION_KEY];
  return typeof v === "number" && Number.isInteger(v) ? v : 0;
}

/**
 * Drops `undefined` members: the host cannot send them in outputs, and an absent optional must stay
 * absent rather than become `null`.
 */
export function compact<T extends Record<string, unknown>>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v;
  return out as T;
}

/**
 * Stored outputs of any version read leniently, field by field through `schema` (an object schema): a field
 * that is absent, malformed (state edited by hand, or written by another release) or an empty object (the same
 * as absent, as in `sameData`) reads as absent instead of failing the whole state.
 */
export function storedFields<S extends z.ZodObject>(
  schema: S,
  props: Record<string, unknown>,
): Partial<z.infer<S>> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    const parsed = Object.hasOwn(props, key) ? field.safeParse(props[key]) : undefined;
    const value: unknown = parsed?.success ? parsed.data : undefined;
    const empty = value !== null && typeof value === "object" && Object.keys(value).length === 0;
    if (value !== undefined && !empty) out[key] = value;
  }
  return out as Partial<z.infer<S>>;
}
