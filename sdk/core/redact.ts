/**
 * Scrubbing of text that comes from a server before it reaches an error: servers echo what they were
 * sent ("value 'hunter2' is too long"), so every string we sent and the credential are cut out of it.
 */
import { createHash } from "node:crypto";
import type { Auth } from "./types";

/** What a cut value is replaced with. */
const REDACTED = "[redacted]";
/** Longest server text kept in an error: enough to explain, too short to carry a payload. */
const MAX_TEXT = 200;
/** Below this length a sent value is only cut where it stands as a whole word, so "a" does not shred prose. */
const SHORT_VALUE = 4;
/** A server that cuts its echo short still leaks a prefix: text sharing this many characters with a long value is withheld. */
const ECHO_WINDOW = 8;
/** Values at least this long are checked for partial echoes (shorter ones are cut whole above). */
const ECHO_MIN_VALUE = 12;
/** Nested request bodies deeper than this are not walked; ours are two levels at most. */
const MAX_DEPTH = 8;

/** The credential's secret part. */
export function credentialOf(auth: Auth): string {
  return auth.kind === "bearer" ? auth.token : auth.value;
}

/** A stable, non-reversible name for a credential, for keys of process-wide registries. */
export function credentialFingerprint(auth: Auth): string {
  return createHash("sha256")
    .update(`${auth.kind}\0${credentialOf(auth)}`)
    .digest("base64url");
}

/** Every string value in a request body and the credential, longest first. */
export function sensitiveValues(auth: Auth, body: unknown): string[] {
  const values = new Set<string>();
  const credential = credentialOf(auth);
  if (credential !== "") values.add(credential);
  const walk = (value: unknown, depth: number): void => {
    if (depth > MAX_DEPTH || value === null || value === undefined) return;
    if (typeof value === "string") {
      if (value !== "") values.add(value);
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item, depth + 1);
    } else if (value instanceof URLSearchParams) {
      for (const item of value.values()) walk(item, depth + 1);
    } else if (typeof value === "object") {
      for (const item of Object.values(value)) walk(item, depth + 1);
    }
  };
  walk(body, 0);
  // Longest first, so a value that contains another is cut whole.
  return [...values].sort((a, b) => b.length - a.length);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Server text made safe for an error message: each sensitive value replaced by `[redacted]`, control
 * characters and runs of whitespace collapsed, and the result cut to a short length. Returns undefined for
 * non-text or empty input.
 */
export function scrub(text: unknown, sensitive: readonly string[]): string | undefined {
  if (typeof text !== "string") return undefined;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what we strip
  let out = text.replace(/[\u0000-\u001f\u007f]+/g, " ");
  for (const value of sensitive) {
    if (value.length >= SHORT_VALUE) {
      out = out.split(value).join(REDACTED);
    } else {
      out = out.replace(
        new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(value)}(?![\\p{L}\\p{N}])`, "gu"),
        REDACTED,
      );
    }
  }
  out = out.replace(/\s+/g, " ").trim();
  if (out === "") return undefined;
  if (echoesPart(out, sensitive)) return "[server text withheld: it repeated part of the request]";
  // Cut after redaction so a value straddling the limit is never left half visible.
  return out.length > MAX_TEXT ? `${out.slice(0, MAX_TEXT - 1)}…` : out;
}

/** True when `text` contains a run of ECHO_WINDOW characters taken from a long sensitive value. */
function echoesPart(text: string, sensitive: readonly string[]): boolean {
  const long = sensitive.filter((value) => value.length >= ECHO_MIN_VALUE);
  if (long.length === 0) return false;
  // Our own markers are split out first: they are not server text.
  for (const part of text.split(REDACTED)) {
    for (let i = 0; i + ECHO_WINDOW <= part.length; i++) {
      const window = part.slice(i, i + ECHO_WINDOW);
      if (long.some((value) => value.includes(window))) return true;
    }
  }
  return false;
}
