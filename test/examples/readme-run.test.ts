/**
 * Every example's README, as a new user follows it: the "Run it" block (after `<!-- example-run -->`) runs
 * verbatim in bash from the example's directory against a default sandbox, with the test `pulumi` on PATH and
 * a fresh file backend. Its install block is not run: programs here resolve the repository's node_modules.
 * One example at a time: each run starts a sandbox, the engine and the provider host.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/process";
import { buildRealPulumi } from "../support/realPulumi";
import {
  markedShellBlock,
  readmeEnv,
  resourceRows,
  runShellBlock,
  SANDBOX_CREDENTIAL,
  sectionsOf,
  shellBlockUnder,
} from "../support/readme";

const EXAMPLES_DIR = path.join(REPO_ROOT, "examples");
const work = mkdtempSync(path.join(tmpdir(), "secretstack-example-readmes-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// No install inside examples/ (it would write into the repository): `npx secretstack-sandbox` finds the command
// of the workspace package in the repository's node_modules/.bin, looking up from the example's directory, as
// it does in a clone after `npm ci`.

/** What a README run must show beyond "up, no change, destroy". */
interface Expected {
  /** The first up: the CLI's "+ N created" (stack and imports included), and its create and import lines. */
  firstUp: { created: number; creates: number; imports: number };
  /** Lines the run prints that show what the example exists to show. */
  shows: RegExp[];
  /** Values the README sets, which must never be printed. */
  never?: string[];
}

