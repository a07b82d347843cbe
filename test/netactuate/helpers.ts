/** Shared helpers of the NetActuate tests: canaries, leak scans, and a fresh view of the account per operation. */
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { accountKey, readCoalescer } from "../../provider/common";

/** A recognizable random string to plant as a key or a value, then search for. */
export function canary(label: string): string {
  return `CANARY${label}${randomBytes(9).toString("hex")}`;
}

/** The forms a leaked canary could take: plain, base64 (padded or not), base64url, URL-encoded. */
export function leakForms(secret: string): string[] {
  return [
    secret,
    Buffer.from(secret).toString("base64").replace(/=+$/, ""),
    Buffer.from(secret).toString("base64url"),
    encodeURIComponent(secret),
  ];
}

/** The first leaked form of any canary in `text`, or undefined. */
export function findLeak(text: string, secrets: readonly string[]): string | undefined {
  for (const secret of secrets) {
    for (const form of leakForms(secret)) if (text.includes(form)) return form;
  }
  return undefined;
}

/** Every byte of every file under `dir`, as latin1 text (binary files included). */
export function readTree(dir: string): string {
  let text = "";
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    text += entry.isDirectory() ? readTree(path) : readFileSync(path).toString("latin1");
  }
  return text;
}

/**
 * A refresh runs in a fresh provider host; in-process, that means forgetting the account snapshots the
 * coalesced reads share, so a change made behind the provider's back is seen.
 */
export function newOperation(baseUrl: string, apiKey: string): void {
  const account = accountKey("NetActuate", baseUrl.replace(/\/+$/, ""), apiKey);
  readCoalescer.invalidate(`${account}|values`);
  readCoalescer.invalidate(`${account}|lists`);
}
