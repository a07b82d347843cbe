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
  configKeysOf,
  rateLimitOf,
  readSettings,
  recordConfig,
  type SettingSpec,
  sharedClient,
  waitNotice,
} from "../kit";

/** Every setting of the TensorDock resources, read by the kit's one reader (see provider/kit/settings). */
export const TENSORDOCK_SETTINGS = {
  apiToken: {
    label: "API token",
    field: "apiToken",
    configKey: "tensordock:apiToken",
    envVar: "TENSORDOCK_API_TOKEN",
    kind: "secret",
    required: true,
  },
  baseUrl: {
    label: "base URL",
    field: "baseUrl",
    configKey: "tensordock:baseUrl",
    envVar: "TENSORDOCK_BASE_URL",
    kind: "url",
    default: TENSORDOCK_DEFAULT_BASE_URL,
  },
  requestsPerMinute: {
    label: "requests per minute",
    configKey: "tensordock:requestsPerMinute",
    envVar: "TENSORDOCK_REQUESTS_PER_MINUTE",
    kind: "rate",
    default: String(TENSORDOCK_DEFAULT_REQUESTS_PER_MINUTE),
  },
} satisfies Record<string, SettingSpec>;

/** The stack config keys every TensorDock provider records in `configure`. */
export const TENSORDOCK_CONFIG_KEYS = configKeysOf(TENSORDOCK_SETTINGS);

/** Records the TensorDock stack config; never throws (see provider/kit). */
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

/** Resolves token, base URL and pace; throws naming the setting and where it came from. */
export function resolveConnection(connection: TensorDockConnection | undefined): ResolvedConnection {
  const settings = readSettings("TensorDock", TENSORDOCK_SETTINGS, connection);
  const apiToken = String(settings.apiToken);
  const baseUrl = String(settings.baseUrl);
  return {
    apiToken,
    baseUrl,
    requestsPerMinute: typeof settings.requestsPerMinute === "number" ? settings.requestsPerMinute : false,
    account: accountKey("TensorDock", baseUrl, apiToken),
  };
}

/** The client of the resolved connection, shared by every call of this process (pacing is per account anyway). */
export function clientFor(resolved: ResolvedConnection): TensorDockClient {
  return sharedClient(`${resolved.account}|${resolved.requestsPerMinute}`, () => {
    return new TensorDockClient({
      apiToken: resolved.apiToken,
      baseUrl: resolved.baseUrl,
      rateLimit: rateLimitOf(resolved.requestsPerMinute),
      onWait: waitNotice,
    });
  });
}
