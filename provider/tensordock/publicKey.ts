/**
 * Parsing of OpenSSH public keys for `SshKey`: one line `<algorithm> <base64> [comment]`, checked with a
 * real SSH key library. Reasons never quote the input: a pasted private key must not travel further.
 */
import type * as SshpkModule from "sshpk";

/**
 * sshpk, loaded on the first key parsed: a host that serves only generic secrets (or only NetActuate and The
 * Wallet Crew) never pays for it, and neither does the first request of a refresh.
 */
let sshpkModule: typeof SshpkModule | undefined;
function sshpk(): typeof SshpkModule {
  sshpkModule ??= require("sshpk") as typeof SshpkModule;
  return sshpkModule;
}

/** Algorithms accepted for new keys, with the minimum size where one applies. */
const ALGORITHMS: Record<string, { minBits?: number }> = {
  "ssh-ed25519": {},
  "ssh-rsa": { minBits: 2048 },
  "ecdsa-sha2-nistp256": {},
  "ecdsa-sha2-nistp384": {},
  "ecdsa-sha2-nistp521": {},
};

/** What `check` learns from a valid public key. */
export interface ParsedPublicKey {
  /** The normalized line: canonical algorithm and base64, one space, the comment (inner whitespace collapsed). */
  publicKey: string;
  /** The OpenSSH algorithm name, e.g. `ssh-ed25519`. */
  keyType: string;
  /** Key size in bits (256 for ed25519). */
  keyBits: number;
  /** The comment, when the line has one. */
  comment?: string;
  /** `SHA256:` followed by unpadded base64, as `ssh-keygen -lf` prints it. */
  fingerprint: string;
}

/** The parse result: the key, or a reason that says what to do. */
export type PublicKeyResult = { ok: true; key: ParsedPublicKey } | { ok: false; reason: string };

/** A refusal, with the reason that says what to do. */
const refuse = (reason: string): PublicKeyResult => ({ ok: false, reason });

const EXPECTED = "an OpenSSH public key on one line, like 'ssh-ed25519 AAAA… user@host' (the .pub file)";

function looksPrivate(text: string): boolean {
  if (/PRIVATE KEY/.test(text)) return true;
  try {
    sshpk().parsePrivateKey(text, "auto");
    return true;
  } catch {
    return false;
  }
}

/**
 * Parses and normalizes an OpenSSH public key. Refuses private keys, multi-line input (PEM, RFC 4716),
 * authorized_keys options and security-key (`sk-`) keys; with `policy` (the default, used for new keys)
 * also DSA and RSA under 2048 bits. Without it (keys read back from state or the API) any key the
 * library can parse is described.
 */
export function parseOpenSshPublicKey(text: string, options: { policy?: boolean } = {}): PublicKeyResult {
  const policy = options.policy ?? true;
  const trimmed = text.trim();
  if (trimmed === "") return refuse(`must not be empty: pass ${EXPECTED}`);
  if (looksPrivate(trimmed)) {
    return refuse(
      "is a private key: pass only the public key (the one line of the .pub file) and keep the private key " +
        "out of your program and its state",
    );
  }
  if (/[\r\n]/.test(trimmed)) return refuse(`must be a single line: pass ${EXPECTED}`);
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(trimmed)) {
    return refuse("must not contain control characters");
  }
  const tokens = trimmed.split(/[ \t]+/);
  const [algorithm, data, ...commentTokens] = tokens;
  if (algorithm === undefined || data === undefined) return refuse(`must be ${EXPECTED}`);
  const rule = policy
    ? ALGORITHMS[algorithm]
    : (ALGORITHMS[algorithm] ?? (algorithm === "ssh-dss" ? {} : undefined));
  if (rule === undefined) {
    if (algorithm.startsWith("sk-")) {
      return refuse("security-key (sk-…) public keys are not supported; use an ed25519 or RSA key");
    }
    if (algorithm === "ssh-dss") {
      return refuse("DSA keys are refused (OpenSSH disabled them); use ssh-ed25519 or ssh-rsa");
    }
    return refuse(
      `must start with a key type (${Object.keys(ALGORITHMS).join(", ")}); authorized_keys options are not accepted`,
    );
  }
  let key: SshpkModule.Key;
  try {
    key = sshpk().parseKey(`${algorithm} ${data}`, "ssh");
  } catch {
    return refuse(`holds key data that is not a valid ${algorithm} key (truncated or altered?)`);
  }
  if (policy && rule.minBits !== undefined && key.size < rule.minBits) {
    return refuse(`is a ${key.size}-bit RSA key; use at least ${rule.minBits} bits, or ssh-ed25519`);
  }
  const comment = commentTokens.join(" ");
  // key.toString("ssh") writes the canonical base64 (and a placeholder comment when none): keep its first two parts.
  const [canonicalType = algorithm, canonicalData = data] = key.toString("ssh").split(" ");
  const parsed: ParsedPublicKey = {
    publicKey:
      comment === "" ? `${canonicalType} ${canonicalData}` : `${canonicalType} ${canonicalData} ${comment}`,
    keyType: canonicalType,
    keyBits: key.size,
    fingerprint: key.fingerprint("sha256").toString(),
  };
  if (comment !== "") parsed.comment = comment;
  return { ok: true, key: parsed };
}
