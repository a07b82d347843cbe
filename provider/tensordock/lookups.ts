/** Lookups: read what exists in TensorDock without managing it. */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { clientFor, configureTensorDock, connectionSchema, resolveConnection } from "./connection";
import { withContext } from "../common";

/** Arguments of {@link getSecrets}. */
export interface GetSecretsArgs {
  /** Overrides stack config (`tensordock:*`) and environment (`TENSORDOCK_*`). */
  connection?: { apiToken?: string; baseUrl?: string };
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
  const context = "listing tensordock secrets";
  let connection: z.infer<typeof connectionSchema> | undefined;
  try {
    connection = args.connection === undefined ? undefined : connectionSchema.parse(args.connection);
  } catch (error) {
    const issue = error instanceof z.ZodError ? error.issues[0] : undefined;
    throw withContext(
      context,
      new Error(`connection.${issue?.path.join(".") ?? ""} ${issue?.message ?? "is invalid"}`),
    );
  }
  // In a program the stack config is read from the runtime (the provider host gets it through configure).
  configureTensorDock({ config: { get: (key) => pulumi.runtime.getConfig(key) } });
  try {
    const secrets = await clientFor(resolveConnection(connection)).list();
    return secrets.map((s) => ({ id: s.id, name: s.name, type: s.type ?? "" }));
  } catch (error) {
    throw withContext(context, error);
  }
}
