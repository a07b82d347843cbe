/**
 * `npm start` without the Pulumi CLI: the built start script deploys the quickstart into a sandbox whose
 * data and stack live under SECRETSTACK_HOME (a temporary directory here), and ends with what exists there.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox } from "../../sandbox/index";
import { findLeak, readTree } from "../support/leaks";
import { bareEnv, type Finished, REPO_ROOT, runProcess } from "../support/process";
import { sandboxClients, sandboxContents } from "../support/sandbox";

const START = path.join(REPO_ROOT, ".build", "scripts", "start.js");
const home = mkdtempSync(path.join(tmpdir(), "secretstack-start-"));
/** The repository's own npm start state, which a run with SECRETSTACK_HOME must not touch. */
const repoState = path.join(REPO_ROOT, ".secretstack", "engine", "dev.json");
const repoStateTime = (): number | undefined =>
  existsSync(repoState) ? statSync(repoState).mtimeMs : undefined;

/** Runs the start script with only this Node on PATH (so no `pulumi`) and its home in the temporary directory. */
function start(): Promise<Finished> {
  const env = bareEnv({ SECRETSTACK_HOME: home });
  delete env.SECRETSTACK_SANDBOX_KEY;
  delete env.SECRETSTACK_ENGINE_PASSPHRASE;
  return runProcess(process.execPath, [START], { cwd: REPO_ROOT, env, timeoutMs: 180_000 });
}

/** The lines from "What exists in the sandbox:" to the end. */
function summaryOf(stdout: string): string[] {
  const lines = stdout.trimEnd().split("\n");
  const at = lines.indexOf("What exists in the sandbox:");
  return at < 0 ? [] : lines.slice(at);
}

describe("npm start without the Pulumi CLI", () => {
  let first: Finished;
  let second: Finished;
  let repoStateBefore: number | undefined;

  beforeAll(async () => {
    repoStateBefore = repoStateTime();
    first = await start();
  }, 200_000);
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it("says on its first line that the Pulumi CLI was not found, and deploys with the stand-in engine", () => {
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout.split("\n")[0]).toMatch(/^Pulumi CLI not found on PATH\b/);
    expect(first.stdout).toMatch(/^up: 6 created, 0 updated, 0 replaced, 0 deleted, 0 unchanged$/m);
  });

  it("ends with a summary of what exists in each sandbox API, which matches the sandbox", async () => {
    const summary = summaryOf(first.stdout);
    expect(summary).toEqual(
      expect.arrayContaining([
        "  TensorDock: 2 secret(s)",
        "  The Wallet Crew, tenant demo: 1 key(s)",
        "    pass-signing-key",
        "  NetActuate: 1 list(s), 2 value(s)",
      ]),
    );
    expect(summary.at(-1)).toMatch(
      /^ {4}quickstart-app \(\d+\): (DB_PASSWORD, API_KEY|API_KEY, DB_PASSWORD)$/,
    );
    // The data stayed in SECRETSTACK_HOME, encrypted, and a sandbox on it serves the same objects.
    const sandbox = await startSandbox({ dataDir: path.join(home, "sandbox") });
    try {
      const contents = await sandboxContents(sandboxClients(sandbox));
      expect(contents.tensordock).toHaveLength(2);
      expect(contents.walletcrew).toEqual(["demo/pass-signing-key"]);
      const credentials = [sandbox.tensordock.apiToken, sandbox.walletcrew.apiKey, sandbox.netactuate.apiKey];
      expect(findLeak(first.stdout, credentials)).toBe(undefined);
      expect(findLeak(readTree(path.join(home, "engine")), credentials)).toBe(undefined);
    } finally {
      await sandbox.close();
    }
  }, 60_000);

  it("keeps its stack and sandbox data under SECRETSTACK_HOME, leaving the repository's own alone", () => {
    expect(repoStateTime()).toBe(repoStateBefore);
    expect(existsSync(path.join(home, "engine", "dev.json"))).toBe(true);
    expect(existsSync(path.join(home, "sandbox", "sandbox.key"))).toBe(true);
    expect(readFileSync(path.join(home, "engine", "dev.json"), "utf8")).not.toContain(
      "sandbox-demo-value-change-me",
    );
  });

  it("reports no changes when run again, with the same summary", async () => {
    second = await start();
    expect(second.stderr).toBe("");
    expect(second.code).toBe(0);
    expect(second.stdout.split("\n")[0]).toMatch(/^Pulumi CLI not found on PATH\b/);
    expect(second.stdout).toMatch(/^up: 0 created, 0 updated, 0 replaced, 0 deleted, 6 unchanged$/m);
    expect(summaryOf(second.stdout)).toEqual(summaryOf(first.stdout));
  }, 200_000);
});
