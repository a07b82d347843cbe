/**
 * Both ends of the `@pulumi/pulumi` peer range: the packed package installed with the lowest version the range
 * admits and with 3.248.0 (where two NetActuate values with one key were reported to hang preview and up),
 * each in a program outside the repository, deployed through the real host of that version. One of each kind
 * deploys; a duplicate key fails at preview and at up naming both resources, promptly, never hanging.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployProgram, type ProgramStack } from "../support/deploy";
import { REPO_ROOT, runNpm } from "../support/process";
import { withSandbox } from "../support/sandbox";

const INSTALL_TIMEOUT = 240_000;
const PEER = (
  JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
    peerDependencies: Record<string, string>;
  }
).peerDependencies["@pulumi/pulumi"];
/** The lowest version `^X.Y.Z` admits. */
const FLOOR = /^\^(\d+\.\d+\.\d+)$/.exec(PEER ?? "")?.[1];
const FIXTURE = path.join(REPO_ROOT, "test", "fixtures", "mistakes");
const PUBLIC_KEY =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBiklCBOkHnt0XIaL/k/aGdeygdaLHA1luvNP75tjibL peer@secretstack";

const work = mkdtempSync(path.join(tmpdir(), "secretstack-peer-"));
let tarball = "";

beforeAll(async () => {
  const pack = await runNpm(["pack", "--json", "--ignore-scripts", "--pack-destination", work], {
    cwd: REPO_ROOT,
  });
  if (pack.code !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
  tarball = path.join(work, (JSON.parse(pack.stdout) as { filename: string }[])[0]?.filename ?? "");
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

it("reads a caret floor from the peer range", () => {
  expect(FLOOR).toMatch(/^3\.\d+\.\d+$/);
});

describe.each([FLOOR ?? "unknown", "3.248.0"])("@pulumi/pulumi %s", (version) => {
  const sandbox = withSandbox();
  const programDir = path.join(work, version);
  const stacks: ProgramStack[] = [];
  const stack = (resources: unknown[]) => {
    const made = deployProgram({
      programDir,
      env: { ...sandbox.current.env, MISTAKE: JSON.stringify({ resources }) },
    });
    stacks.push(made);
    return made;
  };

  beforeAll(async () => {
    mkdirSync(programDir, { recursive: true });
    copyFileSync(path.join(FIXTURE, "index.ts"), path.join(programDir, "index.ts"));
    writeFileSync(path.join(programDir, "Pulumi.yaml"), "name: peer-range\nruntime: nodejs\n");
    writeFileSync(
      path.join(programDir, "package.json"),
      '{ "name": "peer-range", "private": true, "main": "index.ts" }\n',
    );
    const install = await runNpm(
      ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball, `@pulumi/pulumi@${version}`],
      { cwd: programDir, timeoutMs: INSTALL_TIMEOUT },
    );
    if (install.code !== 0) throw new Error(`npm install failed (${install.code}): ${install.stderr}`);
  }, INSTALL_TIMEOUT + 30_000);
  afterAll(() => {
    for (const made of stacks) made.remove();
  });

  it("installs that version", () => {
    const installed = JSON.parse(
      readFileSync(path.join(programDir, "node_modules", "@pulumi", "pulumi", "package.json"), "utf8"),
    ) as { version: string };
    expect(installed.version).toBe(version);
  });

  it("deploys one of each kind of resource and destroys them", async () => {
    const made = stack([
      { resource: "tensordock.SshKey", name: "key", args: { name: "peer-key", publicKey: PUBLIC_KEY } },
      { resource: "tensordock.GenericSecret", name: "secret", args: { name: "peer-secret", value: "v" } },
      { resource: "walletcrew.TenantSecret", name: "tenant", args: { key: "peer-key", value: "v" } },
      { resource: "netactuate.SecretList", name: "list", args: { name: "peer-list" } },
    ]);
    expect((await made.up()).created).toBe(4);
    expect((await made.destroy()).deleted).toBe(4);
  }, 120_000);

  it("fails a duplicate NetActuate key at preview and at up, naming both, without hanging", async () => {
    const made = stack([
      { resource: "netactuate.SecretList", name: "list", args: { name: "peer-dup-list" } },
      { resource: "netactuate.SecretValue", name: "first", args: { listId: "1", key: "PEER", value: "a" } },
      { resource: "netactuate.SecretValue", name: "second", args: { listId: "1", key: "PEER", value: "b" } },
    ]);
    for (const command of ["preview", "up"] as const) {
      const error = await made.run(command).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error?.message).toMatch(/"first" and "second" declare the same key "PEER"/);
    }
    expect((await sandbox.current.contents()).netactuateLists).toEqual([]);
  }, 60_000);
});
