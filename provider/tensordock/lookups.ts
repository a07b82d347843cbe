/** Lookups: read what exists in TensorDock without managing it. */
import type * as pulumi from "@pulumi/pulumi";
import { apiLookup } from "../kit";
import { CONNECTION, sessionOf, type TensorDockConnectionArgs } from "./connection";

const lookup = apiLookup(CONNECTION.schema);

/** Arguments of {@link getSecrets}. */
export interface GetSecretsArgs {
  /** Overrides stack config (`tensordock:*`) and environment (`TENSORDOCK_*`). */
  connection?: pulumi.Unwrap<TensorDockConnectionArgs>;
}

/** One secret as a lookup reports it: never a value. */
export interface TensorDockSecretInfo {
  id: string;
  name: string;
  /** `SSHKEY`, `GENERIC` or `SECRET` (as TensorDock reports it; empty when it does not say). */
  type: string;
}

/**
 * Lists the organization's secrets: ids, names and types, never values. Credentials come from
 * `connection`, then the stack's `tensordock:*` config, then `TENSORDOCK_*` environment variables.
 */
export async function getSecrets(args: GetSecretsArgs = {}): Promise<TensorDockSecretInfo[]> {
  return lookup("tensordock.getSecrets", {}, args, async ({ connection }) => {
    const secrets = await sessionOf(connection).client.list();
    return secrets.map((s) => ({ id: s.id, name: s.name, type: s.type ?? "" }));
  });
}
