/**
 * Where a TensorDock resource sends its requests: the resource's `connection` arg, then stack config
 * (`tensordock:*`), then the environment (`TENSORDOCK_*`). Resolved at call time, never captured.
 */
import { z } from "zod";
import {
  TENSORDOCK_DEFAULT_BASE_URL,
  TENSORDOCK_DEFAULT_REQUESTS_PER_MINUTE,
  TensorDockClient,
} from "../../sdk/tensordock";
import {
  accountKey,
  type ConfigureRequest,
  MissingCredentialError,
  recordConfig,
  resolveSetting,
  waitNotice,
} from "../common";

const API_TOKEN = { configKey: "tensordock:apiToken", envVar: "TENSORDOCK_API_TOKEN" } as const;
const BASE_URL = { configKey: "tensordock:baseUrl", envVar: "TENSORDOCK_BASE_URL" } as const;
const REQUESTS_PER_MINUTE = {
  configKey: "tensordock:requestsPerMinute",
  envVar: "TENSORDOCK_REQUESTS_PER_MINUTE",
} as const;

/** The stack config keys every TensorDock provider records in `configure`. */
export const TENSORDOCK_CONFIG_KEYS = [
  API_TOKEN.configKey,
  BASE_URL.configKey,
  REQUESTS_PER_MINUTE.configKey,
];

/** Records the TensorDock stack config; never throws (see provider/common). */
export function configureTensorDock(req: ConfigureRequest | undefined): void {
  recordConfig(req, TENSORDOCK_CONFIG_KEYS);
}

/** An http(s) URL, without a trailing slash. */
const baseUrl = z
  .string({ error: "must be a string" })
  .refine((text) => {
    try {
      const url = new URL(text);
      return (
        (url.protocol === "https:" || url.protocol === "http:") && url.username === "" && url.password === ""
      );
    } catch {
      return false;
    }
  }, "must be an http(s) URL without credentials, like https://dashboard.tensordock.com/api/v2")
  .transform((text) => text.replace(/\/+$/, ""));

/** The `connection` arg: overrides for one resource. Strict, so a misspelled field fails at preview. */
export const connectionSchema = z
  .object({
    apiToken: z
      .string({ error: "must be a string" })
      .min(1, "must not be empty; omit it to use config or environment")
      .optional(),
    baseUrl: baseUrl.optional(),
  })
  .strict();

/** The `connection` arg as the provider sees it. */
export type TensorDockConnection = z.infer<typeof connectionSchema>;

/** Everything a client needs, resolved. */
export interface ResolvedConnection {
  apiToken: string;
  baseUrl: string;
  requestsPerMinute: number | false;
  /** Names the account for process-wide caches: API, base URL and a hash of the token. */
  account: string;
}

function requestsPerMinute(): number | false {
  const raw = resolveSetting(undefined, REQUESTS_PER_MINUTE);
  if (raw === undefined) return TENSORDOCK_DEFAULT_REQUESTS_PER_MINUTE;
  const text = raw.trim().toLowerCase();
  if (text === "off" || text === "false" || text === "0") return false;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(
      `${REQUESTS_PER_MINUTE.configKey} / ${REQUESTS_PER_MINUTE.envVar} must be a positive integer or "off"`,
    );
  }
  return n;
}

/** Resolves token, base URL and pace; throws `MissingCredentialError` naming every place to set the token. */
export function resolveConnection(connection: TensorDockConnection | undefined): ResolvedConnection {
  const apiToken = resolveSetting(connection?.apiToken, API_TOKEN);
  if (apiToken === undefined)
    throw new MissingCredentialError("TensorDock", "API token", API_TOKEN, "apiToken");
  const url = (resolveSetting(connection?.baseUrl, BASE_URL) ?? TENSORDOCK_DEFAULT_BASE_URL).replace(
    /\/+$/,
    "",
  );
  return {
    apiToken,
    baseUrl: url,
    requestsPerMinute: requestsPerMinute(),
    account: accountKey("TensorDock", url, apiToken),
  };
}

/**
 * Clients of this host process, one per account and pace. A refresh of a thousand resources would otherwise
 * build a thousand HTTP clients; the map lives in memory only (provider modules are loaded by `require()`).
 */
const clients = new Map<string, TensorDockClient>();

/** The client of the resolved connection, shared by every call of this process (pacing is per account anyway). */
export function clientFor(resolved: ResolvedConnection): TensorDockClient {
  const key = `${resolved.account}|${resolved.requestsPerMinute}`;
  let client = clients.get(key);
  if (client === undefined) {
    client = new TensorDockClient({
      apiToken: resolved.apiToken,
      baseUrl: resolved.baseUrl,
      rateLimit:
        resolved.requestsPerMinute === false ? false : { requestsPerMinute: resolved.requestsPerMinute },
      onWait: waitNotice,
    });
    clients.set(key, client);
  }
  return client;
}
