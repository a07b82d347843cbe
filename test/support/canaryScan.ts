/**
 * Counting leaked canaries: every encoded form of every canary found in a text, by form (plain, base64,
 * URL-encoded, hex), so a report can say how many hits each source had and in which form.
 */
import { specialSecretSig as SECRET_SIG, specialSigKey as SIG_KEY } from "@pulumi/pulumi/runtime/rpc";

/** The form a canary was found in. */
export type LeakForm = "plain" | "base64" | "url-encoded" | "hex";

/** The forms of one canary, each with its kind; URL-encoded only when it differs from the plain text. */
export function formsOf(secret: string): { form: LeakForm; text: string }[] {
  const forms: { form: LeakForm; text: string }[] = [{ form: "plain", text: secret }];
  const encoded = encodeURIComponent(secret);
  if (encoded !== secret) forms.push({ form: "url-encoded", text: encoded });
  // `application/x-www-form-urlencoded` spells a space `+`.
  if (encoded.includes("%20")) forms.push({ form: "url-encoded", text: encoded.replaceAll("%20", "+") });
  forms.push({ form: "hex", text: Buffer.from(secret).toString("hex") });
  for (let pad = 0; pad < 3; pad++) {
    const bytes = Buffer.concat([Buffer.alloc(pad), Buffer.from(secret)]);
    for (const encoding of ["base64", "base64url"] as const) {
      // Inside a longer encoded text, the characters that mix in the neighbours' bits differ: drop them.
      const text = bytes.toString(encoding).replace(/=+$/, "");
      forms.push({ form: "base64", text: text.slice(Math.ceil((pad * 4) / 3), -1) });
    }
  }
  return forms;
}

/** Hits of `secrets` in `text`: one per (canary, form) found, with the form. */
export function leakHits(text: string, secrets: readonly string[]): { secret: number; form: LeakForm }[] {
  const hits: { secret: number; form: LeakForm }[] = [];
  secrets.forEach((secret, index) => {
    const seen = new Set<string>();
    for (const { form, text: needle } of formsOf(secret)) {
      if (seen.has(needle)) continue;
      seen.add(needle);
      if (text.includes(needle)) hits.push({ secret: index, form });
    }
  });
  return hits;
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
    (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG &&
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
