/**
 * Lookups: read what exists in a NetActuate account without managing it. They run in the program, at
 * preview too, so they need credentials then: `connection`, then stack config, then the environment.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { NotFoundError } from "../../sdk/core";
import { apiLookup } from "../kit";
import { sessionOf } from "./connection";
import type { ConnectionArgs } from "./keyRegistry";
import { holder, LISTS, VALUES } from "./remote";
import { CONNECTION } from "./schemas";

/**
 * Settings of a lookup: a resource's `connection` as plain values (a lookup runs before any output resolves);
 * each falls back to stack config, then the environment.
 */
export type LookupConnection = pulumi.Unwrap<ConnectionArgs>;

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

const lookup = apiLookup(CONNECTION.schema);

/** Every secret list of the account. */
export async function getSecretLists(
  args: { connection?: LookupConnection } = {},
): Promise<SecretListInfo[]> {
  return lookup("netactuate.getSecretLists", {}, args, async ({ connection }) => {
    const lists = await LISTS.all(sessionOf(connection));
    return lists.map((list) => ({ id: String(list.id), name: list.name }));
  });
}

/** The value of a key (keys are unique across the account), wrapped as a secret; fails when the key is absent. */
export async function getSecretValue(args: {
  key: string;
  connection?: LookupConnection;
}): Promise<SecretValueInfo> {
  return lookup(
    "netactuate.getSecretValue",
    { key: z.string().min(1, "is required: the key of the value") },
    args,
    async ({ key, connection }) => {
      const found = await holder(sessionOf(connection), VALUES, key);
      if (found === undefined) {
        throw new NotFoundError(
          `NetActuate has no secret value with key "${key}" in this account; check the key (case-sensitive) or the account`,
          { api: "NetActuate", method: "GET", path: "/secrets/all-values", status: 404 },
        );
      }
      return {
        id: String(found.id),
        listId: String(found.listId),
        key: found.key,
        value: pulumi.secret(found.value),
      };
    },
  );
}
