import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { accountKey, readCoalescer, SCHEMA_VERSION } from "../../provider/kit";
import genericSecret from "../../provider/tensordock/genericSecret.provider";
import { getSecrets } from "../../provider/tensordock/lookups";
import sshKey from "../../provider/tensordock/sshKey.provider";
import { startTensorDockSandbox, type TensorDockSandbox } from "../../sandbox/tensordock";
import { TensorDockClient } from "../../sdk/tensordock";
import { canary, findLeak, publicKeyLine } from "./helpers";

// Every client the providers make records its waits instead of sleeping them (through the seam a user has: the
// client's sleep option), so the second look 2 s after an unknown outcome costs no time and is seen.
const waits = vi.hoisted((): number[] => []);
vi.mock("../../sdk/tensordock", async (importOriginal) => {
  const sdk = await importOriginal<typeof import("../../sdk/tensordock")>();
  const sleep = async (ms: number) => void waits.push(ms);
  const { clientWith } = await import("../support/clientWith");
  return { ...sdk, TensorDockClient: clientWith(sdk.TensorDockClient, { sleep }) };
});

const ENV = ["TENSORDOCK_API_TOKEN", "TENSORDOCK_BASE_URL", "TENSORDOCK_REQUESTS_PER_MINUTE"] as const;
const savedEnv = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
let sandbox: TensorDockSandbox;

async function use(options: Parameters<typeof startTensorDockSandbox>[0] = {}): Promise<TensorDockSandbox> {
  await sandbox?.close();
  sandbox = await startTensorDockSandbox({ rateLimit: false, ...options });
  process.env.TENSORDOCK_API_TOKEN = sandbox.apiToken;
  process.env.TENSORDOCK_BASE_URL = sandbox.baseUrl;
  return sandbox;
}

/** A refresh runs in a fresh provider host; in-process, that means forgetting the shared list snapshot. */
function newOperation(): void {
  readCoalescer.invalidate(accountKey("TensorDock", sandbox.baseUrl, sandbox.apiToken));
}

function requests(): Record<string, Record<string, number>> {
  return sandbox.stats().requests;
}

