/**
 * The version of the output shape every resource writes. State written by older releases is read through
 * each resource's upgrade function, so refresh, update and delete keep working after an upgrade.
 */
export const SCHEMA_VERSION = 1;

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
