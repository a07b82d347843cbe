/** Argument types shared by the TensorDock resources and lookups. */
import type * as pulumi from "@pulumi/pulumi";

/**
 * Where one resource's requests go, overriding stack config and environment. Stored in state as a secret.
 */
export interface TensorDockConnectionArgs {
  /** The organization's API token. @default config `tensordock:apiToken`, then env `TENSORDOCK_API_TOKEN` */
  apiToken?: pulumi.Input<string>;
  /**
   * The API's base URL.
   * @default config `tensordock:baseUrl`, then env `TENSORDOCK_BASE_URL`, then `https://dashboard.tensordock.com/api/v2`
   */
  baseUrl?: pulumi.Input<string>;
}
