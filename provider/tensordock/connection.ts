/**
 * Where a TensorDock resource sends its requests: the resource's `connection` arg, then stack config
 * (`tensordock:*`), then the environment (`TENSORDOCK_*`). Resolved at call time, never captured.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import {
  TENSORDOCK_DEFAULT_BASE_URL,
  TENSORDOCK_DEFAULT_REQUESTS_PER_MINUTE,
  TensorDockClient,
} from "../../sdk/tensordock";
import { apiSettings, connectionArgument, type Session, sessionFor } from "../kit";

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

/** The `connection` argument: overrides for one resource or lookup (see provider/kit/connection). */
export const CONNECTION = connectionArgument(TENSORDOCK_SETTINGS, {
  apiToken: "The organization's API token.",
  baseUrl: "The API's base URL.",
});

/** The `connection` arg as the provider sees it. */
export type Connection = z.infer<typeof CONNECTION.schema>;

/** The shared client of a connection (then config, then environment), and the key of its account. */
export function sessionOf(connection: Connection | undefined): Session<TensorDockClient> {
  return sessionFor(
    "TensorDock",
    TENSORDOCK_SETTINGS,
    connection,
    ({ credential, ...rest }) => new TensorDockClient({ ...rest, apiToken: credential }),
  );
}
