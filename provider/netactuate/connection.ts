/**
 * Credentials and clients for the NetActuate providers, resolved at call time (never captured): the
 * resource's `connection`, then stack config, then the environment. Also the wording of errors with the
 * resource they concern.
 */

import { NETACTUATE_DEFAULT_BASE_URL, NetActuateClient } from "../../sdk/netactuate";
import {
  accountKey,
  type ConfigureRequest,
  configKeysOf,
  rateLimitOf,
  readSettings,
  recordConfig,
  type SettingSpec,
  sharedClient,
  waitNotice,
} from "../kit";
import type { Connection } from "./schemas";

/** Every setting of the NetActuate resources, read by the kit's one reader (see provider/kit/settings). */
export const NETACTUATE_SETTINGS = {
  apiKey: {
    label: "API key",
    field: "apiKey",
    configKey: "netactuate:apiKey",
    envVar: "NETACTUATE_API_KEY",
    kind: "secret",
    required: true,
  },
  baseUrl: {
    label: "base URL",
    field: "baseUrl",
    configKey: "netactuate:baseUrl",
    envVar: "NETACTUATE_BASE_URL",
    kind: "url",
    default: NETACTUATE_DEFAULT_BASE_URL,
  },
  // NetActuate documents no rate limit: no pace of our own unless set (429 and Retry-After are honoured anyway).
  requestsPerMinute: {
    label: "requests per minute",
    configKey: "netactuate:requestsPerMinute",
    envVar: "NETACTUATE_REQUESTS_PER_MINUTE",
    kind: "rate",
  },
} satisfies Record<string, SettingSpec>;

/** Stack config keys the providers record. */
export const CONFIG_KEYS = configKeysOf(NETACTUATE_SETTINGS);

/** Records the stack config the providers read later; never throws. */
export function configure(req: ConfigureRequest | undefined): void {
  recordConfig(req, CONFIG_KEYS);
}

/** A client for one call and the account key under which reads are coalesced. */
export interface Session {
  client: NetActuateClient;
  account: string;
}

/** The client of the resolved connection, shared by every call of this process. */
export function sessionFor(connection: Connection | string | undefined): Session {
  const given = typeof connection === "object" ? connection : undefined;
  const settings = readSettings("NetActuate", NETACTUATE_SETTINGS, given);
  const apiKey = String(settings.apiKey);
  const baseUrl = String(settings.baseUrl);
  const rateLimit = rateLimitOf(settings.requestsPerMinute);
  const account = accountKey("NetActuate", baseUrl, apiKey);
  const client = sharedClient(
    `${account}|${rateLimit === false ? "off" : rateLimit.requestsPerMinute}`,
    () => {
      return new NetActuateClient({
        baseUrl,
        apiKey,
        ...(rateLimit === false ? {} : { rateLimit }),
        onWait: waitNotice,
      });
    },
  );
  return { client, account };
}
