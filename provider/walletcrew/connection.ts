/**
 * Turns a resource's `connection` (or stack config, or the environment) into a client, at call time.
 * Nothing here is captured by the provider object, so no credential reaches the serialized provider.
 */
import { z } from "zod";
import { WalletCrewClient } from "../../sdk/walletcrew";
import { apiSettings, connectionSetting, readSetting, type Session, sessionFor, UNKNOWN } from "../kit";

/** What the settings read from a resource's `connection` (see ./schema for its full shape). */
type ConnectionFields = { tenantId?: string | undefined } | typeof UNKNOWN | undefined;

/** Tenant ids travel as one path segment and before the `/` of resource ids, so no `/`, no spaces. */
export const TENANT_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;

/** A tenant id, wherever it comes from: an argument, `connection.tenantId`, stack config or the environment. */
export function tenantRule() {
  return z
    .string({ error: "must be a string" })
    .regex(TENANT_PATTERN, { error: "must be 1 to 128 letters, digits, '.', '-' or '_'" })
    .refine((v) => v !== "." && v !== "..", { error: "cannot be '.' or '..'" });
}

/** Every setting of The Wallet Crew resources, read by the kit's one reader (see provider/kit/settings). */
export const WALLETCREW_SETTINGS = {
  ...apiSettings({
    namespace: "walletcrew",
    // The production host (the API lives under `/api/{tenantId}`).
    baseUrl: "https://app.neostore.cloud",
    // The Wallet Crew documents no limit: no pace of our own unless set.
  }),
  tenantId: connectionSetting("walletcrew", "tenantId", "tenant id", { kind: "text", rule: tenantRule() }),
} as const;

/**
 * The client of one tenant, and the key of that tenant as seen through one API key (the API, host, a hash of
 * the key, never the key, and the tenant, whose key list it names): the connection's settings first, then
 * stack config, then the environment.
 */
export function sessionOf(tenantId: string, connection: ConnectionFields): Session<WalletCrewClient> {
  return sessionFor(
    "The Wallet Crew",
    WALLETCREW_SETTINGS,
    connection,
    ({ credential, ...rest }) => new WalletCrewClient({ ...rest, apiKey: credential, tenantId }),
    tenantId,
  );
}

/** The tenant of a resource: the arg, then `connection.tenantId`, then stack config, then the environment. */
export function resolveTenant(
  tenantArg: string | undefined,
  connection: ConnectionFields,
): string | undefined {
  if (tenantArg !== undefined) return tenantArg;
  if (connection === UNKNOWN) return UNKNOWN;
  const resolved = readSetting("The Wallet Crew", WALLETCREW_SETTINGS.tenantId, connection?.tenantId);
  return resolved === undefined ? undefined : String(resolved);
}