beforeAll(() => {
  process.env.TENSORDOCK_REQUESTS_PER_MINUTE = "off";
});
beforeEach(async () => {
  await genericSecret.configure({ config: { get: () => undefined } });
  await use();
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

describe.each(["seed", "vendor"] as const)("SshKey provider against the %s dialect", (dialect) => {
  beforeEach(async () => {
    await use({ dialect });
  });

  it("creates a key with its fingerprint, reads it back, and deletes it", async () => {
    const key = publicKeyLine("ed25519", "ops@fleet");
    const checked = await sshKey.check({}, { name: "deploy", publicKey: key });
    const created = await sshKey.create(checked.inputs ?? {});
    expect(created.outs).toEqual({
      name: "deploy",
      publicKey: key,
      keyType: "ssh-ed25519",
      keyBits: 256,
      comment: "ops@fleet",
      fingerprint: expect.stringMatching(/^SHA256:/),
      schemaVersion: SCHEMA_VERSION,
    });
    expect(sandbox.secrets()).toEqual([{ id: created.id, name: "deploy", type: "SSHKEY" }]);

    newOperation();
    const read = await sshKey.read(created.id, created.outs as unknown as Record<string, unknown>);
    expect(read).toEqual({ id: created.id, props: created.outs, inputs: { name: "deploy", publicKey: key } });

    await sshKey.delete(created.id, created.outs as unknown as Record<string, unknown>);
    expect(sandbox.secrets()).toEqual([]);
  });

  it("imports a key by id alone, reading its name and public key from TensorDock", async () => {
    const key = publicKeyLine("ecdsa", "imported");
    const existing = await new TensorDockClient({
      baseUrl: sandbox.baseUrl,
      apiToken: sandbox.apiToken,
    }).create({
      name: "legacy",
      type: "SSHKEY",
      value: key,
    });
    const read = await sshKey.read(existing.id, {});
    expect(read.id).toBe(existing.id);
    expect(read.props).toMatchObject({
      name: "legacy",
      publicKey: key,
      keyType: "ecdsa-sha2-nistp256",
      comment: "imported",
    });
    expect(read.inputs).toEqual({ name: "legacy", publicKey: key });
  });

  it("refreshes version-0 state (no schemaVersion, no derived fields) into the current shape, without a GET by id", async () => {
    const key = publicKeyLine("ed25519", "old@state");
    const client = new TensorDockClient({ baseUrl: sandbox.baseUrl, apiToken: sandbox.apiToken });
    const existing = await client.create({ name: "old", type: "SSHKEY", value: key });
    newOperation();
    const read = await sshKey.read(existing.id, { name: "old", publicKey: key });
    expect(read.props).toEqual({
      name: "old",
      publicKey: key,
      keyType: "ssh-ed25519",
      keyBits: 256,
      comment: "old@state",
      fingerprint: expect.stringMatching(/^SHA256:/),
      schemaVersion: SCHEMA_VERSION,
    });
    expect(requests()["GET /api/v2/secrets/:id"]).toBeUndefined();
  });

  it("refuses to import a generic secret as an SSH key", async () => {
    const existing = await new TensorDockClient({
      baseUrl: sandbox.baseUrl,
      apiToken: sandbox.apiToken,
    }).create({
      name: "token",
      type: "GENERIC",
      value: "v",
    });
    await expect(sshKey.read(existing.id, {})).rejects.toThrow(/GENERIC secret, not an SSH key/);
  });
});

describe("create with an unknown outcome", () => {
  it("adopts the secret a dropped POST created instead of creating a second one", async () => {
    sandbox.faults.dropAfterCommit(1, { method: "POST" });
    const created = await genericSecret.create({ name: "hf-token", value: "v", secretType: "GENERIC" });
    expect(sandbox.secrets()).toEqual([{ id: created.id, name: "hf-token", type: "GENERIC" }]);
    expect(requests()["POST /api/v2/secrets"]).toEqual({ dropped: 1 });
  });

  it("adopts an SSH key with its name and the identical public key that existed before, posting nothing", async () => {
    const key = publicKeyLine();
    const client = new TensorDockClient({ baseUrl: sandbox.baseUrl, apiToken: sandbox.apiToken });
    const older = await client.create({ name: "same", type: "SSHKEY", value: key });
    const created = await sshKey.create({ name: "same", publicKey: key });
    expect(created.id).toBe(older.id);
    expect(sandbox.secrets().map((s) => s.id)).toEqual([older.id]);
    expect(requests()["POST /api/v2/secrets"]).toEqual({ "201": 1 });
  });

  it("refuses a secret with its name made before with another key, naming its id and the import", async () => {
    const client = new TensorDockClient({ baseUrl: sandbox.baseUrl, apiToken: sandbox.apiToken });
    const older = await client.create({ name: "same", type: "SSHKEY", value: publicKeyLine() });
    const error = await sshKey
      .create({ name: "same", publicKey: publicKeyLine() })
      .catch((e: unknown) => e as Error);
    expect((error as Error).message).toContain(`already exists in TensorDock (id ${older.id})`);
    expect((error as Error).message).toContain(`{ import: "${older.id}" }`);
    expect(sandbox.secrets().map((s) => s.id)).toEqual([older.id]);
  });

  it("reuses one baseline list for the creates that follow, and never adopts when two candidates appeared", async () => {
    const client = new TensorDockClient({ baseUrl: sandbox.baseUrl, apiToken: sandbox.apiToken });
    for (let i = 0; i < 4; i += 1) {
      await genericSecret.create({ name: `seq-${i}`, value: "v", secretType: "GENERIC" });
    }
    expect(requests()["GET /api/v2/secrets"]).toEqual({ "200": 1 });
    expect(requests()["POST /api/v2/secrets"]).toEqual({ "201": 4 });
    // Made outside after the shared baseline was taken, with the name our next create uses.
    const outside = await client.create({ name: "late", type: "GENERIC", value: "theirs" });
    sandbox.faults.dropAfterCommit(1, { method: "POST" });
    const error = await genericSecret
      .create({ name: "late", value: "ours", secretType: "GENERIC" })
      .catch((e: unknown) => e as Error);
    expect((error as Error).message).toContain("2 secrets with this name and type appeared meanwhile");
    expect((error as Error).message).toContain(outside.id);
    // No second POST: the one we sent and the outside one are all there is.
    expect(requests()["POST /api/v2/secrets"]).toEqual({ "201": 5, dropped: 1 });
    expect(sandbox.secrets().filter((s) => s.name === "late")).toHaveLength(2);
  });

  it("says nothing was created when the lists now and 2 s after a failed POST find nothing", async () => {
    sandbox.faults.burst(503, 1, { method: "POST" });
    const waitsBefore = waits.length;
    const error = await genericSecret
      .create({ name: "n", value: "v", secretType: "SECRET" })
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /^creating tensordock:GenericSecret "n": nothing was created \(looked again to check\): 503 from TensorDock POST \/secrets/,
    );
    expect(sandbox.secrets()).toEqual([]);
    expect(waits.slice(waitsBefore)).toEqual([2_000]);
    // The baseline list, then one list before and one after the wait.
    expect(requests()["GET /api/v2/secrets"]).toEqual({ "200": 3 });
  });

  it("says the create may have taken effect when every list after a lost POST fails too", async () => {
    await genericSecret.create({ name: "warm", value: "v", secretType: "GENERIC" });
    // The baseline is shared for 10 s, so the next create lists only after its POST.
    sandbox.faults.dropAfterCommit(1, { method: "POST" });
    sandbox.faults.burst(503, 50, { method: "GET" });
    const error = await genericSecret
      .create({ name: "unseen", value: "v", secretType: "GENERIC" })
      .catch((e: unknown) => e as Error);
    expect((error as Error).message).toMatch(
      /^creating tensordock:GenericSecret "unseen": .*; the create may have taken effect but the GENERIC secret named "unseen" could not be looked up \(503 from TensorDock GET \/secrets.*\): if the next run reports that it already exists, adopt it with the import resource option$/,
    );
    expect(sandbox.secrets().map((s) => s.name)).toEqual(["warm", "unseen"]);
    expect(requests()["POST /api/v2/secrets"]).toEqual({ "201": 1, dropped: 1 });
  });

  it("gives each of many concurrent creates of one name its own secret, even when their answers are lost", async () => {
    sandbox.faults.dropAfterCommit(5, { method: "POST" });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        genericSecret.create({ name: "shared", value: `v${i}`, secretType: "GENERIC" }),
      ),
    );
    const ids = results.map((r) => r.id);
    expect(new Set(ids).size).toBe(8);
    expect(
      sandbox
        .secrets()
        .map((s) => s.id)
        .sort(),
    ).toEqual([...ids].sort());
  });

  it("creates a name again after this run deleted it (a replacement), though the shared baseline still shows it", async () => {
    const client = new TensorDockClient({ baseUrl: sandbox.baseUrl, apiToken: sandbox.apiToken });
    const old = await client.create({ name: "rotated", type: "GENERIC", value: "old" });
    // The first create of the run takes the baseline, which shows the old secret.
    await genericSecret.create({ name: "other", value: "v", secretType: "GENERIC" });
    await genericSecret.delete(old.id, {
      name: "rotated",
      secretType: "GENERIC",
      schemaVersion: SCHEMA_VERSION,
    });
    const created = await genericSecret.create({ name: "rotated", value: "new", secretType: "GENERIC" });
    expect(sandbox.secrets().filter((s) => s.name === "rotated")).toEqual([
      { id: created.id, name: "rotated", type: "GENERIC" },
    ]);
    // The baseline, then one list of its own to confirm the name it showed taken.
    expect(requests()["GET /api/v2/secrets"]).toEqual({ "200": 2 });
  });

  it("shares one baseline list among creates that start together", async () => {
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        genericSecret.create({ name: `n${i}`, value: "v", secretType: "GENERIC" }),
      ),
    );
    expect(requests()["GET /api/v2/secrets"]).toEqual({ "200": 1 });
    expect(requests()["POST /api/v2/secrets"]).toEqual({ "201": 6 });
  });

  it("deletes what it created when TensorDock answers with another type, and says so", async () => {
    const create = TensorDockClient.prototype.create;
    const spy = vi.spyOn(TensorDockClient.prototype, "create").mockImplementationOnce(async function (
      this: TensorDockClient,
      input,
    ) {
      return { ...(await create.call(this, input)), type: "SECRET" };
    });
    try {
      await expect(genericSecret.create({ name: "n", value: "v", secretType: "GENERIC" })).rejects.toThrow(
        'creating tensordock:GenericSecret "n": TensorDock answered with a SECRET secret instead of a GENERIC ' +
          "one (the secret it created was deleted again)",
      );
    } finally {
      spy.mockRestore();
    }
    expect(requests()["POST /api/v2/secrets"]).toEqual({ "201": 1 });
    expect(sandbox.secrets()).toEqual([]);
  });
});

