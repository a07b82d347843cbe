/** Shared helpers of the TensorDock tests: SSH keys, canaries, raw HTTP calls and scans for leaked secrets. */
import { generateKeyPairSync } from "node:crypto";
import * as sshpk from "sshpk";
export { canary, findLeak, readTree } from "../support/leaks";

/** A fresh OpenSSH public key line of the given kind, with an optional comment. */
export function publicKeyLine(
  kind: "ed25519" | "rsa2048" | "rsa1024" | "ecdsa" = "ed25519",
  comment?: string,
): string {
  const encoding = {
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  } as const;
  const pair =
    kind === "ed25519"
      ? generateKeyPairSync("ed25519", encoding)
      : kind === "ecdsa"
        ? generateKeyPairSync("ec", { namedCurve: "P-256", ...encoding })
        : generateKeyPairSync("rsa", { modulusLength: kind === "rsa1024" ? 1024 : 2048, ...encoding });
  const key = sshpk.parseKey(String(pair.publicKey), "pem");
  const [type, data] = key.toString("ssh").split(" ");
  return comment === undefined ? `${type} ${data}` : `${type} ${data} ${comment}`;
}

/** An OpenSSH-format private key (what a user might paste by mistake). */
export function privateKeyText(): string {
  const pair = generateKeyPairSync("ed25519", {
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  return sshpk.parsePrivateKey(pair.privateKey, "pem").toString("ssh-private");
}

/** A JSON request to an emulator; returns status, headers, the parsed (or raw) body and the raw text. */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; contentType?: string } = {},
): Promise<{ status: number; headers: Headers; body: unknown; text: string }> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers["content-type"] = options.contentType ?? "application/json";
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    // Not JSON: keep the text, the test will say what it expected.
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

/** A seed-dialect create body (sends both type spellings, like the client). */
export function createBody(
  name: string,
  type: string,
  value: string,
  spelling: "both" | "seed" | "vendor" = "both",
) {
  const attributes: Record<string, unknown> = { name, value };
  if (spelling !== "vendor") attributes.secret_type = type;
  if (spelling !== "seed") attributes.type = type;
  return { data: { type: "secret", attributes } };
}
