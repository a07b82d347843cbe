/**
 * Rules the kit applies to all five resources: state written by a newer release (a higher schema version) is
 * never acted on, whatever the call, and says what to do; the credentials and the value are always secret.
 */
import { describe, expect, it } from "vitest";
import { definitionOf, type KitProvider, SCHEMA_VERSION } from "../../provider/kit";
import secretList from "../../provider/netactuate/secretList.provider";
import secretValue from "../../provider/netactuate/secretValue.provider";
import genericSecret from "../../provider/tensordock/genericSecret.provider";
import sshKey from "../../provider/tensordock/sshKey.provider";
import tenantSecret from "../../provider/walletcrew/tenantSecret.provider";
import { publicKeyLine } from "../tensordock/helpers";

const KEY = publicKeyLine("ed25519");

const CASES: Array<[string, KitProvider<Record<string, unknown>>, Record<string, unknown>, string[]]> = [
  ["tensordock:SshKey", sshKey, { name: "k", publicKey: KEY }, ["connection"]],
  [
    "tensordock:GenericSecret",
    genericSecret,
    { name: "s", value: "v", secretType: "GENERIC" },
    ["value", "connection"],
  ],
  [
    "walletcrew:TenantSecret",
    tenantSecret,
    { key: "K", value: "v", tenantId: "demo" },
    ["value", "connection"],
  ],
  ["netactuate:SecretList", secretList, { name: "l" }, ["connection"]],
  ["netactuate:SecretValue", secretValue, { listId: "1", key: "K", value: "v" }, ["value", "connection"]],
];

describe.each(CASES)("%s", (type, provider, inputs, secrets) => {
  it("keeps its credentials and its value secret", () => {
    expect(definitionOf(provider)?.secrets).toEqual(secrets);
  });

  const newer = { ...inputs, schemaVersion: SCHEMA_VERSION + 1 };
  const refusal = new RegExp(
    `the state of ${type} .* was written by a newer pulumi-secretstack \\(schema ${SCHEMA_VERSION + 1}\\); upgrade the package`,
  );

  it("refuses to diff, read, update or delete state written by a newer release", async () => {
    await expect(provider.diff("1", newer, inputs)).rejects.toThrow(refusal);
    await expect(provider.read("1", newer)).rejects.toThrow(refusal);
    await expect(provider.update("1", newer, inputs)).rejects.toThrow(refusal);
    await expect(provider.delete("1", newer)).rejects.toThrow(refusal);
  });

  it("sees no change in a stored connection whose base URL kept its trailing slash", async () => {
    const connection = { apiKey: "k", apiToken: "k", baseUrl: "https://api.example.test/v2/" };
    const given = Object.fromEntries(
      Object.entries(connection).filter(
        ([field]) => field !== (type.startsWith("tensordock") ? "apiKey" : "apiToken"),
      ),
    );
    const olds = { ...inputs, connection: given, schemaVersion: SCHEMA_VERSION };
    const checked = await provider.check(olds, { ...inputs, connection: given });
    expect(checked.failures).toBeUndefined();
    expect((checked.inputs?.connection as Record<string, string>).baseUrl).toBe(
      "https://api.example.test/v2",
    );
    await expect(provider.diff("1", olds, checked.inputs ?? {})).resolves.toMatchObject({ changes: false });
  });

  it("diffs state of the current version as usual", async () => {
    const current = { ...inputs, schemaVersion: SCHEMA_VERSION };
    await expect(provider.diff("1", current, inputs)).resolves.toMatchObject({ changes: false });
  });
});
