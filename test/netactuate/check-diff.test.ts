import { describe, expect, it } from "vitest";
import { SCHEMA_VERSION, UNKNOWN } from "../../provider/kit";
import { cloudInitProblems, referencedKeys } from "../../provider/netactuate/cloudInit";
import { upgradeSecretList, upgradeSecretValue } from "../../provider/netactuate/schemas";
import secretList from "../../provider/netactuate/secretList.provider";
import secretValue from "../../provider/netactuate/secretValue.provider";

const PROVIDER = { __provider: "exports.handler = …" };

describe("SecretValue check", () => {
  it("normalizes a numeric listId to a string and drops what Pulumi adds", async () => {
    const result = await secretValue.check({}, { ...PROVIDER, listId: 12, key: "DB_PASSWORD", value: "v" });
    expect(result).toEqual({ inputs: { listId: "12", key: "DB_PASSWORD", value: "v" } });
  });

  it.each([
    ["key", { key: "has space" }],
    ["key", { key: "" }],
    ["key", { key: "K".repeat(129) }],
    ["listId", { listId: "abc" }],
    ["listId", { listId: "0" }],
    ["value", { value: "" }],
    ["value", { value: "é".repeat(33 * 1024) }],
    ["connection.baseUrl", { connection: { baseUrl: "ftp://x" } }],
    ["connection.apiToken", { connection: { apiToken: "x" } }],
    ["keys", { keys: "typo" }],
  ])("fails naming %s for %j", async (property, override) => {
    const result = await secretValue.check(
      {},
      { listId: "1", key: "K", value: "secret-canary-value", ...override },
    );
    expect(result.inputs).toBeUndefined();
    expect(result.failures?.map((f) => f.property)).toContain(property);
    expect(JSON.stringify(result.failures)).not.toContain("secret-canary-value");
  });

  it("lets values still unknown at preview pass", async () => {
    const result = await secretValue.check(
      {},
      { listId: UNKNOWN, key: UNKNOWN, value: UNKNOWN, connection: UNKNOWN },
    );
    expect(result.failures).toBeUndefined();
    expect(result.inputs).toEqual({ listId: UNKNOWN, key: UNKNOWN, value: UNKNOWN, connection: UNKNOWN });
  });

  it("ignores the output keys the resource class registers empty", async () => {
    const result = await secretValue.check(
      {},
      { listId: "1", key: "K", value: "v", reference: "", schemaVersion: null },
    );
    expect(result).toEqual({ inputs: { listId: "1", key: "K", value: "v" } });
  });
});

describe("SecretList check", () => {
  it("accepts a name and a connection", async () => {
    const inputs = { name: "prod", connection: { apiKey: "k", baseUrl: "http://127.0.0.1:1/api" } };
    expect(await secretList.check({}, { ...PROVIDER, ...inputs })).toEqual({ inputs });
  });

  it.each([[{ name: "" }], [{ name: "   " }], [{ name: "n".repeat(256) }], [{}]])(
    "fails naming name for %j",
    async (news) => {
      const result = await secretList.check({}, news);
      expect(result.failures?.map((f) => f.property)).toEqual(["name"]);
    },
  );
});

const oldValue = {
  listId: "3",
  key: "K",
  value: "v",

  reference: "${{secret.K}}",
  schemaVersion: SCHEMA_VERSION,
};

describe("SecretValue diff", () => {
  it("reports no change when nothing changed", async () => {
    expect(await secretValue.diff("9", oldValue, { listId: "3", key: "K", value: "v" })).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it.each([[{ key: "K2" }], [{ value: "w" }], [{ connection: { apiKey: "rotated" } }]])(
    "updates in place for %j",
    async (change) => {
      expect(await secretValue.diff("9", oldValue, { listId: "3", key: "K", value: "v", ...change })).toEqual(
        {
          changes: true,
          replaces: [],
          deleteBeforeReplace: false,
        },
      );
    },
  );

  it("replaces, deleting first, when the value moves to another list (or one not known yet)", async () => {
    for (const listId of ["4", UNKNOWN]) {
      expect(await secretValue.diff("9", oldValue, { listId, key: "K", value: "v" })).toEqual({
        changes: true,
        replaces: ["listId"],
        deleteBeforeReplace: true,
      });
    }
  });

  it("reads state from before schema versions (numeric listId, no reference)", async () => {
    const v0 = { listId: 3, key: "K", value: "v" };
    expect(await secretValue.diff("9", v0, { listId: "3", key: "K", value: "v" })).toMatchObject({
      changes: false,
    });
    expect(upgradeSecretValue(v0)).toEqual({ ...oldValue });
  });
});

describe("SecretList diff and upgrade", () => {
  it("renames in place and treats a connection change alone as a state-only update", async () => {
    const old = { name: "a", schemaVersion: SCHEMA_VERSION };
    expect(await secretList.diff("1", old, { name: "b" })).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    expect(await secretList.diff("1", old, { name: "a" })).toMatchObject({ changes: false });
    expect(await secretList.diff("1", old, { name: "a", connection: { apiKey: "x" } })).toMatchObject({
      changes: true,
      replaces: [],
    });
    expect(await secretList.diff("1", { ...old, connection: {} }, { name: "a" })).toMatchObject({
      changes: false,
    });
  });

  it("reads version-0 state, and a malformed field as absent (the kit's one stored-state rule)", () => {
    expect(upgradeSecretList({ name: "a" })).toEqual({ name: "a", schemaVersion: SCHEMA_VERSION });
    expect(upgradeSecretValue({ key: "K", listId: { edited: "by hand" } })).toEqual({
      listId: "",
      key: "K",
      reference: "${{secret.K}}",
      schemaVersion: SCHEMA_VERSION,
    });
  });
});

describe("cloud-init references", () => {
  it("finds each referenced key once, in order", () => {
    expect(referencedKeys("a=${{secret.B}} c=${{secret.A_1.x-y}} d=${{secret.B}}")).toEqual(["B", "A_1.x-y"]);
  });

  it("reports undeclared keys and malformed references, and nothing for a sound script", () => {
    expect(cloudInitProblems("X=${{secret.A}}", ["A"])).toEqual([]);
    const problems = cloudInitProblems(
      "X=${{secret.A}} Y=${{secret.MISSING}} Z=${{ secret.A }} W=${{SECRET.A}}",
      ["A"],
    );
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/\$\{\{ secret\.A \}\} is not a valid secret reference/);
    expect(problems[1]).toMatch(/\$\{\{SECRET\.A\}\} is not a valid/);
    expect(problems[2]).toMatch(/key "MISSING", which no SecretValue given to cloudInit declares/);
  });
});
