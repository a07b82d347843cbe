/**
 * The NetActuate identities a program claims (keys and list names, unique across the account; see
 * provider/kit/claims), and the key each SecretValue was declared with (for `cloudInit`).
 */
import * as pulumi from "@pulumi/pulumi";
import { claimIdentity, credentialDigest, scopeOf } from "../kit/claims";

/** The `connection` argument as the program gives it. */
export interface ConnectionArgs {
  /** API key. @default netactuate:apiKey stack config, then NETACTUATE_API_KEY */
  apiKey?: pulumi.Input<string>;
  /** Base URL of the API. @default netactuate:baseUrl, then NETACTUATE_BASE_URL, then https://vapi2.netactuate.com/api */
  baseUrl?: pulumi.Input<string>;
}

/** The key each SecretValue was declared with, known at preview even before the resource has outputs. */
const declared = new WeakMap<object, pulumi.Output<string>>();

/** Which account a connection addresses; unset fields mean the shared defaults. Never holds the key itself. */
function accountScope(connection: pulumi.Input<ConnectionArgs> | undefined): pulumi.Output<string> {
  return scopeOf(connection, (c) => {
    return `${(c?.baseUrl ?? "default").replace(/\/+$/, "")}|${credentialDigest(c?.apiKey)}`;
  });
}

/**
 * Claims `key` for the SecretValue `name` and returns the key gated on the claim (see provider/kit/claims):
 * two SecretValue resources of the program with the same key in the same account fail, naming both.
 */
export function claimKey(
  name: string,
  key: pulumi.Input<string>,
  connection: pulumi.Input<ConnectionArgs> | undefined,
): pulumi.Output<string> {
  const spec = {
    type: "netactuate.SecretValue",
    name,
    scope: accountScope(connection),
    rule: "NetActuate keys are unique across the account",
  };
  return claimIdentity(spec, key, (k) => `key "${k}"`);
}

/** Claims a list `name` for the SecretList `resource` (list names are unique across the account too). */
export function claimListName(
  resource: string,
  name: pulumi.Input<string>,
  connection: pulumi.Input<ConnectionArgs> | undefined,
): pulumi.Output<string> {
  const spec = {
    type: "netactuate.SecretList",
    name: resource,
    scope: accountScope(connection),
    rule: "NetActuate list names are unique across the account",
    holdOnAnyClash: true,
  };
  return claimIdentity(spec, name, (n) => `list name "${n}"`);
}

/** Remembers the key a SecretValue was declared with (for `cloudInit`). */
export function rememberDeclaredKey(resource: object, key: pulumi.Input<string>): void {
  declared.set(resource, pulumi.output(key));
}

/** The key a SecretValue was declared with, or undefined for an object that is not one. */
export function declaredKeyOf(resource: object): pulumi.Output<string> | undefined {
  return declared.get(resource);
}
