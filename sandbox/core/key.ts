/**
 * The sandbox key: 32 bytes that encrypt every data file of a sandbox. It comes from the environment, from a
 * key file beside the data, or (memory-only sandboxes) from the random generator.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SandboxKeyError } from "./errors";

/** Environment variable that holds the sandbox key (32 bytes as base64 or hex). */
export const SANDBOX_KEY_ENV = "SECRETSTACK_SANDBOX_KEY";

/** Name of the key file created in a data directory when no key comes from the environment. */
export const KEY_FILE_NAME = "sandbox.key";

const HEX_KEY = /^[0-9a-fA-F]{64}$/;
// 32 bytes are 43 base64 characters plus one "=" of padding; the URL-safe alphabet is accepted too.
const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}=?$/;

/** Parses a 32-byte key written as 64 hex digits or as base64 (standard or URL-safe); `undefined` if neither. */
export function parseSandboxKey(text: string): Buffer | undefined {
  const value = text.trim();
  if (HEX_KEY.test(value)) return Buffer.from(value, "hex");
  if (BASE64_KEY.test(value)) {
    const key = Buffer.from(value, "base64");
    if (key.length === 32) return key;
  }
  return undefined;
}

/**
 * Returns the sandbox key: `SECRETSTACK_SANDBOX_KEY` when set (a malformed value throws `SandboxKeyError`),
 * else `<dataDir>/sandbox.key` (created with mode 0600 when missing, read back when present), else a random
 * key that lives only in memory (fine for a memory-only sandbox, whose data dies with the process).
 * @param env Where to look for the variable. @default process.env
 */
export function loadOrCreateKey(dataDir?: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  const fromEnv = env[SANDBOX_KEY_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== "") {
    const key = parseSandboxKey(fromEnv);
    if (key === undefined) {
      // The value itself is never echoed: it is meant to be a secret even when malformed.
      throw new SandboxKeyError(
        `${SANDBOX_KEY_ENV} must be 32 bytes written as base64 (44 characters) or hex (64 digits); ` +
          "generate one with: openssl rand -base64 32",
      );
    }
    return key;
  }
  if (dataDir === undefined) return randomBytes(32);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, KEY_FILE_NAME);
  const created = randomBytes(32);
  try {
    // "wx" fails when the file exists, so two sandboxes starting together cannot overwrite each other's key.
    writeFileSync(file, `${created.toString("base64")}\n`, { mode: 0o600, flag: "wx" });
    return created;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const key = parseSandboxKey(readFileSync(file, "utf8"));
  if (key === undefined) {
    throw new SandboxKeyError(
      `${file} does not hold a 32-byte key (base64 or hex); restore it, set ${SANDBOX_KEY_ENV}, or use a new --data-dir`,
    );
  }
  return key;
}