describe("GenericSecret provider", () => {
  it("keeps the value it cannot read back and drops a secret deleted behind its back", async () => {
    const created = await genericSecret.create({ name: "n", value: "v", secretType: "SECRET" });
    expect(created.outs).toEqual({
      name: "n",
      value: "v",
      secretType: "SECRET",
      schemaVersion: SCHEMA_VERSION,
    });
    const props = created.outs as unknown as Record<string, unknown>;
    newOperation();
    expect((await genericSecret.read(created.id, props)).props).toEqual(created.outs);
    await new TensorDockClient({ baseUrl: sandbox.baseUrl, apiToken: sandbox.apiToken }).delete(created.id);
    newOperation();
    expect(await genericSecret.read(created.id, props)).toEqual({ id: "", props: {} });
    await genericSecret.delete(created.id, props);
  });

  it("imports by id without a value, and records the declared value on the next update without calling the API", async () => {
    const existing = await new TensorDockClient({
      baseUrl: sandbox.baseUrl,
      apiToken: sandbox.apiToken,
    }).create({
      name: "legacy",
      type: "SECRET",
      value: "hidden",
    });
    const read = await genericSecret.read(existing.id, {});
    expect(read.props).toEqual({ name: "legacy", secretType: "SECRET", schemaVersion: SCHEMA_VERSION });
    const before = sandbox.stats().total;
    const news = { name: "legacy", value: "declared", secretType: "SECRET" };
    const updated = await genericSecret.update(existing.id, read.props as Record<string, unknown>, news);
    expect(updated.outs).toEqual({ ...news, schemaVersion: SCHEMA_VERSION });
    expect(sandbox.stats().total).toBe(before);
  });

  it("serves the reads of one operation from one list request", async () => {
    const created = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        genericSecret.create({ name: `n${i}`, value: "v", secretType: "GENERIC" }),
      ),
    );
    newOperation();
    const statsBefore = requests()["GET /api/v2/secrets"]?.["200"] ?? 0;
    const reads = await Promise.all(
      created.map((c) => genericSecret.read(c.id, c.outs as unknown as Record<string, unknown>)),
    );
    expect(reads.map((r) => r.id)).toEqual(created.map((c) => c.id));
    expect((requests()["GET /api/v2/secrets"]?.["200"] ?? 0) - statsBefore).toBe(1);
    expect(requests()["GET /api/v2/secrets/:id"]).toBeUndefined();
  });

  it("counts a 404 on delete as deleted", async () => {
    await expect(
      genericSecret.delete("6d1f0a5e-0000-4000-8000-000000000000", { name: "gone" }),
    ).resolves.toBeUndefined();
    expect(requests()["DELETE /api/v2/secrets/:id"]).toEqual({ "404": 1 });
  });
});

