/**
 * Response schemas of the NetActuate Secret Manager API. Lenient on purpose (tolerant reader): unknown
 * fields pass, ids and `secret_list_id` arrive as numbers or numeric strings, and the envelope's `fields`
 * may be an object, an empty array or null. Every schema turns the wire shape into the client's model.
 */
import { z } from "zod";

/** A numeric id as the API sends it: a number or a string of digits. Read as a number. */
export const numericId = z.union([
  z.number().int().nonnegative(),
  z
    .string()
    .regex(/^\d{1,15}$/, "expected a numeric id")
    .transform(Number),
]);

/**
 * The envelope around every response: `{result, message, data, code, fields}`. Only `data` matters on
 * success; `code`, `message` and `fields` describe failures.
 */
export const envelopeSchema = z
  .object({
    result: z.string().nullish(),
    message: z.string().nullish(),
    data: z.unknown(),
    code: z.union([z.number(), z.string()]).nullish(),
    fields: z.unknown(),
  })
  .loose();

/** The envelope as read from the wire. */
export type Envelope = z.infer<typeof envelopeSchema>;

/** A secret list: a named container of key/value pairs. */
export const secretListSchema = z
  .object({ id: numericId, name: z.string() })
  .loose()
  .transform((raw) => ({ id: raw.id, name: raw.name }));

/** A secret list as the client returns it. */
export type NetActuateSecretList = z.output<typeof secretListSchema>;

/** A secret value: one account-unique key and its plaintext value, in one list. */
export const secretValueSchema = z
  .object({
    id: numericId,
    secret_list_id: numericId,
    secret_key: z.string(),
    // Every values endpoint returns the plaintext; a null is read as an empty value rather than a failure.
    secret_value: z
      .string()
      .nullish()
      .transform((v) => v ?? ""),
  })
  .loose()
  .transform((raw) => ({
    id: raw.id,
    listId: raw.secret_list_id,
    key: raw.secret_key,
    value: raw.secret_value,
  }));

/** A secret value as the client returns it (camelCase; `value` is the plaintext). */
export type NetActuateSecretValue = z.output<typeof secretValueSchema>;

/**
 * A collection as the API returns it: a bare array, or (tolerated) an object keyed by index, or null for
 * an empty account.
 */
export function collectionOf<T extends z.ZodType>(item: T) {
  return z.preprocess(
    (raw) =>
      raw === null || raw === undefined
        ? []
        : Array.isArray(raw)
          ? raw
          : typeof raw === "object"
            ? Object.values(raw)
            : raw,
    z.array(item),
  );
}

/** What delete endpoints answer in `data`: nothing we rely on. */
export const deletedSchema = z.unknown().transform(() => undefined);
