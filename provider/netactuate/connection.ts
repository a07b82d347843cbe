/**
 * Credentials and clients for the NetActuate providers, resolved at call time (never captured): the
 * resource's `connection`, then stack config, then the environment. Also the wording of errors with the
 * resource they concern.
 */

import { NETACTUATE_DEFAULT_BASE_URL, NetActuateClient } from "../../sdk/netactuate";
import {
  accountKey,
  type ConfigureRequest,
  MissingCredentialError,
  recordConfig,
  resolveSetting,
  waitNotice,
} from "../common";
import type { Connection } from "./schemas";

/** Stack config keys the providers record. */
export const CONFIG_KEYS = [
  "netactuate:apiKey",
  "netactuate:baseUrl",
  "netactuate:requestsPerMinute",
] as const;

const API_KEY = { configKey: "netactuate:apiKey", envVar: "NETACTUATE_API_KEY" };
const BASE_URL = { configKey: "netactuate:baseUrl", envVar: "NETACTUATE_BASE_URL" };
const REQUESTS_PER_MINUTE = {
  configKey: "netactuate:requestsPerMinute",
  envVar: "NETACTUATE_REQUESTS_PER_MINUTE",
};

/** Records the stack config the providers read later; never throws. */
export function configure(req: ConfigureRequest | undefined): void {
  recordConfig(req, CONFIG_KEYS);
}

/** A client for one call and the account key under which reads are coalesced. */
export interface Session {
  client: NetActuateClient;
  account: string;
}

/**
 * Clients of this host process, one per account and pace: a refresh of a thousand values would otherwise
 * build a thousand HTTP clients. Memory only (provider modules are loaded by `require()`, never serialized).
 */
const clients = new Map<string, NetActuateClient>();

/**
 * Builds a client from the resolved settings. NetActuate documents no rate limit, so the client-side
 * limiter is off unless `requestsPerMinute` is set (the server's 429 and `Retry-After` are honoured anyway).
 */
export function sessionFor(connection: Connection | string | undefined): Session {
  const given = typeof connection === "object" ? connection : undefined;
  const apiKey = resolveSetting(given?.apiKey, API_KEY);
  if (apiKey === undefined) throw new MissingCredentialError("NetActuate", "API key", API_KEY, "apiKey");
  const baseUrl = (resolveSetting(given?.baseUrl, BASE_URL) ?? NETACTUATE_DEFAULT_BASE_URL).replace(
    /\/+$/,
    "",
  );
  const rpmText = resolveSetting(undefined, REQUESTS_PER_MINUTE);
  const rpm = rpmText === undefined ? Number.NaN : Number(rpmText);
  const account = accountKey("NetActuate", baseUrl, apiKey);
  const key = `${account}|${Number.isFinite(rpm) && rpm > 0 ? rpm : "off"}`;
  let client = clients.get(key);
  if (client === undefined) {
    client = new NetActuateClient({
      baseUrl,
      apiKey,
      ...(Number.isFinite(rpm) && rpm > 0 ? { rateLimit: { requestsPerMinute: rpm } } : {}),
      onWait: waitNotice,
    });
    clients.set(key, client);
  }
  return { client, account };
}

/** Prefixes an error's message with what was being done ("creating netactuate:SecretValue DB_PASSWORD"). */
export function withContext(action: string, error: unknown): Error {
  if (error instanceof Error) {
    error.message = `${action}: ${error.message}`;
    if (error.stack !== undefined) {
      // V8 captured the old message in the stack's first line; keep the two consistent.
      const [, ...frames] = error.stack.split("\n");
      error.stack = [`${error.name}: ${error.message}`, ...frames.filter((f) => /^\s+at /.test(f))].join(
        "\n",
      );
    }
    return error;
  }
  return new Error(`${action}: failed`);
}
