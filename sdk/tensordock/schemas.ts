/**
 * Response schemas of the TensorDock Secrets API v2, lenient on purpose: the seed OpenAPI nests a secret's
 * name, type and value under `attributes`, the vendor's docs put them flat, and both are in use. Every
 * schema normalizes to {@link TensorDockSecret}; unknown fields pass.
 */
import { z } from "zod";

/** The secret types the API documents. `SSHKEY` values are readable; `GENERIC` and `SECRET` values never are. */
export const TENSORDOCK_SECRET_TYPES = ["SSHKEY", "GENERIC", "SECRET"] as const;

/** A documented secret type. */
export type TensorDockSecretType = (typeof TENSORDOCK_SECRET_TYPES)[number];

/**
 * A secret as every client method returns it, whichever shape the server answered in. `type` is absent
 * when the answer does not say (the vendor's single-secret shape); `value` is present only for readable
 * secrets. The id is an opaque string.
 */
export interface TensorDockSecret {
  id: string;
  name: string;
  /** Upper-case secret type as the server reported it; usually one of {@link TENSORDOCK_SECRET_TYPES}. */
  type?: string;
  value?: string;
}

const optionalText = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined);

const attributes = z.object({
  name: optionalText,
  secret_type: optionalText,
  type: optionalText,
  value: optionalText,
});

/** An id as a string: the API documents UUIDs, but a number is read as its decimal text. */
const id = z.union([z.string().min(1), z.number().transform(String)]);

/** One secret in either shape, before normalization. */
const rawSecret = z.object({
  id,
  type: optionalText,
  name: optionalText,
  secret_type: optionalText,
  value: optionalText,
  attributes: attributes.nullish().transform((v) => v ?? undefined),
});

type RawSecret = z.infer<typeof rawSecret>;

/**
 * The secret type a raw item reports, nested position first. A flat `type` of exactly "secret" is the
 * JSON:API resource kind, not a secret type (upper-case "SECRET" is a secret type).
 */
function typeOf(raw: RawSecret): string | undefined {
  const nested = raw.attributes?.secret_type ?? raw.attributes?.type ?? raw.secret_type;
  if (nested !== undefined) return nested.toUpperCase();
  if (raw.type !== undefined && raw.type !== "secret") return raw.type.toUpperCase();
  return undefined;
}

/** Normalizes a raw item; `fallback` fills name and type that a create answer may leave out. */
export function normalizeSecret(
  raw: RawSecret,
  fallback: { name?: string; type?: string } = {},
): TensorDockSecret {
  const secret: TensorDockSecret = {
    id: raw.id,
    name: raw.attributes?.name ?? raw.name ?? fallback.name ?? "",
  };
  const type = typeOf(raw) ?? fallback.type;
  if (type !== undefined) secret.type = type;
  const value = raw.attributes?.value ?? raw.value;
  if (value !== undefined) secret.value = value;
  return secret;
}

/** A secret whose name is known (list and retrieve answers must carry one, at either position). */
const namedSecret = rawSecret
  .refine((raw) => (raw.attributes?.name ?? raw.name) !== undefined, {
    message: "a secret without a name (neither `name` nor `attributes.name`)",
    path: ["name"],
  })
  .transform((raw) => normalizeSecret(raw));

/** `GET /secrets`: `{data: {secrets: [...]}}` as documented, also `{data: [...]}`, `{secrets: [...]}` or a bare array. */
export const listResponse = z
  .union([
    z.object({ data: z.object({ secrets: z.array(namedSecret).nullish() }) }),
    z.object({ data: z.array(namedSecret) }),
    z.object({ secrets: z.array(namedSecret) }),
    z.array(namedSecret),
  ])
  .transform((body): TensorDockSecret[] => {
    if (Array.isArray(body)) return body;
    if ("secrets" in body) return body.secrets;
    if (Array.isArray(body.data)) return body.data;
    return body.data.secrets ?? [];
  });

/** `GET /secrets/{id}`: `{data: secret}` in either shape (a bare secret is read too). */
export const retrieveResponse = z
  .union([z.object({ data: namedSecret }), namedSecret])
  .transform((body): TensorDockSecret => ("data" in body ? body.data : body));

/** `POST /secrets`: `{data: secret}`; only the id is required, name and type may be left out. */
export const createResponse = z
  .union([z.object({ data: rawSecret }), rawSecret])
  .transform((body) => ("data" in body ? body.data : body));

/** `DELETE /secrets/{id}`: `{data: {type: "success", message}}`; nothing in it is needed. */
export const deleteResponse = z.unknown();

/** The error bodies we can read a safe description from (ours, and common variants). */
export const errorBody = z.union([
  z.object({
    error: z.object({
      message: z.string().optional(),
      fields: z.record(z.string(), z.unknown()).optional(),
    }),
  }),
  z.object({ error: z.string() }),
  z.object({ message: z.string() }),
]);
