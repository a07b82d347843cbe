/**
 * The shapes of `walletcrew.TenantSecret`: user inputs (parsed strictly, so a typo fails at preview with the
 * property's name), the outputs stored in state, and the upgrade of older output shapes.
 */
import { z } from "zod";
import {
  connectionArgument,
  orUnknown,
  SCHEMA_VERSION,
  SCHEMA_VERSION_DESCRIPTION,
  sourcedOutputs,
  storedFields,
  type UNKNOWN,
  valueArguments,
  valueRule,
} from "../kit";
import { TENANT_PATTERN, tenantRule, WALLETCREW_SETTINGS } from "./connection";

/** Keys as The Wallet Crew documents them (letters, digits, `-`, `_`; case-sensitive), at most 128 long. */
export const KEY_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

const key = z
  .string({ error: "must be a string" })
  .regex(KEY_PATTERN, {
    error: "must be 1 to 128 letters, digits, '-' or '_' (The Wallet Crew's key rules; case-sensitive)",
  })
  .describe(
    "Secret key: 1 to 128 letters, digits, '-' or '_', case-sensitive. A new key replaces the secret.",
  );

const tenantId = tenantRule().describe(
  "The tenant. A new tenant replaces the secret. Default: connection.tenantId, walletcrew:tenantId, " +
    "WALLETCREW_TENANT_ID.",
);

const value = valueRule({ maxBytes: 64 * 1024, mayBeEmpty: true }).describe(
  "The value (at most 64 KiB); always secret in state and outputs. A new value updates in place.",
);

const date = (name: string, description: string) =>
  z.iso
    .datetime({
      offset: true,
      error: `must be an ISO 8601 date-time with a 'Z' or '+hh:mm' offset, e.g. 2030-01-01T00:00:00Z`,
    })
    .describe(description);

/** The optional per-resource connection (see provider/kit/connection). */
export const CONNECTION = connectionArgument(WALLETCREW_SETTINGS, {
  apiKey: "API key with Secret.Read and Secret.Write for the tenant.",
  tenantId: "Tenant, when the resource's tenantId is not set.",
  baseUrl: "API host.",
});

/** What a user may pass to `TenantSecret` (after Pulumi resolved the inputs). */
export const inputsSchema = z
  .object({
    key: orUnknown(key),
    ...valueArguments(value),
    expiresOn: orUnknown(
      date(
        "expiresOn",
        "End of validity, ISO 8601 with an offset (2030-01-01T00:00:00Z). Default: never expires.",
      ),
    ).optional(),
    notBefore: orUnknown(
      date(
        "notBefore",
        "Start of validity, ISO 8601 with an offset; before expiresOn. Default: valid at once.",
      ),
    ).optional(),
    tenantId: orUnknown(tenantId).optional(),
    adopt: orUnknown(z.boolean({ error: "must be true or false" }))
      .optional()
      .describe(
        "Take over (overwrite) a key that already exists in the tenant when creating. Default: false, so that " +
          "an existing secret this stack does not manage is never overwritten by surprise.",
      ),
    connection: CONNECTION.argument,
  })
  .strict();

/** The Wallet Crew connection settings of one resource. */
export type Connection = z.infer<typeof CONNECTION.schema>;

/** Checked inputs: the user's inputs with `tenantId` resolved (or still unknown at preview) and `adopt` set. */
export type Inputs = Omit<z.infer<typeof inputsSchema>, "tenantId" | "adopt"> & {
  tenantId: string;
  adopt: boolean | typeof UNKNOWN;
};

/** Outputs as stored in state: the checked inputs, plus what the API told us and the schema version. */
export const outputsSchema = z.object({
  key: z.string().describe("The secret key."),
  value: z.string().optional().describe("The value (secret); absent when it is read from valueFrom."),
  ...sourcedOutputs,
  tenantId: z
    .string()
    .describe("The tenant, resolved from the argument, connection, stack config or environment."),
  adopt: z.boolean().describe("Whether the create was allowed to take over an existing key."),
  expiresOn: z.string().optional().describe("End of validity, as given."),
  notBefore: z.string().optional().describe("Start of validity, as given."),
  connection: CONNECTION.stored,
  expired: z
    .boolean()
    .describe(
      "True when expiresOn had passed the last time the provider looked (create, update or refresh).",
    ),
  schemaVersion: z.number().describe(SCHEMA_VERSION_DESCRIPTION),
});

/** The outputs of a `TenantSecret`, as the provider writes them. */
export type Outputs = z.infer<typeof outputsSchema>;

/** Splits a resource id `<tenantId>/<key>`; neither part can contain `/`. */
export function parseId(id: string): { tenantId: string; key: string } | undefined {
  const slash = id.indexOf("/");
  if (slash <= 0) return undefined;
  const tenant = id.slice(0, slash);
  const k = id.slice(slash + 1);
  return TENANT_PATTERN.test(tenant) && KEY_PATTERN.test(k) ? { tenantId: tenant, key: k } : undefined;
}

/** The resource id of a secret. */
export function idOf(tenant: string, k: string): string {
  return `${tenant}/${k}`;
}

/**
 * Reads outputs of any schema version (version 0 = state without `schemaVersion`, which may also lack
 * `tenantId`, `key`, `adopt` or `expired`) into the current shape. The id fills what the props lack, so
 * `read` for the `import` option (no props) and refresh/delete of old state both work.
 * `now` decides `expired` when the stored shape has no such field.
 */
export function upgrade(props: Record<string, unknown>, id: string | undefined, now: number): Outputs {
  const old = storedFields(outputsSchema, props);
  const fromId = id !== undefined ? parseId(id) : undefined;
  return {
    ...old,
    key: fromId?.key ?? old.key ?? "",
    value: old.value ?? "",
    tenantId: fromId?.tenantId ?? old.tenantId ?? "",
    adopt: old.adopt ?? false,
    expired: old.expired ?? isPast(old.expiresOn, now),
    schemaVersion: SCHEMA_VERSION,
  };
}

/** True when `date` is a parseable instant at or before `now`. */
export function isPast(date: string | undefined, now: number): boolean {
  if (date === undefined) return false;
  const t = Date.parse(date);
  return Number.isFinite(t) && t <= now;
}

/** True when two optional ISO dates name the same instant (two spellings of one instant are no change). */
export function sameInstant(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a === b) return true;
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  return Number.isFinite(ta) && ta === tb;
}
