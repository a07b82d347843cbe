/**
 * Turns a resource's `connection` (or stack config, or the environment) into a client, at call time.
 * Nothing here is captured by the provider object, so no credential reaches the serialized provider.
 */
import { WalletCrewClient } from "../../sdk/walletcrew";
import { accountKey, MissingCredentialError, resolveSetting, UNKNOWN, waitNotice } from "../common";
import { sleep } from "./clock";
import type { Connection } from "./schema";

/** Production host of The Wallet Crew (the API lives under `/api/{tenantId}`). */
export const DEFAULT_BASE_URL = "https://app.neostore.cloud";

/** Stack config keys the provider records in `configure`. */
export const CONFIG_KEYS = [
  "walletcrew:apiKey",
  "walletcrew:tenantId",
  "walletcrew:baseUrl",
  "walletcrew:requestsPerMinute",
] as const;

const API_KEY = { configKey: "walletcrew:apiKey", envVar: "WALLETCREW_API_KEY" } as const;
const BASE_URL = { configKey: "walletcrew:baseUrl", envVar: "WALLETCREW_BASE_URL" } as const;
const REQUESTS_PER_MINUTE = {
  configKey: "walletcrew:requestsPerMinute",
  envVar: "WALLETCREW_REQUESTS_PER_MINUTE",
} as const;

/**
 * The client-side rate limit. The Wallet Crew documents no limit, so none by default; set
 * `walletcrew:requestsPerMinute` or `WALLETCREW_REQUESTS_PER_MINUTE` to stay under one you know of.
 */
function rateLimit(): { requestsPerMinute: number } | false {
  const raw = resolveSetting(undefined, REQUESTS_PER_MINUTE);
  const value = raw === undefined ? Number.NaN : Number(raw);
  return Number.isFinite(value) && value > 0 ? { requestsPerMinute: value } : false;
}

/** The known fields of a connection (a connection still unknown at preview counts as empty). */
function known(connection: Connection | typeof UNKNOWN | undefined): Connection {
  return connection === undefined || connection === UNKNOWN ? {} : connection;
}

function field(value: string | undefined): string | undefined {
  return value === UNKNOWN ? undefined : value;
}

function resolve(connection: Connection | typeof UNKNOWN | undefined): { apiKey: string; baseUrl: string } {
  const c = known(connection);
  const apiKey = resolveSetting(field(c.apiKey), API_KEY);
  if (apiKey === undefined) throw new MissingCredentialError("The Wallet Crew", "API key", API_KEY, "apiKey");
  const baseUrl = resolveSetting(field(c.baseUrl), BASE_URL) ?? DEFAULT_BASE_URL;
  return { apiKey, baseUrl };
}

/** A client for one tenant: the connection's settings first, then stack config, then the environment. */
export function clientFor(
  tenantId: string,
  connection: Connection | typeof UNKNOWN | undefined,
): WalletCrewClient {
  const { apiKey, baseUrl } = resolve(connection);
  return new WalletCrewClient({
    baseUrl,
    apiKey,
    tenantId,
    rateLimit: rateLimit(),
    sleep,
    onWait: waitNotice,
  });
}

/**
 * The key of one tenant as seen through one API key, for the reads this process coalesces: the API, host, a
 * hash of the key (never the key) and the tenant, whose key list it names.
 */
export function accountFor(tenantId: string, connection: Connection | typeof UNKNOWN | undefined): string {
  const { apiKey, baseUrl } = resolve(connection);
  return `${accountKey("The Wallet Crew", baseUrl, apiKey)}|${tenantId}`;
}
