/**
 * What the duplicate rule of test/mistakes/mistakes.test.ts must not refuse: one Wallet Crew key in two tenants is two
 * identities (a key is unique within its tenant only), so both deploy.
 */
import * as path from "node:path";
import { afterAll, expect, it } from "vitest";
import { deployProgram, type ProgramStack } from "../support/deploy";
import { REPO_ROOT } from "../support/process";
import { withSandbox } from "../support/sandbox";

const PROGRAM = path.join(REPO_ROOT, "test", "fixtures", "mistakes");

const sandbox = withSandbox();
const stacks: ProgramStack[] = [];
afterAll(() => {
  for (const stack of stacks) stack.remove();
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
