/**
 * A misspelled argument fails loudly, through the real provider host: every resource passes every argument it
 * was given to check (JavaScript, `any` and values built from JSON or YAML config are not type-checked), and
 * check rejects an unknown one by name with the closest valid name, at preview, with zero requests.
 */
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DeploymentError } from "../../harness/engine";
import { getSecretLists, getSecretValue } from "../../provider/netactuate/lookups";
import { getSecrets } from "../../provider/tensordock/lookups";
import { getSecretKeys } from "../../provider/walletcrew/lookups";
import { ResourceError } from "../../provider/kit";
import { deployProgram, type ProgramStack } from "../support/deploy";
import { REPO_ROOT } from "../support/process";
import { withSandbox } from "../support/sandbox";

const PROGRAM = path.join(REPO_ROOT, "test", "fixtures", "mistakes");
const PUBLIC_KEY =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBiklCBOkHnt0XIaL/k/aGdeygdaLHA1luvNP75tjibL typo@secretstack";

const MISTAKES = [
  {
    resource: "walletcrew.TenantSecret",
    args: { key: "typo-key", value: "v", expiresAt: "2099-01-01T00:00:00Z" },
    typo: "expiresAt",
    meant: "expiresOn",
  },
  {
    resource: "tensordock.GenericSecret",
    args: { name: "typo", value: "v", secretTyp: "SECRET" },
    typo: "secretTyp",
    meant: "secretType",
  },
  {
    resource: "tensordock.SshKey",
    args: { name: "typo", publicKey: PUBLIC_KEY, nmae: "x" },
    typo: "nmae",
    meant: "name",
  },
  { resource: "netactuate.SecretList", args: { name: "typo-list", nam: "x" }, typo: "nam", meant: "name" },
  {
    resource: "netactuate.SecretValue",
    args: { listId: "1", key: "TYPO", value: "v", valu: "x" },
    typo: "valu",
    meant: "value",
  },
  {
    resource: "tensordock.GenericSecret",
    args: { name: "typo", value: "v", connection: { apiTokn: "x" } },
    typo: "connection.apiTokn",
    meant: "apiToken",
  },
];

const sandbox = withSandbox();
const stacks: ProgramStack[] = [];
afterAll(() => {
  for (const stack of stacks) stack.remove();
});

/** Previews the fixture declaring `resource` with `args`; resolves with its error, after proving no request. */
async function previewFailure(resource: string, args: Record<string, unknown>): Promise<Error> {
  const stack = deployProgram({
    programDir: PROGRAM,
    env: { ...sandbox.current.env, MISTAKE: JSON.stringify({ resource, args }) },
  });
  stacks.push(stack);
  const before = sandbox.current.log.length;
  const error = await stack.run("preview").then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeploymentError);
  expect(sandbox.current.log.slice(before)).toEqual([]);
  return error as Error;
}

describe.each(MISTAKES)("$resource with `$typo`", ({ resource, args, typo, meant }) => {
  it("fails at preview naming the argument and the closest valid one, and sends no request", async () => {
    const { message } = await previewFailure(resource, args);
    const last = typo.split(".").at(-1) ?? typo;
    expect(message).toContain(`${typo}: unknown argument \`${last}\``);
    expect(message).toContain(`did you mean \`${meant}\`?`);
  }, 60_000);
});

describe("lookups", () => {
  const LOOKUPS = [
    {
      name: "tensordock.getSecrets",
      call: () => getSecrets({ conection: {} } as never),
      meant: "connection",
    },
    {
      name: "walletcrew.getSecretKeys",
      call: () => getSecretKeys({ tenant: "demo" } as never),
      meant: "tenantId",
    },
    {
      name: "netactuate.getSecretValue",
      call: () => getSecretValue({ key: "K", connection: { apiKee: "x" } } as never),
      meant: "apiKey",
    },
    {
      name: "netactuate.getSecretLists",
      call: () => getSecretLists({ conection: {} } as never),
      meant: "connection",
    },
  ];

  it.each(LOOKUPS)(
    "$name names an unknown argument and the closest valid one, sending nothing",
    async ({ call, meant, name }) => {
      const before = sandbox.current.log.length;
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ResourceError);
      expect((error as Error).message).toMatch(
        new RegExp(`^${name.replace(".", "\\.")}: .*unknown argument`),
      );
      expect((error as Error).message).toContain(`did you mean \`${meant}\`?`);
      expect(sandbox.current.log.slice(before)).toEqual([]);
    },
  );
});

describe("names and keys", () => {
  const NAMES = [
    {
      resource: "tensordock.GenericSecret",
      args: { name: "   ", value: "v" },
      reason: "must not be empty or only spaces",
    },
    {
      resource: "tensordock.SshKey",
      args: { name: " deploy", publicKey: PUBLIC_KEY },
      reason: "must not start or end with spaces",
    },
    {
      resource: "netactuate.SecretList",
      args: { name: "app-secrets " },
      reason: "must not start or end with spaces",
    },
    { resource: "walletcrew.TenantSecret", args: { key: " spaced", value: "v" }, reason: "key" },
  ];

  it.each(NAMES)(
    "$resource refuses $args.name$args.key at preview, naming the rule",
    async ({ resource, args, reason }) => {
      const { message } = await previewFailure(resource, args);
      expect(message).toMatch(/check failed: (name|key): /);
      expect(message).toContain(reason);
    },
    60_000,
  );
});
