import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NetActuateSandbox, startNetActuateSandbox } from "../../sandbox/netactuate";
import {
  AuthenticationError,
  BadRequestError,
  NotFoundError,
  PermissionDeniedError,
  type RequestEvent,
} from "../../sdk/core";
import { NetActuateClient, type NetActuateClientOptions } from "../../sdk/netactuate";

const noWait = async () => {};

let sandbox: NetActuateSandbox;
beforeAll(async () => {
  sandbox = await startNetActuateSandbox({ apiKeys: ["na_client_test_key_0123456789"] });
});
afterAll(async () => {
  await sandbox.close();
});

function clientWith(options: Partial<NetActuateClientOptions> = {}, events: RequestEvent[] = []) {
  return new NetActuateClient({
    baseUrl: sandbox.baseUrl,
    apiKey: sandbox.apiKey,
    sleep: noWait,
    onRequest: (event) => events.push(event),
    ...options,
  });
}

describe.each([
  { auth: "bearer", bodyEncoding: "json" },
  { auth: "bearer", bodyEncoding: "form" },
  { auth: "query", bodyEncoding: "json" },
  { auth: "query", bodyEncoding: "form" },
] as const)("NetActuateClient with $auth auth and $bodyEncoding bodies", ({ auth, bodyEncoding }) => {
  const tag = `${auth}-${bodyEncoding}`;

  it("creates, lists, retrieves, renames and deletes a secret list", async () => {
    const client = clientWith({ auth, bodyEncoding });
    const created = await client.lists.create({ name: `lists-${tag}` });
    expect(created).toEqual({ id: expect.any(Number), name: `lists-${tag}` });
    expect(await client.lists.retrieve(created.id)).toEqual(created);
    expect(await client.lists.list()).toContainEqual(created);
    const renamed = await client.lists.rename(created.id, { name: `renamed-${tag}` });
    expect(renamed).toEqual({ id: created.id, name: `renamed-${tag}` });
    await client.lists.delete(created.id);
    await expect(client.lists.retrieve(created.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("names an unnamed list after its id", async () => {
    const client = clientWith({ auth, bodyEncoding });
    const created = await client.lists.create();
    expect(created.name).toBe(`Secret List ${created.id}`);
    await client.lists.delete(created.id);
  });

  it("creates, reads, updates (key and value) and deletes a value", async () => {
    const client = clientWith({ auth, bodyEncoding });
    const list = await client.lists.create({ name: `values-${tag}` });
    const value = await client.values.create(list.id, { key: `KEY_${tag}`, value: "first value" });
    expect(value).toEqual({
      id: expect.any(Number),
      listId: list.id,
      key: `KEY_${tag}`,
      value: "first value",
    });
    expect(await client.values.retrieve(list.id, value.id)).toEqual(value);
    expect(await client.values.list(list.id)).toEqual([value]);
    expect(await client.values.listAll()).toContainEqual(value);
    const updated = await client.values.update(list.id, value.id, {
      key: `NEW_${tag}`,
      value: "second = value&x",
    });
    expect(updated).toEqual({ id: value.id, listId: list.id, key: `NEW_${tag}`, value: "second = value&x" });
    expect(await client.values.retrieve(list.id, value.id)).toEqual(updated);
    await client.values.delete(list.id, value.id);
    await expect(client.values.retrieve(list.id, value.id)).rejects.toBeInstanceOf(NotFoundError);
    await client.lists.delete(list.id);
  });

  it("rejects a key that another list already holds with the field name", async () => {
    const client = clientWith({ auth, bodyEncoding });
    const a = await client.lists.create({ name: `dup-a-${tag}` });
    const b = await client.lists.create({ name: `dup-b-${tag}` });
    await client.values.create(a.id, { key: `DUP_${tag}`, value: "one" });
    const error = await client.values
      .create(b.id, { key: `DUP_${tag}`, value: "two" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).status).toBe(422);
    expect((error as BadRequestError).fields).toEqual(["secret_key"]);
    expect((error as Error).message).toContain("422 from NetActuate POST /secrets/lists/{secretList}/values");
    await client.lists.delete(a.id);
    await client.lists.delete(b.id);
  });

  it("loses a list's values with the list", async () => {
    const client = clientWith({ auth, bodyEncoding });
    const list = await client.lists.create({ name: `cascade-${tag}` });
    const value = await client.values.create(list.id, { key: `CASCADE_${tag}`, value: "v" });
    await client.lists.delete(list.id);
    expect((await client.values.listAll()).some((v) => v.id === value.id)).toBe(false);
    await expect(client.values.delete(list.id, value.id)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("NetActuateClient errors", () => {
  it("maps a rejected key to AuthenticationError naming the config key and variable", async () => {
    const client = clientWith({ apiKey: "na_wrong_key_abcdefghijklmnop" });
    const error = await client.lists.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toContain("netactuate:apiKey");
    expect((error as Error).message).toContain("NETACTUATE_API_KEY");
    expect((error as Error).message).not.toContain("na_wrong_key_abcdefghijklmnop");
  });

  it("maps 412 to PermissionDeniedError explaining the contract or entitlement", async () => {
    sandbox.faults.burst(412, 1, { method: "GET", route: "/api/secrets/lists" });
    const error = await clientWith()
      .lists.list()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect((error as Error).message).toMatch(/contract or entitlement/);
  });

  it("never reports the key with query auth: not in events, errors or their JSON", async () => {
    const events: RequestEvent[] = [];
    const client = clientWith({ auth: "query" }, events);
    await client.lists.list();
    const error = await client.lists.retrieve(999_999).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    const reported = JSON.stringify([events, error, String(error), (error as Error).stack]);
    expect(reported).not.toContain(sandbox.apiKey);
    expect(reported).not.toContain("key=");
    expect(events.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([
      "GET /secrets/lists 200",
      "GET /secrets/lists/{secretList} 404",
    ]);
  });
});
