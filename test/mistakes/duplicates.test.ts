/**
 * Two resources of one stack with one identity that must be unique (a Wallet Crew key in a tenant, a NetActuate
 * key or list name in an account) fail before anything is created, naming both resources and the identity;
 * never two "created" that overwrite each other on every `up`.
 */
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { deployProgram, type ProgramStack } from "../support/deploy";
import { REPO_ROOT } from "../support/process";
import { EMPTY_SANDBOX, withSandbox } from "../support/sandbox";

const PROGRAM = path.join(REPO_ROOT, "test", "fixtures", "mistakes");

const DUPLICATES = [
  {
    what: "two TenantSecrets with one key in one tenant",
    resources: [
      { resource: "walletcrew.TenantSecret", name: "first", args: { key: "shared-key", value: "one" } },
      { resource: "walletcrew.TenantSecret", name: "second", args: { key: "shared-key", value: "two" } },
    ],
    message:
      /walletcrew.TenantSecret resources "first" and "second" declare the same key "shared-key" in tenant demo/,
  },
  {
    what: "two SecretValues with one key in one account",
    resources: [
      { resource: "netactuate.SecretList", name: "list", args: { name: "dup-list" } },
      {
        resource: "netactuate.SecretValue",
        name: "first",
        args: { listId: "1", key: "SHARED", value: "one" },
      },
      {
        resource: "netactuate.SecretValue",
        name: "second",
        args: { listId: "1", key: "SHARED", value: "two" },
      },
    ],
    message: /netactuate.SecretValue resources "first" and "second" declare the same key "SHARED"/,
  },
  {
    what: "two SecretLists with one name in one account",
    resources: [
      { resource: "netactuate.SecretList", name: "first", args: { name: "same-name" } },
      { resource: "netactuate.SecretList", name: "second", args: { name: "same-name" } },
    ],
    message: /netactuate.SecretList resources "first" and "second" declare the same list name "same-name"/,
  },
];

const sandbox = withSandbox();
const stacks: ProgramStack[] = [];
afterAll(() => {
  for (const stack of stacks) stack.remove();
});

describe.each(DUPLICATES)("$what", ({ resources, message }) => {
  for (const command of ["preview", "up"] as const) {
    it(`fails ${command} naming both resources and the identity, and the sandbox receives no write`, async () => {
      const stack = deployProgram({
        programDir: PROGRAM,
        env: { ...sandbox.current.env, MISTAKE: JSON.stringify({ resources }) },
      });
      stacks.push(stack);
      const error = await stack.run(command).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((error as Error | undefined)?.message).toMatch(message);
      expect(sandbox.current.log.filter((line) => line.split(" ")[1] !== "GET")).toEqual([]);
      expect(await sandbox.current.contents()).toEqual(EMPTY_SANDBOX);
    }, 60_000);
  }
});

it("lets the same TenantSecret key live in two tenants", async () => {
  const stack = deployProgram({
    programDir: PROGRAM,
    env: {
      ...sandbox.current.env,
      MISTAKE: JSON.stringify({
        resources: [
          { resource: "walletcrew.TenantSecret", name: "demo", args: { key: "twin", value: "one" } },
          {
            resource: "walletcrew.TenantSecret",
            name: "eu",
            args: {
              key: "twin",
              value: "two",
              tenantId: "demo-eu",
              connection: { apiKey: sandbox.current.credentials.walletcrewKeys["demo-eu"] },
            },
          },
        ],
      }),
    },
  });
  stacks.push(stack);
  const summary = await stack.up();
  expect(summary.created).toBe(2);
  expect((await sandbox.current.contents()).walletcrew).toEqual(["demo-eu/twin", "demo/twin"]);
  await stack.destroy();
}, 60_000);
