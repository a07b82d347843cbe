/**
 * The NetActuate identities a program claims (keys and list names, unique across the account; see
 * provider/kit/claims), and the key each SecretValue was declared with (for `cloudInit`).
 */
import * as pulumi from "@pulumi/pulumi";
import { identityClaim } from "../kit/claims";
import { NETACTUATE_SETTINGS } from "./connection";

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

/** The argument every NetActuate resource has besides its own. */
export interface NetActuateResourceArgs {
  /**
   * Where and as whom to call the API. Always stored as a secret; changing it never replaces the resource.
   * @default netactuate:apiKey / netactuate:baseUrl stack config, then NETACTUATE_API_KEY / NETACTUATE_BASE_URL
   */
  connection?: pulumi.Input<ConnectionArgs>;
}

/** A claim of an identity NetActuate keeps unique across an account (see provider/kit/claims). */
const accountUnique = (type: string, what: string, holdOnAnyClash: boolean) =>
  identityClaim({
    type,
    table: NETACTUATE_SETTINGS,
    rule: `NetActuate ${what}s are unique across the account`,
    shown: (value) => `${what} "${value}"`,
    holdOnAnyClash,
  });

/** Claims a SecretValue's key: two values of the program with one key in one account fail, naming both. */
export const claimKey = accountUnique("netactuate.SecretValue", "key", false);

/**
 * Claims a SecretList's name, as {@link claimKey} a key. A list declared before two values with one key is not
 * created either: the program cannot deploy.
 */
export const claimListName = accountUnique("netactuate.SecretList", "list name", true);

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
