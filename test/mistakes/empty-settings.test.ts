/**
 * An empty setting (a CI script's `TENSORDOCK_BASE_URL=`, stack config "") fails through the real host naming
 * the setting and where it came from; it never falls back to the vendor's production endpoint, where the
 * sandbox token would be sent.
 */
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { deployProgram, type ProgramStack } from "../support/deploy";
import { REPO_ROOT } from "../support/process";
import { withSandbox } from "../support/sandbox";

const PROGRAM = path.join(REPO_ROOT, "test", "fixtures", "mistakes");

const ROWS = [
  {
    resource: "tensordock.GenericSecret",
    args: { name: "s", value: "v" },
    setting: "TENSORDOCK_BASE_URL",
    empty: "",
  },
  {
    resource: "walletcrew.TenantSecret",
    args: { key: "k", value: "v" },
    setting: "WALLETCREW_BASE_URL",
    empty: " ",
  },
  { resource: "netactuate.SecretList", args: { name: "l" }, setting: "NETACTUATE_BASE_URL", empty: "" },
  {
    resource: "tensordock.SshKey",
    args: { name: "k", publicKey: "x" },
    setting: "TENSORDOCK_API_TOKEN",
    empty: "",
  },
];

const sandbox = withSandbox();
const stacks: ProgramStack[] = [];
afterAll(() => {
  for (const stack of stacks) stack.remove();
});

describe.each(ROWS)("$setting set but empty", ({ resource, args, setting, empty }) => {
  it("fails naming the setting and its source, with no request anywhere", async () => {
    const publicKey =
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBiklCBOkHnt0XIaL/k/aGdeygdaLHA1luvNP75tjibL empty@secretstack";
    const declared = resource === "tensordock.SshKey" ? { ...args, publicKey } : args;
    const stack = deployProgram({
      programDir: PROGRAM,
      env: {
        ...sandbox.current.env,
        [setting]: empty,
        MISTAKE: JSON.stringify({ resource, args: declared }),
      },
    });
    stacks.push(stack);
    const before = sandbox.current.log.length;
    const error = await stack.up().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toContain(`is set but empty in environment variable ${setting}`);
    expect(error?.message).toContain(`unset ${setting}`);
    expect(error?.message).not.toMatch(/ENOTFOUND|getaddrinfo/);
    expect(sandbox.current.log.slice(before)).toEqual([]);
  }, 60_000);
});
