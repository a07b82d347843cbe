/**
 * Program-side bookkeeping of identities that must be unique: a NetActuate key or list name in an account, a
 * Wallet Crew key in a tenant. Two resources of one program with the same identity would fight over one
 * remote object (an upsert makes both "created", then each `up` overwrites the other), and each `check` sees
 * one resource only, so the program itself catches the clash, before anything is registered: the identity
 * each resource declares is gated on its claim, and the gate fails naming every resource that declares it.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import type { SettingSpec } from "./settings";

/** One claimed identity: who declares it, and how to say what it is. */
interface Claim {
  owners: Set<string>;
  /** e.g. `key "DB_PASSWORD"`, `key "signing" in tenant demo`. */
  shown: string;
  /** e.g. `netactuate.SecretValue`. */
  type: string;
  /** Why it must be unique, e.g. "NetActuate keys are unique across the account". */
  rule: string;
}

const claims = new Map<string, Claim>();

/** Waits until the program's synchronous construction (and the applies it queued) has run. */
const afterConstruction = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A digest naming a credential (never the credential), or "default" when it is absent. */
export function credentialDigest(credential: string | undefined): string {
  return credential === undefined || credential === ""
    ? "default"
    : createHash("sha256").update(credential).digest("hex").slice(0, 16);
}

/**
 * The scope an identity lives in, from a resource's `connection`, as a plain (non-secret) output: a digest of
 * the credential and the other fields (base URL, tenant), never the credential itself. No connection is the
 * shared default scope of the stack config and environment.
 */
export function scopeOf<C extends object>(
  connection: pulumi.Input<C> | undefined,
  scope: (connection: pulumi.Unwrap<C> | undefined) => string,
): pulumi.Output<string> {
  if (connection === undefined) return pulumi.output(scope(undefined));
  return pulumi.unsecret(pulumi.output(connection).apply((c) => scope(c as pulumi.Unwrap<C> | undefined)));
}

/** The error for an identity declared by more than one resource. */
function duplicateError(claim: Claim): Error {
  const list = [...claim.owners].map((owner) => `"${owner}"`).join(" and ");
  return new Error(
    `${claim.type} resources ${list} declare the same ${claim.shown}: ${claim.rule}, so it may be declared ` +
      "by one resource only; change one of them or remove one resource",
  );
}

/** What a resource claims: its identity within `scope`. */
export interface ClaimSpec {
  type: string;
  /** The resource's name in the program. */
  name: string;
  scope: pulumi.Input<string>;
  rule: string;
  /**
   * Also hold this resource back when any other identity of the program clashes: the first resources of a
   * program that cannot deploy (a list declared before two values with one key) are not created either.
   */
  holdOnAnyClash?: boolean;
}

/**
 * Claims `value` (a key or a name) for the resource `spec.name` within `spec.scope`, and returns it gated on
 * the claim: the gate fails when another resource of the program declares the same, so every one of them
 * fails to register and nothing is created. The value keeps whatever secrecy it had, and a value unknown at
 * preview does not keep the check from running there.
 */
export function claimIdentity(
  spec: ClaimSpec,
  value: pulumi.Input<string>,
  shown: (value: string, scope: string) => string,
): pulumi.Output<string> {
  return pulumi.all([value, spec.scope]).apply(async ([resolved, scope]) => {
    const id = `${spec.type}|${scope}|${resolved}`;
    const claim = claims.get(id) ?? {
      owners: new Set<string>(),
      shown: shown(resolved, scope),
      type: spec.type,
      rule: spec.rule,
    };
    claim.owners.add(spec.name);
    claims.set(id, claim);
    await afterConstruction();
    if (claim.owners.size > 1) throw duplicateError(claim);
    if (spec.holdOnAnyClash) {
      for (const other of claims.values()) {
        if (other.owners.size > 1) {
          throw new Error(`${spec.type} "${spec.name}" is not created: ${duplicateError(other).message}`);
        }
      }
    }
    return resolved;
  });
}

/** What the program sees of a setting: stack config, then the environment (as the provider reads them). */
function programSetting(spec: SettingSpec): string | undefined {
  const value = pulumi.runtime.getConfig(spec.configKey) ?? process.env[spec.envVar];
  return value === undefined || value.trim() === "" ? undefined : value;
}

/**
 * The scope an identity lives in, resolved as the provider resolves its settings: each `connection` field of
 * the API's settings table from `overrides` (an argument such as `tenantId`), the resource's connection, stack
 * config, the environment or its default, in table order, joined by `|`. A credential becomes its digest before
 * it leaves the (secret) connection; the result is a plain output.
 */
export function connectionScope(
  table: Record<string, SettingSpec>,
  connection: pulumi.Input<object> | undefined,
  overrides: Record<string, pulumi.Input<string> | undefined> = {},
): pulumi.Output<string> {
  // A choice (how requests are written) does not change which account they address, so it is no part of a scope.
  const specs = Object.entries(table).filter(
    ([, spec]) => spec.field !== undefined && spec.kind !== "choice",
  );
  const shown = (spec: SettingSpec, value: string | undefined) =>
    spec.kind === "secret" ? credentialDigest(value) : value?.replace(/\/+$/, "");
  const given = scopeOf(connection as pulumi.Input<Record<string, string>> | undefined, (c) =>
    JSON.stringify(
      specs
        .map(([, spec]) => c?.[spec.field ?? ""] ?? null)
        .map((v, i) => {
          const spec = specs[i]?.[1];
          return v === null || spec === undefined ? null : shown(spec, v);
        }),
    ),
  );
  const forced = pulumi.all(specs.map(([key]) => overrides[key]));
  return pulumi.unsecret(
    pulumi.all([given, forced]).apply(([text, fixed]) => {
      const fromConnection = JSON.parse(text) as Array<string | null>;
      return specs
        .map(
          ([, spec], i) =>
            fixed[i] ?? fromConnection[i] ?? shown(spec, programSetting(spec) ?? spec.default) ?? "",
        )
        .join("|");
    }),
  );
}
