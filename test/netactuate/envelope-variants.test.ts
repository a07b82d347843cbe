/**
 * The NetActuate sandbox in each envelope variant NetActuate's SDKs read, end to end: the sandbox really
 * answers in that shape, and our client, in each of its four auth and encoding combinations, does a whole
 * lifecycle against it and maps a missing object to NotFoundError and a refusal to its error class.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  NETACTUATE_ENVELOPES,
  type NetActuateEnvelope,
  type NetActuateSandbox,
  startNetActuateSandbox,
} from "../../sandbox/netactuate";
import { BadRequestError, EntitlementError, NotFoundError, ResponseValidationError } from "../../sdk/core";
import { NetActuateClient } from "../../sdk/netactuate";

const KEY = "na_variants_key_8d2f61c0ab";

/** What a raw answer of each variant looks like: its members, and the HTTP status of a missing object. */
const SHAPES: Record<NetActuateEnvelope, { members: string[]; missing: { http: number; said: unknown } }> = {
  house: {
    members: ["code", "data", "fields", "message", "result"],
    missing: { http: 404, said: { code: 404, result: "error" } },
  },
  result: {
    members: ["data", "message", "meta", "result"],
    missing: {
      http: 422,
      said: { result: "error", fields: { secret_list_id: [expect.stringMatching(/must be a valid/)] } },
    },
  },
  code: { members: ["code", "data"], missing: { http: 200, said: { code: 404 } } },
  sparse: {
    members: ["data", "message", "result"],
    missing: { http: 200, said: { result: "success", data: null } },
  },
};

const sandboxes = new Map<NetActuateEnvelope, NetActuateSandbox>();
beforeAll(async () => {
  for (const envelope of NETACTUATE_ENVELOPES) {
    sandboxes.set(envelope, await startNetActuateSandbox({ apiKeys: [KEY], envelope, pageSize: 2 }));
  }
});
afterAll(async () => {
  await Promise.all([...sandboxes.values()].map((s) => s.close()));
});

async function raw(sandbox: NetActuateSandbox, path: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(new URL(`${path}?key=${KEY}`, sandbox.baseUrl));
  return { status: response.status, body: await response.json() };
}

describe.each(NETACTUATE_ENVELOPES)("the NetActuate sandbox answering in the %s envelope", (envelope) => {
  const sandbox = () => sandboxes.get(envelope) as NetActuateSandbox;

  it("prints its base URL as NetActuate writes it, .../api/, and serves paths joined either way", async () => {
    expect(sandbox().baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
    // urljoin-style (the vendor SDKs: "secrets/lists" against ".../api/") and plain concatenation.
    const joined = await fetch(new URL(`secrets/lists?key=${KEY}`, sandbox().baseUrl));
    const concatenated = await fetch(`${sandbox().baseUrl}/secrets/lists?key=${KEY}`);
    expect([joined.status, concatenated.status]).toEqual([200, 200]);
  });

  it("really answers in that shape, a missing object included", async () => {
    const shape = SHAPES[envelope];
    const lists = await raw(sandbox(), "secrets/lists");
    expect(lists.status).toBe(200);
    expect(Object.keys(lists.body as object).sort()).toEqual(shape.members);
    const missing = await raw(sandbox(), "secrets/lists/999999");
    expect(missing.status).toBe(shape.missing.http);
    expect(missing.body).toMatchObject(shape.missing.said as object);
  });

  it.each([
    { auth: "query", bodyEncoding: "form" },
    { auth: "query", bodyEncoding: "json" },
    { auth: "bearer", bodyEncoding: "form" },
    { auth: "bearer", bodyEncoding: "json" },
  ] as const)(
    "serves our client with $auth auth and $bodyEncoding bodies through a whole lifecycle",
    async (style) => {
      const tag = `${envelope}-${style.auth}-${style.bodyEncoding}`;
      const client = new NetActuateClient({
        baseUrl: sandbox().baseUrl,
        apiKey: KEY,
        ...style,
        retry: { maxAttempts: 1 },
      });
      const list = await client.lists.create({ name: `list ${tag}` });
      expect(list).toEqual({ id: expect.any(Number), name: `list ${tag}` });
      const renamed = await client.lists.rename(list.id, { name: `renamed ${tag}` });
      expect(renamed).toEqual({ id: list.id, name: `renamed ${tag}` });
      expect(await client.lists.retrieve(list.id)).toEqual(renamed);
      const keys = [`A ${tag}`, `B_${tag}`, `C_${tag}`];
      const made = [];
      for (const key of keys)
        made.push(await client.values.create(list.id, { key, value: `value of ${key}` }));
      expect(made.map((v) => [v.listId, v.key, v.value])).toEqual(
        keys.map((k) => [list.id, k, `value of ${k}`]),
      );
      // Three values with two per page: the sparse variant answers two pages, read whole.
      expect(await client.values.list(list.id)).toEqual(made);
      expect((await client.values.listAll()).filter((v) => v.listId === list.id)).toEqual(made);
      const first = made[0] as (typeof made)[number];
      const updated = await client.values.update(list.id, first.id, { key: `A2 ${tag}`, value: "changed" });
      expect(updated).toEqual({ ...first, key: `A2 ${tag}`, value: "changed" });
      expect(await client.values.retrieve(list.id, first.id)).toEqual(updated);
      await client.values.delete(list.id, first.id);
      await expect(client.values.retrieve(list.id, first.id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(client.values.delete(list.id, first.id)).rejects.toBeInstanceOf(NotFoundError);
      await client.lists.delete(list.id);
      await expect(client.lists.retrieve(list.id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(client.lists.rename(list.id, { name: "gone" })).rejects.toBeInstanceOf(NotFoundError);
    },
  );

  it("maps a duplicate key to BadRequestError and a 412 to EntitlementError", async () => {
    const client = new NetActuateClient({
      baseUrl: sandbox().baseUrl,
      apiKey: KEY,
      retry: { maxAttempts: 1 },
    });
    const list = await client.lists.create({ name: `dup ${envelope}` });
    await client.values.create(list.id, { key: `DUP_${envelope}`, value: "one" });
    const duplicate = await client.values
      .create(list.id, { key: `DUP_${envelope}`, value: "two" })
      .catch((e: unknown) => e);
    expect(duplicate).toBeInstanceOf(BadRequestError);
    expect(duplicate).toMatchObject({ status: 422, fields: ["secret_key"] });
    sandbox().faults.burst(412, 1, { method: "GET", route: "/api/secrets/lists" });
    const refused = await client.lists.list().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(EntitlementError);
    expect(refused).not.toBeInstanceOf(ResponseValidationError);
    await client.lists.delete(list.id);
  });
});
