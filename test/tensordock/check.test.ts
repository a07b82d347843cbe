import { describe, expect, it } from "vitest";
import { UNKNOWN } from "../../provider/kit";
import genericSecret from "../../provider/tensordock/genericSecret.provider";
import { parseOpenSshPublicKey } from "../../provider/tensordock/publicKey";
import sshKey from "../../provider/tensordock/sshKey.provider";
import { privateKeyText, publicKeyLine } from "./helpers";

const PROVIDER = { __provider: "exports.handler = ...serialized..." };

describe("SshKey check", () => {
  it("normalizes a public key to one canonical line and keeps the comment", async () => {
    const key = publicKeyLine("ed25519");
    const result = await sshKey.check(
      {},
      { ...PROVIDER, name: "deploy", publicKey: `  ${key}   ops@fleet   laptop \n` },
    );
    expect(result.failures).toBeUndefined();
    expect(result.inputs).toEqual({ name: "deploy", publicKey: `${key} ops@fleet laptop` });
  });

  it.each([
    ["rsa2048", "ssh-rsa", 2048],
    ["ecdsa", "ecdsa-sha2-nistp256", 256],
    ["ed25519", "ssh-ed25519", 256],
  ] as const)("accepts %s keys and reads their type and size", (kind, keyType, bits) => {
    const parsed = parseOpenSshPublicKey(publicKeyLine(kind, "me@host"));
    expect(parsed).toMatchObject({ ok: true, key: { keyType, keyBits: bits, comment: "me@host" } });
    if (parsed.ok) expect(parsed.key.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it.each([
    ["garbage", "not a key at all", /key type/],
    ["truncated key data", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBik", /not a valid ssh-ed25519 key/],
    [
      "a key type that does not match its data",
      `ssh-rsa ${publicKeyLine("ed25519").split(" ")[1]}`,
      /not a valid ssh-rsa key/,
    ],
    ["a 1024-bit RSA key", publicKeyLine("rsa1024"), /1024-bit RSA key; use at least 2048/],
    ["a DSA key", "ssh-dss AAAAB3NzaC1kc3MAAACBAP", /DSA keys are refused/],
    [
      "a security-key key",
      "sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t",
      /security-key/,
    ],
    ["two keys on two lines", `${publicKeyLine()}\n${publicKeyLine()}`, /single line/],
    ["authorized_keys options", `no-pty ${publicKeyLine()}`, /authorized_keys options/],
    ["an empty string", "", /must not be empty/],
  ])("fails on %s, naming publicKey", async (_label, publicKey, reason) => {
    const result = await sshKey.check({}, { name: "k", publicKey });
    expect(result.failures).toEqual([{ property: "publicKey", reason: expect.stringMatching(reason) }]);
  });

  it("refuses a private key without repeating any of it", async () => {
    const privateKey = privateKeyText();
    const result = await sshKey.check({}, { name: "k", publicKey: privateKey });
    expect(result.failures).toEqual([
      { property: "publicKey", reason: expect.stringContaining("is a private key") },
    ]);
    const body = privateKey.split("\n")[1] ?? "";
    expect(JSON.stringify(result.failures)).not.toContain(body.slice(0, 16));
  });

  it("names each missing, empty, too long or misspelled argument", async () => {
    const result = await sshKey.check({}, { name: "", publickey: publicKeyLine() });
    expect(result.failures).toEqual(
      expect.arrayContaining([
        { property: "name", reason: expect.stringContaining("must not be empty") },
        { property: "publicKey", reason: expect.stringContaining("is required") },
        { property: "publickey", reason: expect.stringContaining("is not an argument of tensordock.SshKey") },
      ]),
    );
    const long = await sshKey.check({}, { name: "x".repeat(256), publicKey: publicKeyLine() });
    expect(long.failures).toEqual([{ property: "name", reason: "must be at most 255 characters" }]);
    const multi = await sshKey.check({}, { name: "a\nb", publicKey: publicKeyLine() });
    expect(multi.failures?.[0]?.property).toBe("name");
  });

  it("lets values that are unknown at preview through, and still checks the known ones", async () => {
    const unknownKey = await sshKey.check({}, { name: "k", publicKey: UNKNOWN, connection: UNKNOWN });
    expect(unknownKey).toEqual({ inputs: { name: "k", publicKey: UNKNOWN, connection: UNKNOWN } });
    const badName = await sshKey.check({}, { name: "", publicKey: UNKNOWN });
    expect(badName.failures).toEqual([{ property: "name", reason: expect.any(String) }]);
    const partial = await sshKey.check(
      {},
      { name: UNKNOWN, publicKey: publicKeyLine(), connection: { apiToken: UNKNOWN, baseUrl: "ftp://x" } },
    );
    expect(partial.failures).toEqual([
      { property: "connection.baseUrl", reason: expect.stringContaining("http(s) URL") },
    ]);
  });

  it("checks connection fields strictly and strips a trailing slash from the base URL", async () => {
    const ok = await sshKey.check(
      {},
      { name: "k", publicKey: publicKeyLine(), connection: { baseUrl: "http://127.0.0.1:9/api/v2/" } },
    );
    expect(ok.inputs?.connection).toEqual({ baseUrl: "http://127.0.0.1:9/api/v2" });
    const typo = await sshKey.check(
      {},
      { name: "k", publicKey: publicKeyLine(), connection: { token: "x" } },
    );
    expect(typo.failures).toEqual([
      { property: "connection.token", reason: expect.stringContaining("is not an argument") },
    ]);
  });
});

describe("GenericSecret check", () => {
  it("defaults the type to GENERIC and accepts SECRET", async () => {
    expect((await genericSecret.check({}, { name: "n", value: "v" })).inputs).toEqual({
      name: "n",
      value: "v",
      secretType: "GENERIC",
    });
    expect(
      (await genericSecret.check({}, { name: "n", value: "v", secretType: "SECRET" })).inputs?.secretType,
    ).toBe("SECRET");
  });

  it("names an unknown type, an empty value and a value over 64 KiB", async () => {
    const type = await genericSecret.check({}, { name: "n", value: "v", secretType: "SSHKEY" });
    expect(type.failures).toEqual([
      { property: "secretType", reason: expect.stringContaining("tensordock.SshKey") },
    ]);
    const empty = await genericSecret.check({}, { name: "n", value: "" });
    expect(empty.failures).toEqual([{ property: "value", reason: "must not be empty" }]);
    const big = await genericSecret.check({}, { name: "n", value: "é".repeat(32 * 1024 + 1) });
    expect(big.failures).toEqual([{ property: "value", reason: expect.stringContaining("64 KiB") }]);
  });

  it("never quotes the value in a failure", async () => {
    const value = `CANARY-${"x".repeat(70_000)}`;
    const result = await genericSecret.check({}, { name: 7, value });
    expect(JSON.stringify(result.failures)).not.toContain("CANARY");
    expect(result.failures?.map((f) => f.property).sort()).toEqual(["name", "value"]);
  });
});

describe("diff", () => {
  const key = publicKeyLine("ed25519", "a@b");
  const old = {
    name: "k",
    publicKey: key,
    fingerprint: "SHA256:x",
    keyType: "ssh-ed25519",
    keyBits: 256,
    schemaVersion: 1,
  };

  it("plans no change when nothing changed", async () => {
    expect(await sshKey.diff("id", old, { name: "k", publicKey: key })).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it("replaces a changed key, deleting first because the name stays", async () => {
    const other = publicKeyLine();
    expect(await sshKey.diff("id", old, { name: "k", publicKey: other })).toEqual({
      changes: true,
      replaces: ["publicKey"],
      deleteBeforeReplace: true,
    });
  });

  it("replaces a renamed key creating first, since the names differ", async () => {
    expect(await sshKey.diff("id", old, { name: "k2", publicKey: key })).toEqual({
      changes: true,
      replaces: ["name"],
      deleteBeforeReplace: false,
    });
  });

  it("updates, never replaces, when only the connection changes", async () => {
    const diff = await sshKey.diff(
      "id",
      { ...old, connection: { apiToken: "old" } },
      { name: "k", publicKey: key, connection: { apiToken: "new" } },
    );
    expect(diff).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    const same = await sshKey.diff("id", { ...old, connection: {} }, { name: "k", publicKey: key });
    expect(same.changes).toBe(false);
  });

  it("replaces a generic secret whose value or type changed, and treats unknown values as changes", async () => {
    const stored = { name: "n", value: "v1", secretType: "GENERIC", schemaVersion: 1 };
    expect(await genericSecret.diff("id", stored, { name: "n", value: "v2", secretType: "GENERIC" })).toEqual(
      {
        changes: true,
        replaces: ["value"],
        deleteBeforeReplace: true,
      },
    );
    expect(
      (await genericSecret.diff("id", stored, { name: "n", value: "v1", secretType: "SECRET" })).replaces,
    ).toEqual(["secretType"]);
    expect(
      (await genericSecret.diff("id", stored, { name: "n", value: UNKNOWN, secretType: "GENERIC" })).replaces,
    ).toEqual(["value"]);
  });

  it("adopts a declared value into an imported secret's state without replacing it", async () => {
    const imported = { name: "n", secretType: "GENERIC", schemaVersion: 1 };
    expect(
      await genericSecret.diff("id", imported, { name: "n", value: "v", secretType: "GENERIC" }),
    ).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });
});

describe("state upgrades", () => {
  it("reads a version-0 SshKey key in any spelling as its normalized line", async () => {
    const key = publicKeyLine("ed25519", "old@state");
    const [type, data] = key.split(" ");
    const spaced = {
      name: "k",
      publicKey: `  ${type}   ${data}   old@state  `,
      connection: { baseUrl: "http://x" },
    };
    expect(
      await sshKey.diff("id", spaced, { name: "k", publicKey: key, connection: { baseUrl: "http://x" } }),
    ).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it("reads version-0 GenericSecret state defaulting its type, and malformed fields as absent", async () => {
    const news = { name: "n", value: "v", secretType: "GENERIC" };
    expect((await genericSecret.diff("id", { name: "n", value: "v" }, news)).changes).toBe(false);
    // Only the name is missing: the type defaults to GENERIC, the value reads as unknown (recorded, not
    // replaced) and the connection as none.
    expect(
      await genericSecret.diff("id", { name: 3, value: 5, secretType: "BOGUS", connection: "x" }, news),
    ).toEqual({ changes: true, replaces: ["name"], deleteBeforeReplace: false });
    expect(
      (await genericSecret.diff("id", { name: "n", value: "v", secretType: "SECRET" }, news)).replaces,
    ).toEqual(["secretType"]);
  });

  it("diffs old version-0 state against new inputs without a spurious replacement", async () => {
    const key = publicKeyLine("ed25519", "c");
    expect(
      (await sshKey.diff("id", { name: "k", publicKey: key }, { name: "k", publicKey: key })).changes,
    ).toBe(false);
    expect(
      (
        await genericSecret.diff(
          "id",
          { name: "n", value: "v" },
          { name: "n", value: "v", secretType: "GENERIC" },
        )
      ).changes,
    ).toBe(false);
  });
});
