import * as pulumi from "@pulumi/pulumi";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { SCHEMA_VERSION } from "../../provider/kit";
import { getSecretLists, getSecretValue } from "../../provider/netactuate/lookups";
import secretList from "../../provider/netactuate/secretList.provider";
import secretValue from "../../provider/netactuate/secretValue.provider";
import { type NetActuateSandbox, startNetActuateSandbox } from "../../sandbox/netactuate";
import { NetActuateClient } from "../../sdk/netactuate";
import { canary, findLeak, newOperation } from "./helpers";

const ENV = ["NETACTUATE_API_KEY", "NETACTUATE_BASE_URL", "NETACTUATE_REQUESTS_PER_MINUTE"] as const;
const savedEnv = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
const apiKey = canary("ApiKey");
let sandbox: NetActuateSandbox;
let client: NetActuateClient;

beforeEach(async () => {
  await secretList.configure({ config: { get: () => undefined } });
  sandbox = await startNetActuateSandbox({ apiKeys: [apiKey] });
  process.env.NETACTUATE_API_KEY = apiKey;
  process.env.NETACTUATE_BASE_URL = sandbox.baseUrl;
  delete process.env.NETACTUATE_REQUESTS_PER_MINUTE;
  client = new NetActuateClient({ baseUrl: sandbox.baseUrl, apiKey });
});
afterEach(async () => {
  await sandbox.close();
});
afterAll(() => {
  for (const k of ENV) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
});

const refresh = () => newOperation(sandbox.baseUrl, apiKey);
const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => new Error("did not fail"),
    (e: unknown) => e as Error,
  );

async function makeList(name: string) {
  return secretList.create({ name });
}

describe("SecretList provider", () => {
  it("creates, reads, renames in place and deletes a list", async () => {
    const { id, outs } = await makeList("prod");
    expect(id).toMatch(/^\d+$/);
    expect(outs).toEqual({ name: "prod", schemaVersion: SCHEMA_VERSION });
    expect(await secretList.read(id, outs)).toEqual({ id, props: outs, inputs: { name: "prod" } });
    const updated = await secretList.update(id, outs, { name: "production" });
    expect(updated.outs.name).toBe("production");
    expect(sandbox.lists()).toEqual([{ id: Number(id), name: "production" }]);
    await secretList.delete(id, updated.outs);
    expect(sandbox.lists()).toEqual([]);
    await secretList.delete(id, updated.outs);
    refresh();
    expect(await secretList.read(id, updated.outs)).toEqual({ id: "", props: {} });
  });

  it("sees a rename made outside Pulumi on read", async () => {
    const { id, outs } = await makeList("before");
    await client.lists.rename(Number(id), { name: "renamed-outside" });
    refresh();
    expect((await secretList.read(id, outs)).props).toMatchObject({ name: "renamed-outside" });
  });

  it("fails a create whose name exists in the account, offering the import option", async () => {
    const existing = await client.lists.create({ name: "taken" });
    const error = await errorOf(makeList("taken"));
    expect(error.message).toMatch(
      /^creating netactuate:SecretList "taken": a secret list named "taken" already exists/,
    );
    expect(error.message).toContain(`{ import: "${existing.id}" }`);
    expect(sandbox.lists()).toHaveLength(1);
  });

  it("reads a list by id alone, as the import option does", async () => {
    const existing = await client.lists.create({ name: "adopt-me" });
    expect(await secretList.read(String(existing.id), {})).toEqual({
      id: String(existing.id),
      props: { name: "adopt-me", schemaVersion: SCHEMA_VERSION },
      inputs: { name: "adopt-me" },
    });
  });

  it("adopts the list a create made when its answer was lost", async () => {
    sandbox.faults.dropAfterCommit(1, { method: "POST", route: "/api/secrets/lists" });
    const { id } = await makeList("lost-answer");
    expect(sandbox.lists()).toEqual([{ id: Number(id), name: "lost-answer" }]);
  });

  it("names the missing credential without any value", async () => {
    delete process.env.NETACTUATE_API_KEY;
    const error = await errorOf(makeList("x"));
    expect(error.message).toContain("netactuate:apiKey");
    expect(error.message).toContain("NETACTUATE_API_KEY");
    expect(error.message).toContain("connection.apiKey");
  });

  it("uses the resource's connection before the environment", async () => {
    process.env.NETACTUATE_API_KEY = "na_wrong_environment_key";
    const { id } = await secretList.create({ name: "via-connection", connection: { apiKey } });
    expect(sandbox.lists()).toEqual([{ id: Number(id), name: "via-connection" }]);
  });
});