const EXPECTED: Record<string, Expected> = {
  quickstart: {
    firstUp: { created: 7, creates: 6, imports: 0 },
    shows: [/^ {4}cloudInitScript: ".*\$\{\{secret\.DB_PASSWORD\}\}/m],
  },
  "tensordock-gpu-fleet": {
    firstUp: { created: 3, creates: 2, imports: 0 },
    shows: [/^ {4}fingerprints: \["SHA256:/m],
    never: ["registry-token-from-config"],
  },
  "walletcrew-rotation": {
    firstUp: { created: 2, creates: 1, imports: 0 },
    // Generation 2 is created and generation 1 kept, with an expiry: previousKey names it.
    shows: [
      /^ {4}\+ create walletcrew:TenantSecret demo-webhook-signing-v2$/m,
      /^ {4}~ update walletcrew:TenantSecret demo-webhook-signing-v1$/m,
      /^webhook-signing-v1$/m,
    ],
  },
  "netactuate-cloud-init": {
    firstUp: { created: 4, creates: 3, imports: 0 },
    shows: [/^ {6}DB_PASSWORD=\$\{\{secret\.DB_PASSWORD\}\}$/m],
    never: ["db-password-from-config"],
  },
  "import-existing": {
    firstUp: { created: 4, creates: 0, imports: 3 },
    shows: [/^ {4}tenantSecret: "demo\/legacy-signing-key"$/m],
  },
  "value-from": {
    firstUp: { created: 5, creates: 4, imports: 0 },
    // The rotated variable is an update in place, found by its fingerprint.
    shows: [/^ {4}~ update netactuate:SecretValue db-password$/m],
    never: [
      "hf-token-from-the-ci-store",
      "db-password-from-the-ci-store",
      "webhook-secret-from-a-file",
      "rotated-db-password",
    ],
  },
  // A YAML program: run by the real Pulumi CLI and its YAML language host, through the provider plugin.
  "yaml-quickstart": {
    firstUp: { created: 6, creates: 5, imports: 0 },
    shows: [/^ {4}tenantSecretId +: "demo\/yaml-pass-signing-key"$/m],
    never: ["a value of your own"],
  },
  "seed-once": {
    firstUp: { created: 4, creates: 3, imports: 0 },
    // The rotation outside Pulumi shows as drift on refresh; the preview after it still plans nothing.
    shows: [/^ {4}~ refresh walletcrew:TenantSecret webhook-secret \(drifted\)$/m],
    never: ["rotated-outside-pulumi"],
  },
};

const examples = readdirSync(EXAMPLES_DIR)
  .filter((entry) => statSync(path.join(EXAMPLES_DIR, entry)).isDirectory())
  .sort();

it("knows every example under examples/", () => {
  expect(examples).toEqual(Object.keys(EXPECTED).sort());
});

/** Whether a section's "Resources:" block counts nothing but unchanged resources. */
function unchanged(section: { text: string }): boolean {
  const rows = resourceRows(section.text);
  return rows.length > 0 && rows.every((row) => /^\d+ unchanged$/.test(row));
}

/** Whether an example is a YAML program (run by the real CLI) rather than a Node.js one (run by the test CLI). */
const isYaml = (dir: string) => /^runtime: yaml$/m.test(readFileSync(path.join(dir, "Pulumi.yaml"), "utf8"));

describe.each(examples)("examples/%s/README.md", (name) => {
  const dir = path.join(EXAMPLES_DIR, name);
  const readme = readFileSync(path.join(dir, "README.md"), "utf8");
  const expected = EXPECTED[name];
  const yaml = isYaml(dir);

  it("says how to install it: the repository's build tools, then npm install of the built package", () => {
    const block = shellBlockUnder(readme, "Install");
    expect(block).toMatch(/^\(cd \.\.\/\.\. && npm ci\)/);
    // A YAML program installs nothing of its own: the build provides the plugin its Pulumi.yaml names.
    if (!yaml) expect(block).toMatch(/^npm install\b/m);
  });

  it("runs its commands as written against a default sandbox: up creates, preview and refresh change nothing", async () => {
    const block = markedShellBlock(readme, "example-run");
    const before = readdirSync(dir).sort();
    const env = readmeEnv({ backendDir: path.join(work, name, "backend") });
    if (yaml) {
      // The real CLI (and its YAML language host) first on PATH, with a home of its own.
      env.PATH = [await buildRealPulumi(), env.PATH].join(path.delimiter);
      env.PULUMI_HOME = path.join(work, name, "home");
      env.PULUMI_SKIP_UPDATE_CHECK = "true";
      // The real CLI's file backend must exist (`pulumi login --local` makes it for a user).
      mkdirSync(path.join(work, name, "backend"), { recursive: true });
    }
    const run = await runShellBlock(block, { cwd: dir, env });
    expect({ code: run.code, output: run.code === 0 ? "" : run.output }).toEqual({ code: 0, output: "" });

    const sections = sectionsOf(run.output);
    const up = sections.find((s) => s.heading === "Updating")?.text ?? "";
    expect({
      created: resourceRows(up),
      // The test CLI's lines, or the real CLI's (" +  <type> <name> created (0.05s)", the stack's left out).
      creates: up.match(/^( {4}\+ create | \+ {2}(?!pulumi:pulumi:Stack )\S+ \S+ created )/gm)?.length ?? 0,
      imports: up.match(/^( {4}= import | = {2}\S+ \S+ imported )/gm)?.length ?? 0,
    }).toEqual({ ...expected?.firstUp, created: [`+ ${expected?.firstUp.created} created`] });
    // Each `--expect-no-changes` run fails the block on a change; these check that they ran, and said so.
    expect(block).toMatch(/^pulumi preview --expect-no-changes$/m);
    expect(block).toMatch(/^pulumi refresh --yes --expect-no-changes$/m);
    // The previews after the first up (the real CLI also previews before it applies).
    const firstUp = sections.findIndex((s) => s.heading === "Updating");
    const previews = sections.filter((s, i) => s.heading === "Previewing update" && i > firstUp);
    expect(previews.length).toBeGreaterThan(0);
    expect(previews.every(unchanged)).toBe(true);
    expect(sections.filter((s) => s.heading === "Refreshing").some(unchanged)).toBe(true);
    expect(sections.at(-1)?.heading).toBe("Destroying");
    for (const line of expected?.shows ?? []) expect(run.output).toMatch(line);
    for (const value of expected?.never ?? []) expect(run.output).not.toContain(value);

    // The sandbox is stopped, and nothing is left in the example's directory (no env file, no stack file).
    expect(run.leftovers).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(run.output).not.toMatch(SANDBOX_CREDENTIAL);
  }, 240_000);
});
