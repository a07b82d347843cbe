/**
 * Lookups: plain async functions that read what exists in The Wallet Crew without managing it. They run in
 * the program's process, so settings come from the `connection` arg, then the stack config, then the
 * environment, like the resources'.
 */
import * as pulumi from "@pulumi/pulumi";
import { type ConfigureRequest, recordConfig } from "../common";
import { CONFIG_KEYS, clientFor } from "./connection";
import { resolveTenant } from "./plan";

/** Connection settings of a lookup (plain values: a lookup runs before any output resolves). */
export interface LookupConnection {
  apiKey?: string;
  tenantId?: string;
  baseUrl?: string;
}

/** Arguments of {@link getSecretKeys}. */
export interface GetSecretKeysArgs {
  /** The tenant. @default connection.tenantId, walletcrew:tenantId, WALLETCREW_TENANT_ID */
  tenantId?: string;
  /** Connection settings. @default stack config, then environment */
  connection?: LookupConnection;
}

/** Makes the program's `walletcrew:*` stack config visible to the shared setting resolution. */
function recordProgramConfig(): void {
  // runtime.getConfig reads raw values (secret ones included) without the warning Config.get gives for them.
  const req: ConfigureRequest = { config: { get: (key) => pulumi.runtime.getConfig(key) } };
  recordConfig(req, CONFIG_KEYS);
}

/** The keys of every secret in a tenant (expired and not-yet-valid ones included), never values. */
export async function getSecretKeys(args: GetSecretKeysArgs = {}): Promise<string[]> {
  recordProgramConfig();
  const tenantId = resolveTenant(args.tenantId, args.connection);
  if (tenantId === undefined) {
    throw new Error(
      "getSecretKeys: no tenant: pass tenantId, connection.tenantId, or set the walletcrew:tenantId stack " +
        "config or the WALLETCREW_TENANT_ID environment variable",
    );
  }
  try {
    return await clientFor(tenantId, args.connection).list();
  } catch (error) {
    throw new Error(
      `getSecretKeys for tenant ${tenantId}: ${error instanceof Error ? error.message : "unknown error"}`,
    );
  }
}
