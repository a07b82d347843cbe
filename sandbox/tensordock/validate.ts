/**
 * Validation of `POST /secrets` bodies, per dialect. Messages name the field and the rule and never quote
 * the submitted value.
 */
import * as sshpk from "sshpk";
import type { ErrorFields } from "../core/errors";
import { SECRET_TYPES, type SecretType } from "./records";

/** Which response and request shapes the emulator speaks: the seed OpenAPI, or the vendor's docs page. */
export type TensorDockDialect = "seed" | "vendor";

/** Longest accepted name, in characters (Unicode code points). */
export const NAME_MAX_CHARS = 255;

/** Largest accepted value, in UTF-8 bytes (64 KiB). */
export const VALUE_MAX_BYTES = 64 * 1024;

/** A valid create request. */
export interface CreateInput {
  name: string;
  type: SecretType;
  value: string;
}

/** Either the valid input or the messages per field (JSON paths such as `data.attributes.name`). */
export type CreateValidation = { ok: true; input: CreateInput } | { ok: false; fields: ErrorFields };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isSecretType(value: unknown): value is SecretType {
  return typeof value === "string" && (SECRET_TYPES as readonly string[]).includes(value);
}

/**
 * True when `value` is one line `<algorithm> <base64> [comment]` that parses as an SSH public key. Private
 * keys, PEM and RFC 4716 blocks, and authorized_keys option prefixes are refused.
 */
export function isOpenSshPublicKey(value: string): boolean {
  const line = value.trim();
  if (line === "" || /[\r\n]/.test(line)) return false;
  const [algorithm, data] = line.split(/[ \t]+/);
  if (algorithm === undefined || data === undefined) return false;
  try {
    sshpk.parseKey(`${algorithm} ${data}`, "ssh");
    return true;
  } catch {
    return false;
  }
}

/**
 * Validates a create body. The type may be sent as `data.attributes.type` (the vendor docs, real clients)
 * or `data.attributes.secret_type` (the seed OpenAPI) in either dialect; when both are sent they must agree.
 */
export function validateCreate(body: unknown, dialect: TensorDockDialect): CreateValidation {
  const fields: ErrorFields = {};
  const add = (field: string, message: string) => {
    const list = fields[field] ?? [];
    list.push(message);
    fields[field] = list;
  };
  if (!isObject(body)) return { ok: false, fields: { body: ["must be a JSON object with a `data` member"] } };
  const data = body.data;
  if (!isObject(data)) return { ok: false, fields: { data: ["is required and must be an object"] } };
  if (data.type !== "secret") add("data.type", 'must be "secret"');
  const attributes = data.attributes;
  if (!isObject(attributes)) {
    add("data.attributes", "is required and must be an object");
    return { ok: false, fields };
  }

  const { name, value } = attributes;
  if (typeof name !== "string") add("data.attributes.name", "is required and must be a string");
  else {
    const chars = [...name].length;
    if (chars < 1 || chars > NAME_MAX_CHARS)
      add("data.attributes.name", `must be 1 to ${NAME_MAX_CHARS} characters`);
    // A name is shown in lists and logs: NUL, CR/LF and other control characters would forge lines there.
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
    if (/[\u0000-\u001f\u007f]/.test(name))
      add("data.attributes.name", "must not contain control characters");
  }

  // Real clients send either spelling (the community Terraform provider sends `type` only), so both dialects
  // take either; the dialect only decides which one an error names when neither is there.
  const named = dialect === "seed" ? "secret_type" : "type";
  const given = { type: attributes.type, secret_type: attributes.secret_type };
  let type: SecretType | undefined;
  if (given.type === undefined && given.secret_type === undefined) {
    add(`data.attributes.${named}`, `is required and must be one of ${SECRET_TYPES.join(", ")}`);
  } else {
    let valid = true;
    for (const field of ["type", "secret_type"] as const) {
      const sent = given[field];
      if (sent !== undefined && !isSecretType(sent)) {
        add(`data.attributes.${field}`, `must be one of ${SECRET_TYPES.join(", ")}`);
        valid = false;
      }
    }
    const { type: a, secret_type: b } = given;
    if (isSecretType(a) && isSecretType(b) && a !== b) {
      add("data.attributes.secret_type", "must equal data.attributes.type when both are sent");
    } else if (valid) {
      type = isSecretType(a) ? a : isSecretType(b) ? b : undefined;
    }
  }

  if (typeof value !== "string") add("data.attributes.value", "is required and must be a string");
  else if (value.length === 0) add("data.attributes.value", "must not be empty");
  else if (Buffer.byteLength(value, "utf8") > VALUE_MAX_BYTES) {
    add("data.attributes.value", `must be at most ${VALUE_MAX_BYTES} bytes (UTF-8)`);
  } else if (type === "SSHKEY" && !isOpenSshPublicKey(value)) {
    add(
      "data.attributes.value",
      "must be an OpenSSH public key on one line: '<algorithm> <base64> [comment]'",
    );
  }

  if (
    Object.keys(fields).length > 0 ||
    typeof name !== "string" ||
    typeof value !== "string" ||
    type === undefined
  ) {
    return { ok: false, fields };
  }
  return { ok: true, input: { name, type, value } };
}
