/**
 * Authenticated encryption of record values: AES-256-GCM with a fresh random 12-byte IV per call and the
 * record's identity bound as additional data, so a sealed value copied onto another record fails to open.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { SandboxIntegrityError, SandboxKeyError } from "./errors";

/** Format byte first, so a later format can be told apart from this one. */
const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Seals and opens strings under one derived key. */
export interface Sealer {
  /** Encrypts `plaintext` bound to `aad`; returns base64 of `version | iv | tag | ciphertext`. */
  seal(plaintext: string, aad: string): string;
  /** Decrypts what {@link Sealer.seal} produced for the same `aad`; throws `SandboxIntegrityError` otherwise. */
  open(sealed: string, aad: string): string;
}

/**
 * Creates a sealer whose AES key is derived (HKDF-SHA256) from the 32-byte sandbox key and `context`, so each
 * store gets its own key and the raw sandbox key is never used directly for encryption.
 */
export function createSealer(key: Buffer, context: string): Sealer {
  if (key.length !== 32) throw new SandboxKeyError(`the sandbox key must be 32 bytes, got ${key.length}`);
  const aesKey = Buffer.from(
    hkdfSync("sha256", key, Buffer.alloc(0), `secretstack-sandbox/v1/${context}`, 32),
  );
  return {
    seal(plaintext, aad) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", aesKey, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(aad, "utf8"));
      const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return Buffer.concat([Buffer.of(VERSION), iv, cipher.getAuthTag(), ciphertext]).toString("base64");
    },
    open(sealed, aad) {
      const bytes = BASE64.test(sealed) ? Buffer.from(sealed, "base64") : Buffer.alloc(0);
      if (bytes.length < HEADER_BYTES || bytes[0] !== VERSION) {
        throw new SandboxIntegrityError("a sealed record is malformed or of an unknown format version");
      }
      const iv = bytes.subarray(1, 1 + IV_BYTES);
      const tag = bytes.subarray(1 + IV_BYTES, HEADER_BYTES);
      const decipher = createDecipheriv("aes-256-gcm", aesKey, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(aad, "utf8"));
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(bytes.subarray(HEADER_BYTES)), decipher.final()]).toString(
          "utf8",
        );
      } catch {
        // GCM's only failure here is authentication: changed bytes, another identity, or another key.
        throw new SandboxIntegrityError(
          "a sealed record failed authentication: it was changed, moved to another record, or sealed with another key",
        );
      }
    },
  };
}