describe("credentials and secrets in errors", () => {
  it("names every place to set a missing token", async () => {
    delete process.env.TENSORDOCK_API_TOKEN;
    await expect(genericSecret.create({ name: "n", value: "v", secretType: "GENERIC" })).rejects.toThrow(
      'creating tensordock:GenericSecret "n": TensorDock API token is not set: set the tensordock:apiToken stack config (secret), the TENSORDOCK_API_TOKEN environment variable, or the resource\'s connection.apiToken',
    );
  });

  it("prefers connection over config over environment", async () => {
    const other = await startTensorDockSandbox({ rateLimit: false });
    try {
      await sshKey.configure({
        config: { get: (k) => (k === "tensordock:apiToken" ? "wrong-config-token" : undefined) },
      });
      await expect(genericSecret.create({ name: "n", value: "v", secretType: "GENERIC" })).rejects.toThrow(
        /401 from TensorDock/,
      );
      const created = await genericSecret.create({
        name: "n",
        value: "v",
        secretType: "GENERIC",
        connection: { apiToken: other.apiToken, baseUrl: other.baseUrl },
      });
      expect(other.secrets().map((s) => s.id)).toEqual([created.id]);
    } finally {
      await other.close();
    }
  });

  it("never puts a token or a value into an error message", async () => {
    const token = canary("Token");
    const value = canary("Value");
    const errors: unknown[] = [];
    process.env.TENSORDOCK_API_TOKEN = token;
    errors.push(
      await genericSecret.create({ name: "n", value, secretType: "GENERIC" }).catch((e: unknown) => e),
    );
    errors.push(await genericSecret.read("some-id", { name: "n", value }).catch((e: unknown) => e));
    errors.push(await genericSecret.delete("some-id", { name: "n", value }).catch((e: unknown) => e));
    errors.push(await getSecrets().catch((e: unknown) => e));
    process.env.TENSORDOCK_API_TOKEN = sandbox.apiToken;
    errors.push(await sshKey.create({ name: "n", publicKey: value }).catch((e: unknown) => e));
    expect(errors.every((e) => e instanceof Error)).toBe(true);
    const text = errors.map((e) => `${(e as Error).message}\n${(e as Error).stack}`).join("\n");
    expect(text).toContain("401 from TensorDock");
    expect(findLeak(text, [token, value])).toBeUndefined();
  });
});

describe("getSecrets", () => {
  it("lists ids, names and types and never values", async () => {
    const client = new TensorDockClient({ baseUrl: sandbox.baseUrl, apiToken: sandbox.apiToken });
    const key = publicKeyLine();
    const a = await client.create({ name: "k", type: "SSHKEY", value: key });
    const b = await client.create({ name: "s", type: "SECRET", value: "v" });
    expect(await getSecrets()).toEqual([
      { id: a.id, name: "k", type: "SSHKEY" },
      { id: b.id, name: "s", type: "SECRET" },
    ]);
    expect(
      JSON.stringify(
        await getSecrets({ connection: { apiToken: sandbox.apiToken, baseUrl: sandbox.baseUrl } }),
      ),
    ).not.toContain(key);
  });
});
