/**
 * Every resource class exposes every output it declares, also when the optional arguments behind them are not
 * given (a tenant from config, a default secret type, no connection): an output missing from registration is
 * `undefined` in the program, not an Output, and `secret.tenantId.apply(...)` throws. Checked in a plain Node
 * process loading the built package as a program does (Pulumi's mocks in place of an engine).
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { publicKeyLine } from "../tensordock/helpers";

const ROOT = path.resolve(__dirname, "..", "..");

const cases: Array<[string, string, Record<string, unknown>, string[]]> = [
  [
    "tensordock.SshKey",
    "tensordock.SshKey",
    { name: "deploy", publicKey: publicKeyLine() },
    ["name", "publicKey", "fingerprint", "keyType", "keyBits", "comment", "connection", "schemaVersion"],
  ],
  [
    "tensordock.GenericSecret",
    "tensordock.GenericSecret",
    { name: "hf", value: "v" },
    ["name", "value", "secretType", "connection", "schemaVersion"],
  ],
  [
    "walletcrew.TenantSecret",
    "walletcrew.TenantSecret",
    { key: "k", value: "v" },
    ["key", "value", "tenantId", "adopt", "expiresOn", "notBefore", "connection", "expired", "schemaVersion"],
  ],
  [
    "netactuate.SecretList",
    "netactuate.SecretList",
    { name: "app" },
    ["name", "connection", "schemaVersion"],
  ],
  [
    "netactuate.SecretValue",
    "netactuate.SecretValue",
    { listId: "1", key: "K", value: "v" },
    ["listId", "key", "value", "connection", "reference", "schemaVersion"],
  ],
];

/** The outputs of `outputs` that a resource built with `args` does not expose as an Output. */
function missingOutputs(resource: string, args: Record<string, unknown>, outputs: string[]): string[] {
  const script = `
    const pulumi = require("@pulumi/pulumi");
    // Registration only: how the provider serializes is proven by the packed install (pack.test.ts).
    require("@pulumi/pulumi/runtime/closure/serializeClosure").serializeFunction = async () => ({ text: "", containsSecrets: false });
    pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name + "-id", state: a.inputs }), call: (a) => a.inputs }, "project", "stack", false);
    const lib = require("pulumi-secretstack");
    const [api, kind] = ${JSON.stringify(resource)}.split(".");
    const made = new lib[api][kind]("r", ${JSON.stringify(args)});
    const missing = ${JSON.stringify(outputs)}.filter((name) => !pulumi.Output.isInstance(made[name]));
    process.stdout.write(JSON.stringify(missing));
  `;
  return JSON.parse(
    execFileSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8" }),
  ) as string[];
}

describe("resource classes", () => {
  it.each(cases)(
    "%s exposes every declared output with only its required arguments",
    (_, resource, args, outputs) => {
      expect(missingOutputs(resource, args, outputs)).toEqual([]);
    },
  );
});
