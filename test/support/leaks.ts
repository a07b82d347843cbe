/**
 * The one leak scanner: plant recognizable secrets (canaries), then prove no text holds them in any form a
 * leak could take, and that a state file keeps its secret fields as ciphertext.
 */
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";

/** A recognizable random string, long enough never to occur by chance, to plant as a token or a value. */
export function canary(label: string): string {
  return `CANARY${label}${randomBytes(9).toString("hex")}`;
}

/** The kind of encoding a leaked canary was found in. */
export type LeakForm = "plain" | "base64" | "url-encoded" | "hex";

/**
 * The forms a leaked secret could take, each with its kind: plain; URL-encoded (also with `+` for a space,
 * as `application/x-www-form-urlencoded` spells it) when that differs from plain; hex; and base64/base64url at
 * each of the three alignments it can have inside a longer encoded text (edge characters that depend on
 * neighbours dropped).
 */
export function leakForms(secret: string): { form: LeakForm; text: string }[] {
  const forms: { form: LeakForm; text: string }[] = [{ form: "plain", text: secret }];
  const encoded = encodeURIComponent(secret);
  if (encoded !== secret) forms.push({ form: "url-encoded", text: encoded });
  if (encoded.includes("%20")) forms.push({ form: "url-encoded", text: encoded.replaceAll("%20", "+") });
  forms.push({ form: "hex", text: Buffer.from(secret).toString("hex") });
  for (let pad = 0; pad < 3; pad += 1) {
    const bytes = Buffer.concat([Buffer.alloc(pad), Buffer.from(secret)]);
    for (const encoding of ["base64", "base64url"] as const) {
      const text = bytes.toString(encoding).replace(/=+$/, "");
      // The first ceil(pad*4/3) characters mix in the padding bytes, the last one may mix in what follows.
      forms.push({ form: "base64", text: text.slice(Math.ceil((pad * 4) / 3), -1) });
    }
  }
  const seen = new Set<string>();
  return forms.filter(({ text }) => !seen.has(text) && seen.add(text));
}

/** Hits of `secrets` in `text`: one per (secret, form) found, with the secret's index and the form. */
export function leakHits(text: string, secrets: readonly string[]): { secret: number; form: LeakForm }[] {
  return secrets.flatMap((secret, index) =>
    leakForms(secret)
      .filter((form) => text.includes(form.text))
      .map(({ form }) => ({ secret: index, form })),
  );
}

/** The first leaked form of any of `secrets` found in `text`, or undefined. */
export function findLeak(text: string, secrets: readonly string[]): string | undefined {
  for (const secret of secrets) {
    for (const { text: form } of leakForms(secret)) if (text.includes(form)) return form;
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

/**
 * Secret fields of a raw state file that are not ciphertext: for each resource, the keys its state lists as
 * secret (inputs and outputs) and every `value` and `connection`, each of which must be an encrypted envelope.
 */
export function plainSecretFields(rawState: string): string[] {
  const state = JSON.parse(rawState) as {
    resources: {
      name: string;
      inputs?: Record<string, unknown>;
      outputs?: Record<string, unknown>;
      secretInputs?: string[];
      secretOutputs?: string[];
    }[];
  };
  const isEnvelope = (value: unknown) =>
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[specialSigKey] === specialSecretSig &&
    typeof (value as Record<string, unknown>).ciphertext === "string";
  const plain: string[] = [];
  for (const resource of state.resources) {
    for (const [where, props, listed] of [
      ["inputs", resource.inputs ?? {}, resource.secretInputs ?? []],
      ["outputs", resource.outputs ?? {}, resource.secretOutputs ?? []],
    ] as const) {
      for (const key of new Set([...listed, "value", "connection"])) {
        if (key in props && props[key] !== undefined && !isEnvelope(props[key]))
          plain.push(`${resource.name} ${where}.${key}`);
      }
    }
  }
  return plain;
}
