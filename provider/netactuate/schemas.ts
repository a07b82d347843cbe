/**
 * Input and output shapes of the NetActuate resources. Inputs are parsed strictly (a typo fails at preview
 * naming the property); values still unknown at preview (Pulumi's sentinel) pass untouched. Outputs carry a
 * schema version, and `upgrade*` functions read every older shape so refresh, update and delete keep working.
 */
import { z } from "zod";
import { nameProblem, SCHEMA_VERSION, schemaVersionOf, UNKNOWN } from "../kit";

/** Secret keys: what `${{secret.KEY}}` in cloud-init can reference. */
export const KEY_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;
/** Largest value the API stores, in UTF-8 bytes. */
export const MAX_VALUE_BYTES = 64 * 1024;
/** Longest list name. */
export const MAX_NAME_LENGTH = 255;

const unknown = z.literal(UNKNOWN);
/** A schema that also accepts the preview sentinel for a value not known yet. */
const orUnknown = <T extends z.ZodType>(schema: T) => z.union([unknown, schema]);

/** Where and as whom to call the API; every field falls back to stack config, then the environment. */
export const connectionSchema = z
  .object({
    apiKey: orUnknown(
      z.string().min(1, "apiKey must not be empty; omit it to use netactuate:apiKey"),
    ).optional(),
    baseUrl: orUnknown(
      z
        .string()
        .regex(
          /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/,
          "baseUrl must be an http(s) URL without query or fragment",
        ),
    ).optional(),
  })
  .strict();

/** The resolved `connection` argument. */
export type Connection = z.infer<typeof connectionSchema>;

const connectionInput = orUnknown(connectionSchema).optional();

/** Inputs of `netactuate.SecretList`. */
export const secretListInputsSchema = z
  .object({
    name: orUnknown(
      z
        .string()
        .refine(
          (s) => s.trim() !== "",
          "name must not be empty: give the list a name (unique in the account)",
        )
        .superRefine((s, ctx) => {
          const problem = s.trim() === "" ? undefined : nameProblem(s);
          if (problem !== undefined) ctx.addIssue({ code: "custom", message: `name ${problem}` });
        })
        .refine(
          (s) => [...s].length <= MAX_NAME_LENGTH,
          `name must be at most ${MAX_NAME_LENGTH} characters`,
        ),
    ),
    connection: connectionInput,
  })
  .strict();

/** Checked inputs of a SecretList. */
export type SecretListInputs = z.infer<typeof secretListInputsSchema>;

/** Inputs of `netactuate.SecretValue`. */
export const secretValueInputsSchema = z
  .object({
    listId: orUnknown(
      z.union([
        z.number().int().positive().transform(String),
        z.string().regex(/^[1-9]\d{0,14}$/, "listId must be the numeric id of a secret list (SecretList.id)"),
      ]),
    ),
    key: orUnknown(
      z.string().min(1, "key must not be empty").regex(
        KEY_PATTERN,

        "key must be 1 to 128 letters, digits, '_', '.' or '-' (it is referenced as ${{secret.KEY}})",
      ),
    ),
    value: orUnknown(
      z
        .string()
        .min(1, "value must not be empty")
        .refine((s) => Buffer.byteLength(s, "utf8") <= MAX_VALUE_BYTES, "value must be at most 64 KiB"),
    ),
    connection: connectionInput,
  })
  .strict();

/** Checked inputs of a SecretValue. */
export type SecretValueInputs = z.infer<typeof secretValueInputsSchema>;

/** Outputs of a SecretList: its inputs and the schema version (the id is the resource id). */
export type SecretListOutputs = {
  name: string;
  connection?: Connection;
  schemaVersion: number;
};

/** Outputs of a SecretValue: its inputs, the cloud-init reference and the schema version. */
export type SecretValueOutputs = {
  listId: string;
  key: string;
  value: string;
  connection?: Connection;
  reference: string;
  schemaVersion: number;
};

