/**
 * Duplicates across stacks: a second stack (its own state) declaring an identity the first stack already
 * holds, and not provably the same object, fails its create naming the existing id and the import that adopts
 * it, and the sandbox keeps exactly one object. One table for all five resources.
 */
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { deployProgram, type ProgramStack } from "../support/deploy";
import { REPO_ROOT } from "../support/process";
import { withSandbox } from "../support/sandbox";

const PROGRAM = path.join(REPO_ROOT, "test", "fixtures", "mistakes");
const KEY_A =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBiklCBOkHnt0XIaL/k/aGdeygdaLHA1luvNP75tjibL stack-a@secretstack";
const KEY_B =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGkr3eGAnOMI2+QWKWDV6UG6TmXapSbSsqClGQPC7R6A stack-b@secretstack";

interface Row {
  resource: string;
  /** The args of stack A and of stack B (`listId` is filled in with a list made beforehand). */
  a: Record<string, unknown>;
  b: Record<string, unknown>;
  message: RegExp;
  count: (contents: Awaited<ReturnType<ReturnType<typeof withSandbox>["current"]["contents"]>>) => number;
}

const ROWS: Row[] = [
  {
    resource: "tensordock.SshKey",
    a: { name: "shared-key", publicKey: KEY_A },
    b: { name: "shared-key", publicKey: KEY_B },
    message:
      /a SSHKEY secret named "shared-key" already exists in TensorDock \(id ([0-9a-f-]+)\).*\{ import: "\1" \}/,
    count: (c) => c.tensordock.filter((s) => s.startsWith("shared-key ")).length,
  },
  {
    resource: "tensordock.GenericSecret",
    a: { name: "shared-secret", value: "a" },
    b: { name: "shared-secret", value: "a" },
    message:
      /a GENERIC secret named "shared-secret" already exists in TensorDock \(id ([0-9a-f-]+)\).*\{ import: "\1" \}/,
    count: (c) => c.tensordock.filter((s) => s.startsWith("shared-secret ")).length,
  },
  {
    resource: "walletcrew.TenantSecret",
    a: { key: "shared-tenant-key", value: "a" },
    b: { key: "shared-tenant-key", value: "b" },
    message:
      /the key shared-tenant-key already exists in tenant demo \(id demo\/shared-tenant-key\).*import: "demo\/shared-tenant-key"/,
    count: (c) => c.walletcrew.filter((k) => k === "demo/shared-tenant-key").length,
  },
  {
    resource: "netactuate.SecretList",
    a: { name: "shared-list" },
    b: { name: "shared-list" },
    message:
      /a secret list named "shared-list" already exists in the NetActuate account \(list (\d+)\).*\{ import: "\1" \}/,
    count: (c) => c.netactuateLists.filter((l) => l.startsWith("shared-list ")).length,
  },
  {
    resource: "netactuate.SecretValue",
    a: { key: "SHARED_VALUE", value: "a" },
    b: { key: "SHARED_VALUE", value: "b" },
    message:
      /key "SHARED_VALUE" already exists in the NetActuate account \(value (\d+) in list \d+\).*\{ import: "\1" \}/,
    count: (c) => c.netactuateValues.filter((v) => v.startsWith("SHARED_VALUE ")).length,
  },
];

const sandbox = withSandbox();
const stacks: ProgramStack[] = [];
afterAll(() => {
  for (const stack of stacks) stack.remove();
});

function stackOf(resource: string, name: string, args: Record<string, unknown>): ProgramStack {
  const stack = deployProgram({
    programDir: PROGRAM,
    env: { ...sandbox.current.env, MISTAKE: JSON.stringify({ resources: [{ resource, name, args }] }) },
  });
  stacks.push(stack);
  return stack;
}

describe.each(ROWS)("$resource declared by two stacks", ({ resource, a, b, message, count }) => {
  it("fails the second stack's create naming the existing id and the import, keeping one object", async () => {
    let listId: Record<string, unknown> = {};
    if (resource === "netactuate.SecretValue") {
      listId = {
        listId: String((await sandbox.current.clients.netactuate.lists.create({ name: "cross-list" })).id),
      };
    }
    expect((await stackOf(resource, "first", { ...a, ...listId }).up()).created).toBe(1);
    const error = await stackOf(resource, "second", { ...b, ...listId })
      .up()
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(error?.message).toMatch(message);
    expect(count(await sandbox.current.contents())).toBe(1);
  }, 120_000);
});
