/**
 * Lookups: read what exists in a NetActuate account without managing it. They run in the program, at
 * preview too, so they need credentials then: `connection`, then stack config, then the environment.
 */
import * as pulumi from "@pulumi/pulumi";
import { NotFoundError } from "../../sdk/core";
import { sessionFor } from "./connection";

/** Settings of a lookup; each falls back to stack config, then the environment. */
export interface LookupConnection {
  /** @default netactuate:apiKey, then NETACTUATE_API_KEY */
  apiKey?: string;
  /** @default netactuate:baseUrl, then NETACTUATE_BASE_URL, then https://vapi2.netactuate.com/api */
  baseUrl?: string;
}

/** A secret list as the lookup returns it (`id` as a string, as SecretList.id). */
export interface SecretListInfo {
  id: string;
  name: string;
}

/** A secret value as the lookup returns it; `value` is a secret Output. */
export interface SecretValueInfo {
  id: string;
  listId: string;
  key: string;
  value: pulumi.Output<string>;
}

/** Stack config read raw: `pulumi.Config.get` would warn that a secret was read as plain text. */
function fromStackConfig(key: string): string | undefined {
  try {
    const value = pulumi.runtime.getConfig(key);
    return value === undefined || value === "" ? undefined : value;
  } catch {
    return undefined;
  }
}

function connectionOf(given: LookupConnection | undefined): LookupConnection {
  const apiKey = given?.apiKey ?? fromStackConfig("netactuate:apiKey");
  const baseUrl = given?.baseUrl ?? fromStackConfig("netactuate:baseUrl");
  return { ...(apiKey !== undefined ? { apiKey } : {}), ...(baseUrl !== undefined ? { baseUrl } : {}) };
}

/** Every secret list of the account. */
export async function getSecretLists(
  args: { connection?: LookupConnection } = {},
): Promise<SecretListInfo[]> {
  const { client } = sessionFor(connectionOf(args.connection));
  const lists = await client.lists.list();
  return lists.map((list) => ({ id: String(list.id), name: list.name }));
}

/** The value of a key (keys are unique across the account), wrapped as a secret; fails when the key is absent. */
export async function getSecretValue(args: {
  key: string;
  connection?: LookupConnection;
}): Promise<SecretValueInfo> {
  const { client } = sessionFor(connectionOf(args.connection));
  const found = (await client.values.listAll()).find((value) => value.key === args.key);
  if (found === undefined) {
    throw new NotFoundError(
      `NetActuate has no secret value with key "${args.key}" in this account; check the key (case-sensitive) or the account`,
      { api: "NetActuate", method: "GET", path: "/secrets/all-values", status: 404 },
    );
  }
  return {
    id: String(found.id),
    listId: String(found.listId),
    key: found.key,
    value: pulumi.secret(found.value),
  };
}
