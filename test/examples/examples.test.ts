/**
 * Every program under examples/ as a user runs it: it type-checks against the installed package, deploys
 * into the sandbox, plans nothing on a second up, and destroy leaves the sandbox empty. Two examples add the
 * behaviour they exist to show: import-existing adopts objects made outside Pulumi, seed-once leaves a value
 * rotated outside Pulumi alone.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Summary } from "../../harness/engine";
import { changes, deployProgram, NO_CHANGES, type ProgramStack } from "../support/deploy";
import { canary, findLeak } from "../support/leaks";
import { type Finished, REPO_ROOT, runNodeBin } from "../support/process";
import { EMPTY_SANDBOX, type TestSandbox, withSandbox } from "../support/sandbox";

const EXAMPLES_DIR = path.join(REPO_ROOT, "examples");
const PUBLIC_KEY =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBiklCBOkHnt0XIaL/k/aGdeygdaLHA1luvNP75tjibL legacy@secretstack";

/** What an example needs beyond "up, up, destroy", and what its first up must do. */
interface ExampleSpec {
  name: string;
  /** The first up's counts (failed is always 0). */
  firstUp: Partial<Summary>;
  /** Prepares the sandbox before the first up; returns stack config. */
  prepare?: (sandbox: TestSandbox) => Promise<Record<string, string>>;
  /** Environment of the program and provider host beyond the sandbox's (the sources of `valueFrom`). */
  env?: Record<string, string>;
  /** After the first up: asserts what the example exists to show. */
  afterFirstUp?: {
    name: string;
    run: (sandbox: TestSandbox, stack: ProgramStack, first: Summary) => Promise<void>;
  };
}

/** The values the value-from example reads from its environment and a file (canaries: never in state). */
const sourced = { hf: canary("vfhf"), webhook: canary("vfwh"), db: canary("vfdb") };
const WEBHOOK_FILE = path.join(EXAMPLES_DIR, "value-from", "secrets", "webhook-signing-secret.txt");
afterAll(() => rmSync(path.dirname(WEBHOOK_FILE), { recursive: true, force: true }));

/** Ids of the objects import-existing adopts, made with the sdk clients before its first up. */
const adopted: { sshKeyId: string; tenantSecretId: string; secretListId: string } = {
  sshKeyId: "",
  tenantSecretId: "",
  secretListId: "",
};

const SPECS: ExampleSpec[] = [
  { name: "quickstart", firstUp: { created: 6 } },
  { name: "tensordock-gpu-fleet", firstUp: { created: 2 } },
  // One tenant, the sandbox's (WALLETCREW_TENANT_ID): a second one only when configured.
  { name: "walletcrew-rotation", firstUp: { created: 1 } },
  { name: "netactuate-cloud-init", firstUp: { created: 3 } },
  {
    name: "import-existing",
    firstUp: { created: 0, imported: 3 },
    prepare: async (sandbox) => {
      const { tensordock, netactuate, walletcrew } = sandbox.clients;
      const value = canary("legacy");
      const key = await tensordock.create({ name: "legacy-key", type: "SSHKEY", value: PUBLIC_KEY });
      await walletcrew.demo?.put("legacy-signing-key", { value });
      const list = await netactuate.lists.create({ name: "legacy-list" });
      adopted.sshKeyId = key.id;
      adopted.tenantSecretId = "demo/legacy-signing-key";
      adopted.secretListId = String(list.id);
      return {
        sshKeyId: adopted.sshKeyId,
        sshPublicKey: PUBLIC_KEY,
        tenantSecretId: adopted.tenantSecretId,
        tenantSecretValue: value,
        secretListId: adopted.secretListId,
      };
    },
    afterFirstUp: {
      name: "adopts the objects that already existed, under their own ids, creating nothing",
      run: async (sandbox, _stack, first) => {
        expect(first.outputs).toMatchObject({
          sshKey: adopted.sshKeyId,
          tenantSecret: adopted.tenantSecretId,
          secretList: adopted.secretListId,
        });
        const contents = await sandbox.contents();
        expect(contents.tensordock).toEqual([`legacy-key (${adopted.sshKeyId})`]);
        expect(contents.walletcrew).toEqual(["demo/legacy-signing-key"]);
        expect(contents.netactuateLists).toEqual([`legacy-list (${adopted.secretListId})`]);
      },
    },
  },
  {
    name: "value-from",
    firstUp: { created: 4 },
    env: { HF_TOKEN: sourced.hf, DB_PASSWORD: sourced.db },
    prepare: async () => {
      mkdirSync(path.dirname(WEBHOOK_FILE), { recursive: true });
      writeFileSync(WEBHOOK_FILE, `${sourced.webhook}\n`);
      return {};
    },
    afterFirstUp: {
      name: "sends the values read from the environment and the file, and keeps none of them in the state",
      run: async (sandbox, stack) => {
        const { netactuate, walletcrew } = sandbox.clients;
        expect(await walletcrew.demo?.retrieve("webhook-signing-secret")).toBe(sourced.webhook);
        const db = (await netactuate.values.listAll()).find((v) => v.key === "VALUE_FROM_DB_PASSWORD");
        expect(db?.value).toBe(sourced.db);
        const everything = [
          stack.stateText(),
          JSON.stringify(await stack.state()),
          ...stack.lines,
          ...stack.hostLines,
        ];
        expect(findLeak(everything.join("\n"), Object.values(sourced))).toBeUndefined();
      },
    },
  },
  {
    name: "seed-once",
    firstUp: { created: 3 },
    afterFirstUp: {
      name: "keeps values rotated outside Pulumi: the next up plans no change and restores no seed",
      run: async (sandbox, stack) => {
        const { netactuate, walletcrew } = sandbox.clients;
        const rotated = canary("rotated");
        await walletcrew.demo?.put("webhook-signing-secret", { value: rotated });
        const value = (await netactuate.values.listAll()).find((v) => v.key === "SEED_ONCE_DB_PASSWORD");
        expect(value).toBeDefined();
        if (value === undefined) return;
        await netactuate.values.update(value.listId, value.id, { key: value.key, value: rotated });
        const summary = await stack.up();
        expect(changes(summary)).toEqual(NO_CHANGES);
        expect(await walletcrew.demo?.retrieve("webhook-signing-secret")).toBe(rotated);
        expect((await netactuate.values.retrieve(value.listId, value.id)).value).toBe(rotated);
      },
    },
  },
];

