/**
 * The five resources the provider plugin serves, by type token: each one is the kit's provider object that the
 * dynamic resource runs (the same `*.provider` module, never a second implementation), its definition (the zod
 * schemas and change rules the schema and the detailed diff are made from), and the arguments it always keeps
 * secret (the list its resource class registers as secret too).
 */
import { type Defined, definitionOf, type KitProvider, type Props } from "../kit/resource";
import type { SettingSpec } from "../kit/settings";
import { NETACTUATE_SETTINGS } from "../netactuate/connection";
import secretListProvider from "../netactuate/secretList.provider";
import secretValueProvider from "../netactuate/secretValue.provider";
import { TENSORDOCK_SETTINGS } from "../tensordock/connection";
import genericSecretProvider from "../tensordock/genericSecret.provider";
import sshKeyProvider from "../tensordock/sshKey.provider";
import { WALLETCREW_SETTINGS } from "../walletcrew/connection";
import tenantSecretProvider from "../walletcrew/tenantSecret.provider";

/** The package name: the plugin is `pulumi-resource-secretstack`, its tokens `secretstack:<api>:<Resource>`. */
export const PACKAGE = "secretstack";

/** The APIs, as the modules of the tokens and the namespaces of their settings. */
export type Api = "tensordock" | "walletcrew" | "netactuate";

/** Every setting of each API (the kit's tables), in the order the schema lists them. */
export const API_SETTINGS: Record<Api, Record<string, SettingSpec>> = {
  tensordock: TENSORDOCK_SETTINGS,
  walletcrew: WALLETCREW_SETTINGS,
  netactuate: NETACTUATE_SETTINGS,
};

/** One resource the plugin serves. */
export interface PluginResource {
  /** `secretstack:tensordock:SshKey`. */
  token: string;
  api: Api;
  /** `SshKey`. */
  name: string;
  /** The kit's provider object, as the dynamic resource runs it. */
  provider: KitProvider<Props>;
  /** What the provider object was made from. */
  definition: Defined<Props, Props>;
  /** Arguments always secret in state and outputs, as the resource class registers them. */
  secrets: readonly string[];
}

function served(provider: KitProvider<Props>): PluginResource {
  const definition = definitionOf(provider);
  if (definition === undefined) throw new Error("a provider object was not made by defineResource");
  const [api, name = ""] = definition.type.split(":") as [Api, string];
  if (!(api in API_SETTINGS)) throw new Error(`${definition.type} is not a resource of a known API`);
  return { token: `${PACKAGE}:${api}:${name}`, api, name, provider, definition, secrets: definition.secrets };
}

/** The resources, in the order of the schema. */
export const RESOURCES: readonly PluginResource[] = [
  served(sshKeyProvider),
  served(genericSecretProvider),
  served(tenantSecretProvider),
  served(secretListProvider),
  served(secretValueProvider),
];

const byToken = new Map(RESOURCES.map((r) => [r.token, r]));

/** The token of a URN (`urn:pulumi:<stack>::<project>::<parent types$>type::<name>`). */
export function tokenOf(urn: string): string {
  const qualified = urn.split("::")[2] ?? "";
  return qualified.slice(qualified.lastIndexOf("$") + 1);
}

/** The resource a URN names; an unknown type is an error naming the ones served. */
export function resourceOf(urn: string): PluginResource {
  const token = tokenOf(urn);
  const found = byToken.get(token);
  if (found === undefined) {
    throw new Error(
      `unknown resource type ${token}: the ${PACKAGE} provider serves ${RESOURCES.map((r) => r.token).join(", ")}`,
    );
  }
  return found;
}
