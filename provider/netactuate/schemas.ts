/**
 * Input and output shapes of the NetActuate resources. Inputs are parsed strictly by the kit (a typo fails at
 * preview naming the property); values still unknown at preview pass untouched. Outputs are read from state of
 * any schema version by the `upgrade*` functions, so refresh, update and delete keep working after an upgrade.
 */
import { z } from "zod";
import {
  connectionArgument,
  nameRule,
  orUnknown,
  SCHEMA_VERSION,
  SCHEMA_VERSION_DESCRIPTION,
  sourcedOutputs,
  storedFields,
  valueArguments,
  valueRule,
} from "../kit";
import { NETACTUATE_SETTINGS } from "./connection";

/** Secret keys: what `${{secret.KEY}}` in cloud-init can reference. */
export const KEY_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;

/** Where and as whom to call the API (see provider/kit/connection). */
export const CONNECTION = connectionArgument(NETACTUATE_SETTINGS, {
  apiKey: "The API key.",
  baseUrl: "The API's base URL.",
  authStyle:
    "How the key is sent: query (?key=, NetActuate's SDKs) or bearer (Authorization: Bearer, the docs).",
  bodyEncoding: "How request bodies are encoded: form (NetActuate's SDKs) or json (the docs).",
});

const connection = CONNECTION.argument;

/** Inputs of `netactuate.SecretList`. */
export const secretListInputsSchema = z
  .object({
    name: orUnknown(
      nameRule({ maxChars: 255, empty: "give the list a name (unique in the account)" }),
    ).describe("The list's name, unique across the account. Changing it renames the list in place."),
    connection,
  })
  .strict();

/** Inputs of `netactuate.SecretValue`. */
export const secretValueInputsSchema = z
  .object({
    listId: orUnknown(
      z.union([
        z.number().int().positive().transform(String),
        z.string().regex(/^[1-9]\d{0,14}$/, "must be the numeric id of a secret list (SecretList.id)"),
      ]),
    ).describe(
      "Id of the secret list (SecretList.id). Changing it moves the value: delete, then create in the new list.",
    ),
    key: orUnknown(
      z
        .string()
        .min(1, "must not be empty")
        .regex(
          KEY_PATTERN,
          "must be 1 to 128 letters, digits, '_', '.' or '-' (it is referenced as ${{secret.KEY}})",
        ),
    ).describe(
      "The key, unique across the account: 1 to 128 letters, digits, '_', '.' or '-', case-sensitive. " +
        "Cloud-init references it as ${{secret.KEY}}. Changing it updates in place.",
    ),
    ...valueArguments(
      valueRule({ maxBytes: 64 * 1024 }).describe(
        "The value (stored as a secret; at most 64 KiB). Changing it updates in place.",
      ),
    ),
    connection,
  })
  .strict();

/** Checked inputs of a SecretList (a field may still be unknown at preview). */
export type SecretListInputs = z.infer<typeof secretListInputsSchema>;
/** Checked inputs of a SecretValue (a field may still be unknown at preview). */
export type SecretValueInputs = z.infer<typeof secretValueInputsSchema>;

// The fields' comments below are the documentation of the resource classes' outputs.

/** What state holds for a SecretList, besides the schema version (the id is the list's id). */
const storedList = z.object({
  name: z.string().describe("The list's name."),
  connection: CONNECTION.stored,
});

/** What state holds for a SecretValue, besides the schema version and the derived `reference`. */
const storedValue = z.object({
  // Version 0 state may hold the list id as a number, as the API sends it.
  listId: z
    .union([z.string(), z.number().transform(String)])
    .describe("Id of the list that holds the value."),
  key: z.string().describe("The key, unique across the account."),
  value: z.string().optional().describe("The value (secret); absent when it is read from valueFrom."),
  ...sourcedOutputs,
  connection: CONNECTION.stored,
});

const schemaVersion = z.number().describe(SCHEMA_VERSION_DESCRIPTION);

/** The outputs of a SecretList as the provider plugin's schema publishes them. */
export const secretListOutputsSchema = storedList.extend({ schemaVersion });

/** The outputs of a SecretValue as the provider plugin's schema publishes them. */
export const secretValueOutputsSchema = storedValue.extend({
  reference: z.string().describe("The cloud-init reference, ${{secret.<key>}}."),
  schemaVersion,
});

/** Every output shape's version field. */
type Versioned = {
  /** Version of the stored output shape, so later releases can read this state. */
  schemaVersion: number;
};

/** The resolved `connection` argument as stored. */
export type Connection = z.infer<typeof CONNECTION.stored>;
/** Outputs of a SecretList. */
export type SecretListOutputs = z.infer<typeof storedList> & Versioned;
/** Outputs of a SecretValue: its inputs and the cloud-init reference. */
export type SecretValueOutputs = z.infer<typeof storedValue> &
  Versioned & {
    /** The cloud-init reference, `${{secret.<key>}}`. */
    reference: string;
  };

/** The cloud-init reference NetActuate resolves server-side at VM build time. */
export function referenceOf(key: string): string {
  return `\${{secret.${key}}}`;
}

/** Reads SecretList outputs of any schema version (0 = written before versioning) as the current shape. */
export function upgradeSecretList(outputs: Record<string, unknown>): SecretListOutputs {
  return { name: "", ...storedFields(storedList, outputs), schemaVersion: SCHEMA_VERSION };
}

/** Reads SecretValue outputs of any schema version as the current shape; version 0 may lack `reference`. */
export function upgradeSecretValue(outputs: Record<string, unknown>): SecretValueOutputs {
  const stored = { listId: "", key: "", ...storedFields(storedValue, outputs) };
  return { ...stored, reference: referenceOf(stored.key), schemaVersion: SCHEMA_VERSION };
}
