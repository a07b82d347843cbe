/**
 * Lookups: plain async functions that read what exists in The Wallet Crew without managing it. They run in
 * the program's process, so settings come from the `connection` arg, then the stack config, then the
 * environment, like the resources'.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { apiLookup, step } from "../kit";
import { resolveTenant, sessionOf } from "./connection";
import { CONNECTION } from "./schema";
import type { TenantSecretConnection } from "./tenantSecret";

/** Connection settings of a lookup: a resource's `connection` as plain values (a lookup runs before any output resolves). */
export type LookupConnection = pulumi.Unwrap<TenantSecretConnection>;

/** Arguments of {@link getSecretKeys}. */
export interface GetSecretKeysArgs {
  /** The tenant. @default connection.tenantId, walletcrew:tenantId, WALLETCREW_TENANT_ID */
  tenantId?: string;
  /** Connection settings. @default stack config, then environment */
  connection?: LookupConnection;
}

const lookup = apiLookup(CONNECTION.schema);

/** The keys of every secret in a tenant (expired and not-yet-valid ones included), never values. */
export async function getSecretKeys(args: GetSecretKeysArgs = {}): Promise<string[]> {
  return lookup(
    "walletcrew.getSecretKeys",
    { tenantId: z.string().min(1).optional() },
    args,
    async ({ tenantId, connection }) => {
      const tenant = resolveTenant(tenantId, connection);
      if (tenant === undefined) {
        throw new Error(
          "no tenant: pass tenantId, connection.tenantId, or set the walletcrew:tenantId stack config or the " +
            "WALLETCREW_TENANT_ID environment variable",
        );
      }
      return step(`tenant ${tenant}`, () => sessionOf(tenant, connection).client.list());
    },
  );
}
