/**
 * Credentials and clients for the NetActuate resources and lookups, resolved at call time (never captured):
 * the resource's `connection`, then stack config, then the environment.
 */
import * as sdk from "../../sdk/netactuate";
import { apiSettings, connectionSetting, type Session, type SettingSpec, sessionFor } from "../kit";

/** Every setting of the NetActuate resources, read by the kit's one reader (see provider/kit/settings). */
export const NETACTUATE_SETTINGS = {
  // The credential's field named, so that the table's type keeps it (its context would widen it to a string).
  ...apiSettings<"apiKey">({
    namespace: "netactuate",
    baseUrl: sdk.NETACTUATE_DEFAULT_BASE_URL,
    // NetActuate documents no rate limit: no pace of our own unless set.
  }),
  // How the key travels: `query` (?key=, what NetActuate's own SDKs send, so what runs against the real API)
  // or `bearer` (Authorization: Bearer, as the docs show it).
  authStyle: connectionSetting("netactuate", "authStyle", "auth style", {
    kind: "choice",
    choices: ["query", "bearer"],
    default: sdk.NETACTUATE_DEFAULT_AUTH_STYLE,
  }),
  // How bodies are encoded: `form` (NetActuate's SDKs) or `json` (the docs).
  bodyEncoding: connectionSetting("netactuate", "bodyEncoding", "body encoding", {
    kind: "choice",
    choices: ["form", "json"],
    default: sdk.NETACTUATE_DEFAULT_BODY_ENCODING,
  }),
} as const satisfies Record<string, SettingSpec>;

/** A NetActuate client for one call, and the key of its account (for coalesced reads and baselines). */
export type NetActuateSession = Session<sdk.NetActuateClient>;

/** The client of a resource's or lookup's connection, shared by every call of this process to one account. */
export function sessionOf(connection: unknown): NetActuateSession {
  return sessionFor(
    "NetActuate",
    NETACTUATE_SETTINGS,
    connection,
    ({ credential, rateLimit, choices, ...rest }) =>
      new sdk.NetActuateClient({
        ...rest,
        // No pace of our own is an absent rateLimit, not `false`: the server's 429 and Retry-After still count.
        ...(rateLimit === false ? {} : { rateLimit }),
        apiKey: credential,
        // Both are choices with a default, so the kit always reads one.
        auth: choices.authStyle as sdk.NetActuateAuthStyle,
        bodyEncoding: choices.bodyEncoding as sdk.NetActuateBodyEncoding,
      }),
  );
}
