/**
 * How an account is named in this process, never by its credential: the key the shared clients, read snapshots
 * and identity claims of one account have in common.
 */
import { createHash } from "node:crypto";
import { withoutTrailingSlash } from "../../sdk/core";

/**
 * Digests already computed in this process, by credential: every read of a refresh asks for its account key,
 * and a thousand SHA-256 computations are measurable in the host. Memory only, like the clients that hold
 * the same credentials; bounded, since a host process serves one operation and few accounts.
 */
const digests = new Map<string, string>();

/** A digest naming a credential (16 hex digits of its SHA-256), never the credential. */
export function credentialDigest(credential: string): string {
  let digest = digests.get(credential);
  if (digest === undefined) {
    digest = createHash("sha256").update(credential).digest("hex").slice(0, 16);
    if (digests.size >= 256) digests.clear();
    digests.set(credential, digest);
  }
  return digest;
}

/** The account key of an API credential: the API, its base URL and a digest of the credential. */
export function accountKey(api: string, baseUrl: string, credential: string): string {
  return `${api}|${withoutTrailingSlash(baseUrl)}|${credentialDigest(credential)}`;
}
