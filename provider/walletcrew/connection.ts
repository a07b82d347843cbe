/**
 * Turns a resource's `connection` (or stack config, or the environment) into a client, at call time.
 * Nothing here is captured by the provider object, so no credential reaches the serialized provider.
 */
import { WalletCrewClient } from "../../sdk/walletcrew";
import {
  accountKey,
  configKeysOf,
  rateLimitOf,
  readSetting,
  type SettingSpec,
  UNKNOWN,
  waitNotice,
} from "../kit";
import type { Connection } from "./schema";

/** Production host of The Wallet Crew (the API lives under `/api/{tenantId}`). */
export const DEFAULT_BASE_URL = "https://app.neostore.cloud";

/** Every setting of The Wallet Crew resources, read by the kit's one reader (see provider/kit/settings). */
export const WALLETCREW_SETTINGS = {
  apiKey: {
    label: "API key",
    field: "apiKey",
    configKey: "walletcrew:apiKey",
    envVar: "WALLETCREW_API_KEY",
    kind: "secret",
    required: true,
  },
  tenantId: {
    label: "tenant id",
    field: "tenantId",
    configKey: "walletcrew:tenantId",
    envVar: "WALLETCREW_TENANT_ID",
    kind: "text",
  },
  baseUrl: {
    label: "base URL",
    field: "baseUrl",
    configKey: "walletcrew:baseUrl",
    envVar: "WALLETCREW_BASE_URL",
    kind: "url",
    default: DEFAULT_BASE_URL,
  },
  // The Wallet Crew documents no limit: no pace of our own unless set.
  requestsPerMinute: {
    label: "requests per minute",
    configKey: "walletcrew:requestsPerMinute",
    envVar: "WALLETCREW_REQUESTS_PER_MINUTE",
    kind: "rate",
  },
} satisfies Record<string, SettingSpec>;

/** Stack config keys the provider records in `configure`. */
export const CONFIG_KEYS = configKeysOf(WALLETCREW_SETTINGS);

/** The known fields of a connection (a connection still unknown at preview counts as empty). */
function known(connection: Connection | typeof UNKNOWN | undefined): Record<string, unknown> {
  if (connection === undefined || connection === UNKNOWN) return {};
  return Object.fromEntries(Object.entries(connection).filter(([, v]) => v !== UNKNOWN));
}

function resolve(connection: Connection | typeof UNKNOWN | undefined): { apiKey: string; baseUrl: string } {
  const c = known(connection);
  const apiKey = String(readSetting("The Wallet Crew", WALLETCREW_SETTINGS.apiKey, c.apiKey));
  const baseUrl = String(readSetting("The Wallet Crew", WALLETCREW_SETTINGS.baseUrl, c.baseUrl));
  return { apiKey, baseUrl };
}

/** A client for one tenant: the connection's settings first, then stack config, then the environment. */
export function clientFor(
  tenantId: string,
  connection: Connection | typeof UNKNOWN | undefined,
): WalletCrewClient {
  const { apiKey, baseUrl } = resolve(connection);
  const rateLimit = rateLimitOf(
    readSetting("The Wallet Crew", WALLETCREW_SETTINGS.requestsPerMinute, undefined),
  );
  return new WalletCrewClient({ baseUrl, apiKey, tenantId, rateLimit, onWait: waitNotice });
}

/**
 * The key of one tenant as seen through one API key, for the reads this process coalesces: the API, host, a
 * hash of the key (never the key) and the tenant, whose key list it names.
 */
export function accountFor(tenantId: string, connection: Connection | typeof UNKNOWN | undefined): string {
  const { apiKey, baseUrl } = resolve(connection);
  return `${accountKey("The Wallet Crew", baseUrl, apiKey)}|${tenantId}`;
}

/** The tenant of a resource: the arg, then `connection.tenantId`, then stack config, then the environment. */
export function resolveTenant(
  tenantArg: string | undefined,
  connection: Connection | typeof UNKNOWN | undefined,
): string | undefined {
  if (tenantArg !== undefined) return tenantArg;
  if (connection === UNKNOWN) return UNKNOWN;
  const resolved = readSetting("The Wallet Crew", WALLETCREW_SETTINGS.tenantId, connection?.tenantId);
  return resolved === undefined ? undefined : String(resolved);
}
