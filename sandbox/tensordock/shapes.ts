/**
 * Response bodies in the two dialects. The seed OpenAPI nests name, type and value under `attributes`;
 * the vendor's docs page puts them flat (the list item's `type` is the secret type, the single-secret
 * `type` is the constant "secret"). Values of GENERIC and SECRET secrets are never rendered.
 */
import type { SecretSummary, SecretType } from "./records";
import type { TensorDockDialect } from "./validate";

/** A secret as a route sees it: the value present only where the API returns it. */
export type Renderable = SecretSummary & { value?: string };

/** Only SSH keys are readable after creation. */
export function valueIsReturned(type: SecretType): boolean {
  return type === "SSHKEY";
}

function seedItem(secret: Renderable): Record<string, unknown> {
  const attributes: Record<string, unknown> = { name: secret.name, secret_type: secret.type };
  if (valueIsReturned(secret.type) && secret.value !== undefined) attributes.value = secret.value;
  return { type: "secret", id: secret.id, attributes };
}

/** `GET /secrets`. */
export function renderList(secrets: Renderable[], dialect: TensorDockDialect): unknown {
  const items =
    dialect === "seed"
      ? secrets.map(seedItem)
      : secrets.map((s) => ({ type: s.type, id: s.id, name: s.name }));
  return { data: { secrets: items } };
}

/** `GET /secrets/{id}`. */
export function renderOne(secret: Renderable, dialect: TensorDockDialect): unknown {
  if (dialect === "seed") return { data: seedItem(secret) };
  const data: Record<string, unknown> = { type: "secret", id: secret.id, name: secret.name };
  if (valueIsReturned(secret.type) && secret.value !== undefined) data.value = secret.value;
  return { data };
}

/** `POST /secrets` (201). */
export function renderCreated(secret: Renderable, dialect: TensorDockDialect): unknown {
  if (dialect === "seed") return { data: seedItem(secret) };
  return { data: { type: "secret", id: secret.id, name: secret.name } };
}

/** `DELETE /secrets/{id}`. */
export function renderDeleted(): unknown {
  return { data: { type: "success", message: "Secret deleted successfully" } };
}

/** The error body of every non-2xx answer: `{"error": {"status", "message", "fields"?}}`. */
export function renderError(status: number, message: string, fields?: Record<string, string[]>): unknown {
  const error: Record<string, unknown> = { status, message };
  if (fields !== undefined && Object.keys(fields).length > 0) error.fields = fields;
  return { error };
}
