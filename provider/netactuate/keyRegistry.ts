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
  /** Base URL of the API. @default netactuate:baseUrl, then NETACTUATE_BASE_URL, then https://vapi2.netactuate.com/api/ */
  baseUrl?: pulumi.Input<string>;
  /** `query` (`?key=`) or `bearer`. @default netactuate:authStyle, then NETACTUATE_AUTH_STYLE, then "query" */
  authStyle?: pulumi.Input<"query" | "bearer">;
  /** `form` or `json` bodies. @default netactuate:bodyEncoding, then NETACTUATE_BODY_ENCODING, then "form" */
  bodyEncoding?: pulumi.Input<"form" | "json">;
}

/** The identities NetActuate keeps unique across an account, and how a clash names them. */
const IDENTITIES = {
  key: { type: "netactuate.SecretValue", what: "key", holdOnAnyClash: false },
  // A list declared before two values with one key is not created either: the program cannot deploy.
  listName: { type: "netactuate.SecretList", what: "list name", holdOnAnyClash: true },
};

/**
 * Claims `value` (a key or a list name) for the resource `name` and returns it gated on the claim: two
 * resources of the program declaring it in the same account fail, naming both. The account is a digest of
 * the connection (never the API key itself); unset fields mean the shared defaults.
 */
function claim(
  identity: keyof typeof IDENTITIES,
  name: string,
  value: pulumi.Input<string>,
  connection: pulumi.Input<ConnectionArgs> | undefined,
): pulumi.Output<string> {
  const { what, ...spec } = IDENTITIES[identity];
  const scope = scopeOf(
    connection,
    (c) => `${(c?.baseUrl ?? "default").replace(/\/+$/, "")}|${credentialDigest(c?.apiKey)}`,
  );
  const rule = `NetActuate ${what}s are unique across the account`;
  return claimIdentity({ ...spec, name, scope, rule }, value, (v) => `${what} "${v}"`);
}

/** Claims a SecretValue's key; see {@link claim}. */
export const claimKey = (
  name: string,
  key: pulumi.Input<string>,
  connection?: pulumi.Input<ConnectionArgs>,
) => claim("key", name, key, connection);

/** Claims a SecretList's name; see {@link claim}. */
export const claimListName = (
  name: string,
  listName: pulumi.Input<string>,
  connection?: pulumi.Input<ConnectionArgs>,
) => claim("listName", name, listName, connection);

/** The key each SecretValue was declared with, known at preview even before the resource has outputs. */
const declared = new WeakMap<object, pulumi.Output<string>>();

/** Remembers the key a SecretValue was declared with (for `cloudInit`). */
export function rememberDeclaredKey(resource: object, key: pulumi.Input<string>): void {
  declared.set(resource, pulumi.output(key));
}

/** The key a SecretValue was declared with, or undefined for an object that is not one. */
export function declaredKeyOf(resource: object): pulumi.Output<string> | undefined {
  return declared.get(resource);
}