let typecheck: Promise<Finished> | undefined;
/** One `tsc -p examples/tsconfig.json --listFiles` for the whole file (it takes seconds). */
function typecheckExamples(): Promise<Finished> {
  typecheck ??= runNodeBin("typescript/bin/tsc", [
    "-p",
    path.join("examples", "tsconfig.json"),
    "--listFiles",
  ]);
  return typecheck;
}

it("covers every TypeScript program under examples/ (the YAML ones run under the real CLI)", () => {
  const programs = readdirSync(EXAMPLES_DIR).filter((entry) =>
    statSync(path.join(EXAMPLES_DIR, entry)).isDirectory(),
  );
  const yaml = programs.filter((entry) =>
    /^runtime: yaml$/m.test(readFileSync(path.join(EXAMPLES_DIR, entry, "Pulumi.yaml"), "utf8")),
  );
  // test/plugin/real-cli.test.ts deploys it through the provider plugin.
  expect(yaml).toEqual(["yaml-quickstart"]);
  expect(programs.filter((p) => !yaml.includes(p)).sort()).toEqual(SPECS.map((s) => s.name).sort());
});

describe.each(SPECS)("the $name example", (spec) => {
  const programDir = path.join(EXAMPLES_DIR, spec.name);
  const sandbox = withSandbox();
  let stack: ProgramStack;
  let first: Summary | undefined;

  beforeAll(async () => {
    const config = spec.prepare ? await spec.prepare(sandbox.current) : {};
    stack = deployProgram({ programDir, env: { ...sandbox.current.env, ...spec.env }, config });
  });
  afterAll(() => stack?.remove());

  it("type-checks against the package installed in node_modules", async () => {
    const result = await typecheckExamples();
    const entry = path.join(programDir, "index.ts");
    expect(result.stdout.split("\n")).toContain(entry);
    // Diagnostics name files relative to the working directory: examples/<name>/...
    const errors = result.stdout.split("\n").filter((line) => line.startsWith(`examples/${spec.name}/`));
    expect(errors).toEqual([]);
    const installed = result.stdout
      .split("\n")
      .filter((line) => line.includes("node_modules/pulumi-secretstack/"));
    expect(installed.length).toBeGreaterThan(0);
  }, 120_000);

  it("deploys into the sandbox on the first up", async () => {
    first = await stack.up();
    expect(changes(first)).toEqual({ ...NO_CHANGES, ...spec.firstUp });
    const contents = await sandbox.current.contents();
    expect(contents).not.toEqual(EMPTY_SANDBOX);
  }, 120_000);

  if (spec.afterFirstUp) {
    const step = spec.afterFirstUp;
    it(
      step.name,
      async () => {
        expect(first).toBeDefined();
        if (first) await step.run(sandbox.current, stack, first);
      },
      120_000,
    );
  }

  it("plans no change on a second up, and keeps every credential out of the state file", async () => {
    const summary = await stack.up();
    expect(changes(summary)).toEqual(NO_CHANGES);
    expect(summary.unchanged).toBe(first ? first.created + first.imported : -1);
    const { tensordockToken, netactuateApiKey, walletcrewKeys } = sandbox.current.credentials;
    expect(
      findLeak(stack.stateText(), [tensordockToken, netactuateApiKey, ...Object.values(walletcrewKeys)]),
    ).toBe(undefined);
  }, 120_000);

  it("deletes everything it manages on destroy, leaving the sandbox empty", async () => {
    const summary = await stack.destroy();
    expect(summary.deleted).toBe(first ? first.created + first.imported : -1);
    expect(summary.failed).toBe(0);
    expect(await sandbox.current.contents()).toEqual(EMPTY_SANDBOX);
    expect((await stack.state()).resources).toEqual([]);
  }, 120_000);
});
