/**
 * Validation of request bodies and path ids, with the field messages the API reports in a 422 envelope.
 * Bodies arrive as JSON or form-encoded: both parse to an object of fields, and every field must be a string.
 */
import { type ErrorFields, SandboxHttpError } from "../core";
import { listNotFound, valueNotFound } from "./store";

/**
 * Longest secret key, in characters. NetActuate publishes no key rule: its docs' own example key is `new key`
 * (with a space) and none of its SDKs checks keys, so the sandbox refuses only what no key can be: blank
 * keys, control characters, and keys over this length.
 */
export const MAX_KEY_LENGTH = 128;
/** Largest value, in UTF-8 bytes. */
export const MAX_VALUE_BYTES = 64 * 1024;
/** Longest list name, in characters. */
export const MAX_NAME_LENGTH = 255;

type Body = Record<string, unknown>;

/**
 * Blank means only whitespace, counting both what JavaScript and what other regex engines (Python's
 * `\s`, used by schema-driven fuzzers) call whitespace, so the OpenAPI pattern and this check agree.
 */
// eslint-disable-next-line no-control-regex -- \x1c-\x1f count as whitespace to other regex engines
const BLANK = /^[\s\x1c-\x1f\x85]*$/u;

function bodyOf(raw: unknown): Body {
  // No body (or an empty one) is no fields; a JSON `null`, array or scalar is not a body of fields.
  if (raw === undefined) return {};
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new SandboxHttpError(422, "The given data was invalid.", { body: ["The body must be an object."] });
  }
  return raw as Body;
}

/** Collects field messages and throws one 422 with all of them. */
class Fields {
  readonly messages: ErrorFields = {};

  add(field: string, message: string): void {
    this.messages[field] = [...(this.messages[field] ?? []), message];
  }

  throwIfAny(): void {
    if (Object.keys(this.messages).length > 0) {
      throw new SandboxHttpError(422, "The given data was invalid.", this.messages);
    }
  }
}

function name(body: Body, fields: Fields, required: boolean): string | undefined {
  const value = body.name;
  if (value === undefined || value === null) {
    if (required) fields.add("name", "The name field is required.");
    return undefined;
  }
  if (typeof value !== "string") {
    fields.add("name", "The name field must be a string.");
    return undefined;
  }
  if (BLANK.test(value)) fields.add("name", "The name field must not be empty.");
  else if ([...value].length > MAX_NAME_LENGTH) {
    fields.add("name", `The name field must not be greater than ${MAX_NAME_LENGTH} characters.`);
  }
  return value;
}

/** The body of `POST /secrets/lists`: an optional name. */
export function createListBody(raw: unknown): { name: string | undefined } {
  const fields = new Fields();
  const value = name(bodyOf(raw), fields, false);
  fields.throwIfAny();
  return { name: value };
}

/** The body of `POST /secrets/lists/{id}`: the new name. */
export function renameListBody(raw: unknown): { name: string } {
  const fields = new Fields();
  const value = name(bodyOf(raw), fields, true);
  fields.throwIfAny();
  return { name: value as string };
}

/** The body of a value create or update: `secret_key` and `secret_value`, both required. */
export function valueBody(raw: unknown): { key: string; value: string } {
  const body = bodyOf(raw);
  const fields = new Fields();
  const key = body.secret_key;
  if (key === undefined || key === null || key === "")
    fields.add("secret_key", "The secret key field is required.");
  else if (typeof key !== "string") fields.add("secret_key", "The secret key field must be a string.");
  else if (BLANK.test(key)) fields.add("secret_key", "The secret key field must not be blank.");
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  else if (/[\u0000-\u001f\u007f]/.test(key)) {
    fields.add("secret_key", "The secret key field must not contain control characters.");
  } else if ([...key].length > MAX_KEY_LENGTH) {
    fields.add("secret_key", `The secret key field must not be greater than ${MAX_KEY_LENGTH} characters.`);
  }
  const value = body.secret_value;
  if (value === undefined || value === null || value === "") {
    fields.add("secret_value", "The secret value field is required.");
  } else if (typeof value !== "string")
    fields.add("secret_value", "The secret value field must be a string.");
  else if (Buffer.byteLength(value, "utf8") > MAX_VALUE_BYTES) {
    fields.add("secret_value", `The secret value field must not be greater than ${MAX_VALUE_BYTES} bytes.`);
  }
  fields.throwIfAny();
  return { key: key as string, value: value as string };
}

/** Parses a path id; anything but a positive integer is a 404, as for an id that does not exist. */
export function idOf(raw: unknown, kind: "list" | "value"): number {
  const text = typeof raw === "string" ? raw : "";
  const id = /^[1-9]\d{0,14}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(id)) throw kind === "list" ? listNotFound() : valueNotFound();
  return id;
}