describe("SecretValue provider", () => {
  it("creates a value with its reference, reads it, updates key and value in place, and deletes it", async () => {
    const list = await makeList("app");
    const value = canary("Value");
    const { id, outs } = await secretValue.create({ listId: list.id, key: "DB_PASSWORD", value });
    expect(outs).toEqual({
      listId: list.id,
      key: "DB_PASSWORD",
      value,

      reference: "${{secret.DB_PASSWORD}}",
      schemaVersion: SCHEMA_VERSION,
    });
    expect((await secretValue.read(id, outs)).props).toEqual(outs);
    const next = canary("Next");
    const { outs: updated } = await secretValue.update(id, outs, {
      listId: list.id,
      key: "DB_PASS",
      value: next,
    });

    expect(updated).toMatchObject({ key: "DB_PASS", value: next, reference: "${{secret.DB_PASS}}" });
    expect(await client.values.retrieve(Number(list.id), Number(id))).toMatchObject({
      key: "DB_PASS",
      value: next,
    });
    await secretValue.delete(id, updated);
    expect(sandbox.values()).toEqual([]);
  });

  it("makes no request when only the connection changes", async () => {
    const list = await makeList("conn");
    const { id, outs } = await secretValue.create({ listId: list.id, key: "K", value: "v" });
    const before = sandbox.stats().total;
    const { outs: after } = await secretValue.update(id, outs, {
      listId: list.id,
      key: "K",
      value: "v",
      connection: { apiKey },
    });
    expect(sandbox.stats().total).toBe(before);
    expect(after).toEqual({ ...outs, connection: { apiKey } });
  });

  it("shows a value or key changed outside Pulumi as drift, and a deleted one as gone", async () => {
    const list = await makeList("drift");
    const { id, outs } = await secretValue.create({ listId: list.id, key: "DRIFT", value: "v1" });
    await client.values.update(Number(list.id), Number(id), { key: "DRIFTED", value: "v2" });
    refresh();
    const read = await secretValue.read(id, outs);

    expect(read.props).toMatchObject({ key: "DRIFTED", value: "v2", reference: "${{secret.DRIFTED}}" });
    expect(read.inputs).toEqual({ listId: list.id, key: "DRIFTED", value: "v2" });
    await client.values.delete(Number(list.id), Number(id));
    refresh();
    expect(await secretValue.read(id, outs)).toEqual({ id: "", props: {} });
  });

  it("reads a value by id alone, as the import option does", async () => {
    const list = await client.lists.create({ name: "import" });
    const existing = await client.values.create(list.id, { key: "IMPORTED", value: "v" });
    const read = await secretValue.read(String(existing.id), {});
    expect(read.inputs).toEqual({ listId: String(list.id), key: "IMPORTED", value: "v" });
  });

  it("fails a create whose key exists in the account, offering the import option, before sending anything", async () => {
    const a = await client.lists.create({ name: "a" });
    const b = await makeList("b");
    const existing = await client.values.create(a.id, { key: "SHARED", value: "v" });
    const before = sandbox.stats().requests["POST /api/secrets/lists/:secretList/values"]?.["200"];
    const error = await errorOf(secretValue.create({ listId: b.id, key: "SHARED", value: "w" }));
    expect(error.message).toContain(
      `key "SHARED" already exists in the NetActuate account (value ${existing.id} in list ${a.id})`,
    );
    expect(error.message).toContain(`{ import: "${existing.id}" }`);
    expect(sandbox.stats().requests["POST /api/secrets/lists/:secretList/values"]?.["200"]).toBe(before);
  });

  it("shares one key list among the creates of a process, confirming a listed key afresh before refusing it", async () => {
    const list = await makeList("shared-baseline");
    const outside = await client.values.create(Number(list.id), { key: "FREED", value: "v" });
    const allValues = () => sandbox.stats().requests["GET /api/secrets/all-values"]?.["200"] ?? 0;
    const before = allValues();
    await secretValue.create({ listId: list.id, key: "FIRST", value: "v" });
    expect(allValues()).toBe(before + 1);
    // Freed outside after the shared list was taken: a fresh list confirms it is free, and the create goes on.
    await client.values.delete(Number(list.id), outside.id);
    await secretValue.create({ listId: list.id, key: "FREED", value: "v" });
    expect(allValues()).toBe(before + 2);
    // Taken outside after the shared list: the server's refusal is explained the same way, offering import.
    const taken = await client.values.create(Number(list.id), { key: "LATE", value: "v" });
    const error = await errorOf(secretValue.create({ listId: list.id, key: "LATE", value: "w" }));
    expect(error.message).toContain(`key "LATE" already exists in the NetActuate account (value ${taken.id}`);
    for (const key of ["SECOND", "THIRD"]) await secretValue.create({ listId: list.id, key, value: "v" });
    // One shared list, one confirmation, one lookup to explain the refusal: none per plain create.
    expect(allValues()).toBe(before + 3);
    expect(sandbox.values().map((v) => v.key)).toEqual(["FIRST", "FREED", "LATE", "SECOND", "THIRD"]);
  });

  it("adopts the value a create made when its answer was lost, without a second POST", async () => {
    const list = await makeList("lost");
    sandbox.faults.dropAfterCommit(1, { method: "POST", route: "/api/secrets/lists/:secretList/values" });
    const { id, outs } = await secretValue.create({ listId: list.id, key: "LOST", value: "v" });
    expect(sandbox.values()).toEqual([{ id: Number(id), listId: Number(list.id), key: "LOST" }]);
    expect(outs.value).toBe("v");
    expect(sandbox.stats().requests["POST /api/secrets/lists/:secretList/values"]).toEqual({ dropped: 1 });
  });

  it("leaves nothing behind when a create fails before the server stored anything", async () => {
    const list = await makeList("fails");
    sandbox.faults.burst(503, 1, { method: "POST", route: "/api/secrets/lists/:secretList/values" });
    const error = await errorOf(secretValue.create({ listId: list.id, key: "NEVER", value: "v" }));
    expect(error.message).toMatch(
      /^creating netactuate:SecretValue "NEVER": nothing was created \(looked again to check\): 503 from NetActuate POST/,
    );
    // Looked up: the message no longer tells the user to look.
    expect(error.message).not.toContain("outcome is unknown");
    expect(sandbox.values()).toEqual([]);
  });

  it("explains an update to a key another value holds", async () => {
    const list = await makeList("clash");
    await secretValue.create({ listId: list.id, key: "ONE", value: "1" });
    const two = await secretValue.create({ listId: list.id, key: "TWO", value: "2" });
    const error = await errorOf(
      secretValue.update(two.id, two.outs, { listId: list.id, key: "ONE", value: "2" }),
    );
    expect(error.message).toMatch(/^updating netactuate:SecretValue "TWO": key "ONE" already exists/);
  });

  it("counts a value whose list is already gone as deleted", async () => {
    const list = await makeList("gone");
    const { id, outs } = await secretValue.create({ listId: list.id, key: "ORPHAN", value: "v" });
    await client.lists.delete(Number(list.id));
    await expect(secretValue.delete(id, outs)).resolves.toBeUndefined();
  });

  it("never puts the value or the API key in an error", async () => {
    const list = await makeList("canary");
    const value = canary("Leak");
    await secretValue.create({ listId: list.id, key: "LEAK", value });
    const errors = [
      await errorOf(secretValue.create({ listId: list.id, key: "LEAK", value })),
      await errorOf(secretValue.create({ listId: "999999", key: "OTHER", value })),
      await errorOf(
        secretValue.update(
          "999999",
          { listId: list.id, key: "X", value: "y" },
          { listId: list.id, key: "X", value },
        ),
      ),
    ];
    process.env.NETACTUATE_API_KEY = canary("WrongKey");
    errors.push(await errorOf(secretValue.create({ listId: list.id, key: "AUTH", value })));
    const text = errors.map((e) => `${e.message}\n${e.stack}\n${JSON.stringify(e)}`).join("\n");
    expect(findLeak(text, [value, apiKey, process.env.NETACTUATE_API_KEY])).toBeUndefined();
    expect(text).toMatch(/secret list 999999 may have been deleted/);
  });
});

describe("lookups", () => {
  it("lists every secret list with string ids", async () => {
    const a = await client.lists.create({ name: "one" });
    const b = await client.lists.create({ name: "two" });
    expect(await getSecretLists()).toEqual([
      { id: String(a.id), name: "one" },
      { id: String(b.id), name: "two" },
    ]);
  });

  it("returns a key's value as a secret output and fails for an unknown key", async () => {
    const list = await client.lists.create({ name: "lookup" });
    const created = await client.values.create(list.id, { key: "LOOKUP", value: "looked-up" });
    const found = await getSecretValue({ key: "LOOKUP", connection: { apiKey, baseUrl: sandbox.baseUrl } });
    expect(found).toMatchObject({ id: String(created.id), listId: String(list.id), key: "LOOKUP" });
    expect(await pulumi.isSecret(found.value)).toBe(true);
    await expect(getSecretValue({ key: "NOPE" })).rejects.toThrow(/no secret value with key "NOPE"/);
    expect(pulumi.Output.isInstance(found.value)).toBe(true);
  });
});