/** The cloud-init reference NetActuate resolves server-side at VM build time. */
export function referenceOf(key: string): string {
  return `\${{secret.${key}}}`;
}

/** Removes what Pulumi adds to inputs or what the resource class registers as empty outputs. */
export function userInputs(
  news: Record<string, unknown>,
  outputKeys: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(news)) {
    if (k === "__provider") continue;
    if (outputKeys.includes(k) && (v === undefined || v === null || v === "")) continue;
    if (v === undefined) continue;
    // Defined, not assigned: an own `__proto__` input would otherwise replace the prototype of `out`, and
    // its members would pass for inputs. Defined, it stays an unknown argument that check names.
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const storedConnection = z
  .object({ apiKey: z.string().optional(), baseUrl: z.string().optional() })
  .loose()
  .optional()
  .catch(undefined);

const storedList = z.object({ name: z.string(), connection: storedConnection }).loose();

const storedValue = z
  .object({
    // Version 0 state may hold the list id as a number, as the API sends it.
    listId: z.union([z.string(), z.number().transform(String)]),
    key: z.string(),
    value: z.string(),
    connection: storedConnection,
  })
  .loose();

/** The state of a resource that this release cannot read: says which resource and what to do. */
export class UnreadableStateError extends Error {
  constructor(resource: string, field: string) {
    super(
      `the stored state of ${resource} is unreadable (${field}); run \`pulumi refresh\` or re-import the resource`,
    );
    this.name = "UnreadableStateError";
  }
}

/** State written by a newer release may mean things this one cannot know: refuse rather than guess. */
function assertKnownVersion(resource: string, outputs: Record<string, unknown>): void {
  const version = schemaVersionOf(outputs);
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `the state of ${resource} was written by a newer pulumi-secretstack (schema ${version}); upgrade the package`,
    );
  }
}

function fieldOf(error: z.ZodError): string {
  return error.issues[0]?.path.map(String).join(".") || "(outputs)";
}

/** Reads SecretList outputs of any schema version (0 = written before versioning) as the current shape. */
export function upgradeSecretList(outputs: Record<string, unknown>): SecretListOutputs {
  const parsed = storedList.safeParse(outputs);
  if (!parsed.success) throw new UnreadableStateError("netactuate:SecretList", fieldOf(parsed.error));
  assertKnownVersion("netactuate:SecretList", outputs);
  const { name, connection } = parsed.data;
  return {
    name,
    ...(connection !== undefined ? { connection: pick(connection) } : {}),
    schemaVersion: SCHEMA_VERSION,
  };
}

/** Reads SecretValue outputs of any schema version as the current shape; version 0 may lack `reference`. */
export function upgradeSecretValue(outputs: Record<string, unknown>): SecretValueOutputs {
  const parsed = storedValue.safeParse(outputs);
  if (!parsed.success) throw new UnreadableStateError("netactuate:SecretValue", fieldOf(parsed.error));
  assertKnownVersion("netactuate:SecretValue", outputs);
  const { listId, key, value, connection } = parsed.data;
  return {
    listId,
    key,
    value,
    ...(connection !== undefined ? { connection: pick(connection) } : {}),
    reference: referenceOf(key),
    schemaVersion: SCHEMA_VERSION,
  };
}

function pick(connection: { apiKey?: string | undefined; baseUrl?: string | undefined }): Connection {
  return {
    ...(connection.apiKey !== undefined ? { apiKey: connection.apiKey } : {}),
    ...(connection.baseUrl !== undefined ? { baseUrl: connection.baseUrl } : {}),
  };
}

/** True when two connections name the same settings (absent and `{}` are equal). */
export function sameConnection(
  a: Connection | string | undefined,
  b: Connection | string | undefined,
): boolean {
  const norm = (c: Connection | string | undefined) =>
    typeof c === "string" ? c : JSON.stringify({ apiKey: c?.apiKey, baseUrl: c?.baseUrl });
  return norm(a) === norm(b);
}
