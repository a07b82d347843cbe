/**
 * Values that never enter the state: `valueFrom: { env: "HF_TOKEN" }` or `valueFrom: { file: "secrets/hf.txt" }`.
 * The provider reads the source itself, inside its own process (which the Pulumi engine starts with the CLI's
 * environment, in the program's directory), and keeps only a fingerprint of the value in the state, so that a
 * changed value is still seen at preview, with no request.
 *
 * The fingerprint is scrypt (memory-hard: N = 2^15, r = 8, p = 1, 32 MiB per guess) of the value with a random
 * salt that the fingerprint carries: whoever holds the state cannot confirm a guess without paying that cost per
 * guess and per salt, and no table computed in advance serves. A run draws one salt for the values it fingerprints
 * first, and a resource keeps its salt for life, so each distinct value is derived once per process: a preview
 * of a thousand resources that read one variable pays once.
 */
import { createHash, randomBytes, scrypt } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";

/** The `valueFrom` argument: exactly one source. */
export const valueFromSchema = z
  .object({
    env: z
      .string({ error: "must be a string: the name of an environment variable" })
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
        error: "must be an environment variable name (letters, digits and _, not first a digit)",
      })
      .optional()
      .describe(
        "An environment variable of the process the Pulumi CLI runs in (and starts providers with), read at deploy time.",
      ),
    file: z
      .string({ error: "must be a string: a path relative to the program's directory" })
      .min(1, { error: "must not be empty" })
      .optional()
      .describe(
        "A file, relative to the program's directory, read at deploy time; one trailing line break is removed.",
      ),
  })
  .strict()
  .refine((v) => (v.env === undefined) !== (v.file === undefined), {
    error: 'must name exactly one source: { env: "NAME" } or { file: "path" }',
  });

/** Where a value comes from. */
export type ValueFrom = z.infer<typeof valueFromSchema>;

/** A source that cannot be read; the message names the variable or the path, never a value. */
export class ValueSourceError extends Error {
  override readonly name = "ValueSourceError";
}

/** How a source is named in messages: `environment variable HF_TOKEN`, `file secrets/hf.txt`. */
export function sourceName(from: ValueFrom): string {
  return from.env !== undefined ? `environment variable ${from.env}` : `file ${from.file ?? ""}`;
}

/**
 * Reads the value of a source: an environment variable of the provider process as it is, or a file relative to
 * the program's directory with one trailing line break removed (what an editor or `echo` leaves).
 */
export async function readValue(from: ValueFrom): Promise<string> {
  if (from.env !== undefined) {
    const value = process.env[from.env];
    if (value === undefined) {
      throw new ValueSourceError(
        `valueFrom: environment variable ${from.env} is not set in the environment the Pulumi CLI runs in: ` +
          "export it before `pulumi preview` or `pulumi up` (in CI, from the CI system's secret store)",
      );
    }
    return value;
  }
  const file = from.file ?? "";
  const full = path.resolve(file);
  let text: string;
  try {
    text = await readFile(full, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    const why = code === "ENOENT" ? "does not exist" : `cannot be read (${code})`;
    throw new ValueSourceError(
      `valueFrom: file ${file} ${why} (resolved from the program's directory to ${full})`,
    );
  }
  return text.endsWith("\r\n") ? text.slice(0, -2) : text.endsWith("\n") ? text.slice(0, -1) : text;
}

/** The scrypt cost: 2^15 × 128 × 8 bytes = 32 MiB and some tens of milliseconds per derivation. */
const COST = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
/** The prefix of every fingerprint: the construction and its version, so a later one can be told apart. */
export const FINGERPRINT_PREFIX = "scrypt-v1:";

/** The salt of the fingerprints this process makes for values it has not fingerprinted before. */
let runSalt: string | undefined;

/** The salt inside a fingerprint (`scrypt-v1:<salt>:<digest>`), or `undefined` for anything else. */
export function saltOf(print: unknown): string | undefined {
  if (typeof print !== "string" || !print.startsWith(FINGERPRINT_PREFIX)) return undefined;
  const salt = print.slice(FINGERPRINT_PREFIX.length).split(":")[0] ?? "";
  return /^[A-Za-z0-9_-]{16,}$/.test(salt) ? salt : undefined;
}

/** Derivations of this process, by salt and a digest of the value (never the value itself as a key). */
const derived = new Map<string, Promise<string>>();

/**
 * The fingerprint of `value`: `scrypt-v1:<salt>:<digest>`. The salt is the one of the fingerprint it is to be
 * compared with (a resource's stored one), or this run's random salt for a value seen for the first time; each
 * distinct salt and value is derived once per process.
 */
export function fingerprint(
  value: string,
  salt: string = (runSalt ??= randomBytes(16).toString("base64url")),
): Promise<string> {
  const key = `${salt}\0${createHash("sha256").update(value).digest("base64")}`;
  let pending = derived.get(key);
  if (pending === undefined) {
    pending = new Promise<string>((resolve, reject) => {
      scrypt(value, `secretstack/valueFrom/v1|${salt}`, 32, COST, (error, out) => {
        if (error) reject(error);
        else resolve(`${FINGERPRINT_PREFIX}${salt}:${out.toString("base64url")}`);
      });
    });
    derived.set(key, pending);
  }
  return pending;
}
