/**
 * Program-side bookkeeping of identities that must be unique: a NetActuate key or list name in an account, a
 * Wallet Crew key in a tenant. Two resources of one program with the same identity would fight over one
 * remote object (an upsert makes both "created", then each `up` overwrites the other), and each `check` sees
 * one resource only, so the program itself catches the clash, before anything is registered: the identity
 * each resource declares is gated on its claim, and the gate fails naming every resource that declares it.
 */
import * as pulumi from "@pulumi/pulumi";
import { withoutTrailingSlash } from "../../sdk/core";
import { credentialDigest } from "./account";
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

/** The error for an identity declared by more than one resource. */
function duplicateError(claim: Claim): Error {
  const list = [...claim.owners].map((owner) => `"${owner}"`).join(" and ");
  return new Error(
    `${claim.type} resources ${list} declare the same ${claim.shown}: ${claim.rule}, so it may be declared ` +
      "by one resource only; change one of them or remove one resource",
  );
}

/** One kind of identity: whose it is, where it must be unique, and how a clash names it. */
export interface IdentitySpec {
  /** e.g. `netactuate.SecretValue`. */
  type: string;
  /** The settings table of the API, whose `connection` fields make the scope (see {@link connectionScope}). */
  table: Record<string, SettingSpec>;
  /** Why it must be unique, e.g. "NetActuate keys are unique across the account". */
  rule: string;
  /** How a clash names the identity, e.g. `key "DB_PASSWORD"`, from the value and its scope. */
  shown(value: string, scope: string): string;
  /**
   * Also hold this resource back when any other identity of the program clashes: the first resources of a
   * program that cannot deploy (a list declared before two values with one key) are not created either.
   */
  holdOnAnyClash?: boolean;
}

/**
 * A claim of one kind of identity. It claims `value` (a key or a name) for the resource `name` within the
 * scope of its `connection` (and `overrides`, see {@link connectionScope}), and returns it gated on the claim:
 * the gate fails when another resource of the program declares the same, so every one of them fails to
 * register and nothing is created. The value keeps whatever secrecy it had, and a value unknown at preview
 * does not keep the check from running there.
 */
export function identityClaim(spec: IdentitySpec) {
  return (
    name: string,
    value: pulumi.Input<string>,
    connection?: pulumi.Input<object>,
    overrides?: Record<string, pulumi.Input<string> | undefined>,
  ): pulumi.Output<string> =>
    pulumi
      .all([value, connectionScope(spec.table, connection, overrides)])
      .apply(async ([resolved, scope]) => {
        const id = `${spec.type}|${scope}|${resolved}`;
        const claim = claims.get(id) ?? {
          owners: new Set<string>(),
          shown: spec.shown(resolved, scope),
          type: spec.type,
          rule: spec.rule,
        };
        claim.owners.add(name);
        claims.set(id, claim);
        await afterConstruction();
        if (claim.owners.size > 1) throw duplicateError(claim);
        const other = spec.holdOnAnyClash ? [...claims.values()].find((c) => c.owners.size > 1) : undefined;
        if (other !== undefined) {
          throw new Error(`${spec.type} "${name}" is not created: ${duplicateError(other).message}`);
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
 * config, the environment or its default, in table order, joined by `|`. A credential is named by its digest,
 * never itself, so the result is a plain output.
 */
function connectionScope(
  table: Record<string, SettingSpec>,
  connection: pulumi.Input<object> | undefined,
  overrides: Record<string, pulumi.Input<string> | undefined> = {},
): pulumi.Output<string> {
  // A choice (how requests are written) does not change which account they address, so it is no part of a scope.
  const specs = Object.entries(table).filter(
    ([, spec]) => spec.field !== undefined && spec.kind !== "choice",
  );
  const forced = pulumi.all(specs.map(([key]) => overrides[key]));
  const given = pulumi.output(connection as pulumi.Input<Record<string, string | undefined>> | undefined);
  return pulumi.unsecret(
    pulumi.all([given, forced]).apply(([c, fixed]) =>
      specs
        .map(([, spec], i) => {
          const value = c?.[spec.field ?? ""] ?? programSetting(spec) ?? spec.default;
          const shown =
            spec.kind !== "secret"
              ? value && withoutTrailingSlash(value)
              : value
                ? credentialDigest(value)
                : "default";
          return fixed[i] ?? shown ?? "";
        })
        .join("|"),
    ),
  );
}
