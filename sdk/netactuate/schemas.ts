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
 * The envelope around every response: `{result, message, data, code, fields}`, every member optional (the
 * vendor's own fixtures leave out `code`, `result` or `data`). Only `data` matters on success; `code`,
 * `result`, `message` and `fields` describe failures.
 */
export const envelopeSchema = z
  .object({
    result: z.string().nullish(),
    message: z.string().nullish(),
    data: z.unknown().optional(),
    code: z.union([z.number(), z.string()]).nullish(),
    fields: z.unknown().optional(),
  })
  .loose();

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

/** One page of a collection: its items, and which page of how many it is (1 of 1 when not paginated). */
export interface Page<T> {
  items: T[];
  currentPage: number;
  lastPage: number;
}

const pageNumber = z.union([
  z.number(),
  z
    .string()
    .regex(/^\d{1,9}$/)
    .transform(Number),
]);

/** A Laravel paginator: `{current_page, last_page, data: [...]}`, as vAPI2 answers long lists. */
const paginatorSchema = z
  .object({ current_page: pageNumber, last_page: pageNumber.optional(), data: z.array(z.unknown()) })
  .loose();

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A collection's `data` as the API (or the vendor SDKs' fixtures) may send it, reduced to one page: a bare
 * array; null for an empty account; a Laravel paginator, bare or under `paginator`; or (tolerated) an
 * object keyed by id.
 */
function toPage(raw: unknown): unknown {
  if (raw === null || raw === undefined) return { items: [], currentPage: 1, lastPage: 1 };
  if (Array.isArray(raw)) return { items: raw, currentPage: 1, lastPage: 1 };
  if (!isRecord(raw)) return raw;
  for (const candidate of [raw.paginator, raw]) {
    const paginator = paginatorSchema.safeParse(candidate);
    if (paginator.success) {
      const { current_page: currentPage, last_page: lastPage, data } = paginator.data;
      return { items: data, currentPage, lastPage: Math.max(lastPage ?? currentPage, currentPage) };
    }
  }
  return { items: Object.values(raw), currentPage: 1, lastPage: 1 };
}

/** A page of a collection; see {@link toPage} for the shapes it accepts. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.preprocess(
    toPage,
    z.object({ items: z.array(item), currentPage: z.number().int(), lastPage: z.number().int() }),
  );
}

/** What delete endpoints answer in `data`: nothing we rely on. */
export const deletedSchema = z.unknown().transform(() => undefined);
