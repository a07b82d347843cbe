/** Canaries and the search for them: plant recognizable secrets, then prove no text holds them in any form. */
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** A recognizable random string, long enough never to occur by chance, to plant as a token or a value. */
export function canary(label: string): string {
  return `CANARY${label}${randomBytes(9).toString("hex")}`;
}

/**
 * The forms a leaked canary could take: plain, URL-encoded, hex, and base64/base64url at each of the three
 * alignments it can have inside a longer encoded text (edge characters that depend on neighbours dropped).
 */
export function leakForms(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), Buffer.from(secret).toString("hex")]);
  for (let pad = 0; pad < 3; pad += 1) {
    const bytes = Buffer.concat([Buffer.alloc(pad), Buffer.from(secret)]);
    for (const encoding of ["base64", "base64url"] as const) {
      const text = bytes.toString(encoding).replace(/=+$/, "");
      // The first ceil(pad*4/3) characters mix in the padding bytes, the last one may mix in what follows.
      forms.add(text.slice(Math.ceil((pad * 4) / 3), -1));
    }
  }
  return [...forms];
}

/** The first leaked form of any of `secrets` found in `text`, or undefined. */
export function findLeak(text: string, secrets: readonly string[]): string | undefined {
  for (const secret of secrets) {
    for (const form of leakForms(secret)) if (text.includes(form)) return form;
  }
  return undefined;
}

/** Every byte of every file under `dir`, as latin1 text, so binary files (SQLite, WAL) are searched too. */
export function readTree(dir: string): string {
  let text = "";
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = join(dir, entry.name);
    text += entry.isDirectory() ? readTree(file) : readFileSync(file).toString("latin1");
  }
  return text;
}
