/**
 * Where a TensorDock resource sends its requests: the resource's `connection` arg, then stack config
 * (`tensordock:*`), then the environment (`TENSORDOCK_*`). Resolved at call time, never captured.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  TENSORDOCK_DEFAULT_BASE_URL,
  TENSORDOCK_DEFAULT_REQUESTS_PER_MINUTE,
  TensorDockClient,
} from "../../sdk/tensordock";
import {
  apiSettings,
  configKeysOf,
  connectionField,
  isHttpUrl,
  orUnknown,
  type Session,
  sessionFor,
} from "../kit";

/** Where one resource's requests go, overriding stack config and environment. Stored in state as a secret. */
export interface TensorDockConnectionArgs {
  /** The organization's API token. @default config `tensordock:apiToken`, then env `TENSORDOCK_API_TOKEN` */
  apiToken?: pulumi.Input<string>;
  /**
   * The API's base URL.
   * @default config `tensordock:baseUrl`, then env `TENSORDOCK_BASE_URL`, then `https://dashboard.tensordock.com/api/v2`
   */
  baseUrl?: pulumi.Input<string>;
}

/** The argument every TensorDock resource has besides its own. */
export interface TensorDockResourceArgs {
  /** Overrides for this resource; stored in state as a secret. @default stack config, then environment variables */
  connection?: pulumi.Input<TensorDockConnectionArgs>;
}

/** Every setting of the TensorDock resources, read by the kit's one reader (see provider/kit/settings). */
export const TENSORDOCK_SETTINGS = apiSettings({
  namespace: "tensordock",
  credential: { field: "apiToken", label: "API token" },
  baseUrl: TENSORDOCK_DEFAULT_BASE_URL,
  // The vendor's published limit per organization.
  requestsPerMinute: TENSORDOCK_DEFAULT_REQUESTS_PER_MINUTE,
});

/** The stack config keys every TensorDock provider records in `configure`. */
export const CONFIG_KEYS = configKeysOf(TENSORDOCK_SETTINGS);

/** An http(s) URL without credentials, kept without its trailing slash. */
const baseUrl = z
  .string({ error: "must be a string" })
  .refine(
    isHttpUrl,
    "must be an http(s) URL without credentials, like https://dashboard.tensordock.com/api/v2",
  )
  .transform((text) => text.replace(/\/+$/, ""));

/** The `connection` arg: overrides for one resource. Strict, so a misspelled field fails at preview. */
export const connectionSchema = z
  .object(
    {
      apiToken: orUnknown(connectionField(TENSORDOCK_SETTINGS.apiToken, z.string()))
        .optional()
        .describe("The organization's API token. Default: tensordock:apiToken, then TENSORDOCK_API_TOKEN."),
      baseUrl: orUnknown(connectionField(TENSORDOCK_SETTINGS.baseUrl, baseUrl))
        .optional()
        .describe(
          "The API's base URL. Default: tensordock:baseUrl, then TENSORDOCK_BASE_URL, then " +
            "https://dashboard.tensordock.com/api/v2.",
        ),
    },
    { error: "must be an object { apiToken?, baseUrl? }" },
  )
  .strict();

/** The `connection` arg as the provider sees it. */
export type Connection = z.infer<typeof connectionSchema>;

/** The shared client of a connection (then config, then environment), and the key of its account. */
export function sessionOf(connection: Connection | undefined): Session<TensorDockClient> {
  return sessionFor(
    "TensorDock",
    TENSORDOCK_SETTINGS,
    connection,
    ({ credential, ...rest }) => new TensorDockClient({ ...rest, apiToken: credential }),
  );
}
