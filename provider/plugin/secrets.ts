/**
 * Secrets on the wire. The engine sends every secret input wrapped (`{ <sig key>: <secret sig>, value }`),
 * because the plugin says it accepts secrets; the kit's providers read plain values, so the wrappers come off
 * before they run. Going back, the engine protects only what arrives wrapped: outputs returned plain are written
 * plain into the state, whatever the schema says. So every secret argument of the resource class, and every
 * argument that arrived secret, goes back wrapped.
 */
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import type { Props } from "../kit/resource";

/** A value wrapped as the engine marks a secret. */
export interface WrappedSecret {
  [specialSigKey]: typeof specialSecretSig;
  value: unknown;
}

/** True when `value` is a secret as it travels (a wrapper with the secret signature). */
export function isSecret(value: unknown): value is WrappedSecret {
  return (
    value !== null &&
    typeof value === "object" &&
    (value as Record<string, unknown>)[specialSigKey] === specialSecretSig
  );
}

/** `value` wrapped as a secret (once: a wrapped value stays as it is). */
export function secret(value: unknown): WrappedSecret {
  return isSecret(value) ? value : { [specialSigKey]: specialSecretSig, value };
}

/** True when `value` is, or holds somewhere inside it, a secret. */
export function holdsSecret(value: unknown): boolean {
  if (isSecret(value)) return true;
  if (Array.isArray(value)) return value.some(holdsSecret);
  if (value !== null && typeof value === "object") return Object.values(value).some(holdsSecret);
  return false;
}

/** `value` with every secret wrapper replaced by what it wraps, at any depth. */
export function reveal(value: unknown): unknown {
  if (isSecret(value)) return reveal(value.value);
  if (Array.isArray(value)) return value.map(reveal);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
  }
  return value;
}

/** Plain props and the top-level keys that held a secret. */
export function unwrap(props: Props): { plain: Props; secretKeys: Set<string> } {
  const secretKeys = new Set(Object.keys(props).filter((k) => holdsSecret(props[k])));
  return { plain: reveal(props) as Props, secretKeys };
}

/** `props` with each key of `keys` (that is present) wrapped as a secret. */
export function protect(props: Props, keys: Iterable<string>): Props {
  const out: Props = { ...props };
  for (const key of keys) if (out[key] !== undefined) out[key] = secret(reveal(out[key]));
  return out;
}
