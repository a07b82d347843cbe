/**
 * Program-side bookkeeping of the keys SecretValue resources declare. NetActuate keys are unique across the
 * account, so two SecretValue resources of one program with the same key would fight over one secret; each
 * `check` sees one resource only, so the program itself catches the clash, before anything is registered.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

/** The `connection` argument as the program gives it. */
export interface ConnectionArgs {
  /** API key. @default netactuate:apiKey stack config, then NETACTUATE_API_KEY */
  apiKey?: pulumi.Input<string>;
  /** Base URL of the API. @default netactuate:baseUrl, then NETACTUATE_BASE_URL, then https://vapi2.netactuate.com/api */
  baseUrl?: pulumi.Input<string>;
}

/** Resource names by account and key: `<account>|<key>` → names of the resources that declare it. */
const claims = new Map<string, Set<string>>();

/** The key each SecretValue was declared with, known at preview even before the resource has outputs. */
const declared = new WeakMap<object, pulumi.Output<string>>();

/** Waits until the program's synchronous construction (and the applies it queued) has run. */
const afterConstruction = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Which account a connection addresses; unset fields mean the shared defaults. Never holds the key itself. */
function accountOf(connection: { apiKey?: string; baseUrl?: string } | undefined): string {
  const key = connection?.apiKey;
  const digest =
    key === undefined || key === "" ? "default" : createHash("sha256").update(key).digest("hex").slice(0, 16);
  return `${(connection?.baseUrl ?? "default").replace(/\/+$/, "")}|${digest}`;
}

/**
 * The account a connection addresses, as a plain (non-secret) output: it is a digest, never the API key, so
 * gating the key on it does not make the key secret. No connection is the shared default account.
 */
function accountOutput(connection: pulumi.Input<ConnectionArgs> | undefined): pulumi.Output<string> {
  if (connection === undefined) return pulumi.output(accountOf(undefined));
  return pulumi.unsecret(
    pulumi.output(connection).apply((c) => accountOf(c as { apiKey?: string; baseUrl?: string } | undefined)),
  );
}

/**
 * Claims `key` for the resource `name` and returns the key gated on the claim: the gate fails, naming every
 * resource that declares the same key in the same account, so each of them fails to register and the program
 * stops before any of them is created. The key keeps whatever secrecy it had, and a value unknown at preview
 * does not keep the check from running there.
 */
export function claimKey(
  name: string,
  key: pulumi.Input<string>,
  connection: pulumi.Input<ConnectionArgs> | undefined,
): pulumi.Output<string> {
  return pulumi.all([key, accountOutput(connection)]).apply(async ([resolvedKey, account]) => {
    const id = `${account}|${resolvedKey}`;
    const names = claims.get(id) ?? new Set<string>();
    names.add(name);
    claims.set(id, names);
    await afterConstruction();
    const owners = [...(claims.get(id) ?? [])];
    if (owners.length > 1) throw duplicateKeyError(owners, resolvedKey);
    return resolvedKey;
  });
}

function duplicateKeyError(owners: readonly string[], key: string): Error {
  const list = owners.map((owner) => `"${owner}"`).join(" and ");
  return new Error(
    `netactuate.SecretValue resources ${list} declare the same key "${key}": NetActuate keys are unique ` +
      "across the account, so each key may be declared by one SecretValue only; rename one key or remove one " +
      "resource",
  );
}

/** The first key two resources declare, with its owners, among the claims made so far. */
function firstClash(): { key: string; owners: string[] } | undefined {
  for (const [id, names] of claims) {
    if (names.size > 1) return { key: id.slice(id.lastIndexOf("|") + 1), owners: [...names] };
  }
  return undefined;
}

/**
 * Returns `input` once the program's construction has run, failing instead when two SecretValue resources
 * declare the same key: other NetActuate resources of a program that cannot deploy are not created either
 * (a SecretList first in the program would otherwise be created before the clash is known).
 */
export function afterKeyClaims<T>(resource: string, input: pulumi.Input<T>): pulumi.Output<T> {
  return pulumi.output(input).apply(async (plain) => {
    await afterConstruction();
    const clash = firstClash();
    if (clash !== undefined) {
      throw new Error(`${resource} is not created: ${duplicateKeyError(clash.owners, clash.key).message}`);
    }
    return plain as pulumi.Unwrap<T>;
  }) as pulumi.Output<T>;
}

/** Remembers the key a SecretValue was declared with (for `cloudInit`). */
export function rememberDeclaredKey(resource: object, key: pulumi.Input<string>): void {
  declared.set(resource, pulumi.output(key));
}

/** The key a SecretValue was declared with, or undefined for an object that is not one. */
export function declaredKeyOf(resource: object): pulumi.Output<string> | undefined {
  return declared.get(resource);
}

/** Forgets every claim (tests that build several programs in one process). */
export function resetKeyClaims(): void {
  claims.clear();
}
