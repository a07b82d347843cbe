/**
 * `npm start` as users run it with the Pulumi CLI on PATH. The CLI here is the CLI-shaped test executable
 * (harness/pulumi-cli): a process of its own that deploys the root program through the stand-in engine,
 * whose program and provider host reach the sandbox over HTTP, as under the real CLI. So the sandbox that
 * `npm start` serves must keep answering while the CLI runs, and a Ctrl-C must stop the CLI first, then the
 * sandbox, leaving no process and data the next run converges on.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startSandbox } from "../../sandbox/index";
import { findLeak } from "../support/leaks";
import { type Finished, REPO_ROOT, runNpm } from "../support/process";
import { sandboxClients, sandboxContents } from "../support/sandbox";

const CLI_DIR = path.join(REPO_ROOT, "harness", "pulumi-cli");
const homes: string[] = [];
afterAll(() => {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

function newHome(): string {
  const home = mkdtempSync(path.join(tmpdir(), "secretstack-start-cli-"));
  homes.push(home);
  return home;
}

/** This environment with the test CLI first on PATH, this Node next, and npm start's data in `home`. */
function envFor(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: [CLI_DIR, path.dirname(process.execPath), process.env.PATH ?? ""].join(path.delimiter),
    SECRETSTACK_HOME: home,
  };
  for (const key of Object.keys(env)) {
    if (/^(TENSORDOCK|WALLETCREW|NETACTUATE)_|^PULUMI_|^SECRETSTACK_(SANDBOX_KEY|ENGINE)/.test(key))
      delete env[key];
  }
  return env;
}

function npmStart(home: string, args: string[] = []): Promise<Finished> {
  return runNpm(["start", "--silent", ...(args.length ? ["--", ...args] : [])], {
    env: envFor(home),
    timeoutMs: 150_000,
  });
}

/** Pids of live processes whose environment carries `SECRETSTACK_HOME=home`: what a run left behind. */
function processesOf(home: string): number[] {
  const marker = `SECRETSTACK_HOME=${home}\0`;
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, "utf8");
      const status = readFileSync(`/proc/${entry}/status`, "utf8");
      if (`${environ}\0`.includes(marker) && !/^State:\s+Z/m.test(status)) pids.push(Number(entry));
    } catch {
      // Gone while we looked, or not ours to read.
    }
  }
  return pids;
}

/** What the sandbox data in `home` holds, read with the sandbox stopped by then. */
async function contentsOf(home: string) {
  const sandbox = await startSandbox({ dataDir: path.join(home, "sandbox") });
  try {
    return {
      contents: await sandboxContents(sandboxClients(sandbox)),
      credentials: [sandbox.tensordock.apiToken, sandbox.walletcrew.apiKey, sandbox.netactuate.apiKey],
    };
  } finally {
    await sandbox.close();
  }
}

const QUICKSTART = {
  tensordock: 2,
  walletcrew: ["demo/pass-signing-key"],
  netactuateLists: 1,
  netactuateValues: 2,
};

function expectQuickstart(contents: Awaited<ReturnType<typeof contentsOf>>["contents"]): void {
  expect(contents.tensordock).toHaveLength(QUICKSTART.tensordock);
  expect(contents.walletcrew).toEqual(QUICKSTART.walletcrew);
  expect(contents.netactuateLists).toHaveLength(QUICKSTART.netactuateLists);
  expect(contents.netactuateValues).toHaveLength(QUICKSTART.netactuateValues);
}

describe("npm start with a Pulumi CLI on PATH", () => {
  const home = newHome();
  let first: Finished;

  it("deploys the root program through the CLI while the sandbox keeps serving, and streams the CLI's output", async () => {
    first = await npmStart(home);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).not.toMatch(/Pulumi CLI not found/);
    expect(first.stdout).toMatch(/^Updating \(dev\)$/m);
    expect(first.stdout).toMatch(/^ {4}\+ 7 created$/m);
    expect(first.stdout).toMatch(/^Current stack outputs \(7\):$/m);
    expect(first.stdout).toMatch(/^ {2}TensorDock: 2 secret\(s\)$/m);
    const { contents, credentials } = await contentsOf(home);
    expectQuickstart(contents);
    expect(findLeak(first.stdout, credentials)).toBe(undefined);
    expect(processesOf(home)).toEqual([]);
  }, 180_000);

  it("shows Pulumi's own 'unchanged' when run again", async () => {
    const second = await npmStart(home);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^ {4}7 unchanged$/m);
    // The CLI's summary lists no created, updated, replaced or deleted count.
    expect(second.stdout).not.toMatch(/^ {4}(\+|~|-|\+-) ?\d+ /m);
  }, 180_000);

  it("passes a verb and its arguments through to the CLI: preview, refresh", async () => {
    const previewed = await npmStart(home, ["preview", "--expect-no-changes"]);
    expect(previewed.code).toBe(0);
    expect(previewed.stdout).toMatch(/^Previewing update \(dev\)$/m);
    const refreshed = await npmStart(home, ["refresh", "--expect-no-changes"]);
    expect(refreshed.code).toBe(0);
    expect(refreshed.stdout).toMatch(/^Refreshing \(dev\)$/m);
  }, 180_000);

  it("passes the CLI's exit code through", async () => {
    const unknownFlag = await npmStart(home, ["preview", "--expect-no-changes", "--stack", "no-such-stack"]);
    expect(unknownFlag.code).toBe(255);
    expect(unknownFlag.stderr).toMatch(/no stack named 'no-such-stack' found/);
  }, 180_000);
});

/** `npm start` in its own process group, as a terminal runs it, its output collected as it comes. */
function startInGroup(
  home: string,
  args: string[],
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn("npm", ["start", "--silent", "--", ...args], {
    cwd: REPO_ROOT,
    env: envFor(home),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Starts `npm start -- up --parallel 1` and slows the sandbox, so the deploy is surely in flight when signalled. */
async function startSlowDeploy(home: string): Promise<ReturnType<typeof startInGroup>> {
  // One operation at a time, so that some are surely not started when the signal comes.
  const run = startInGroup(home, ["up", "--parallel", "1"]);
  await waitFor("the sandbox line", () => /^Sandbox: /m.test(run.output()));
  const urls = [...run.output().matchAll(/http:\/\/127\.0\.0\.1:\d+/g)].map((m) => m[0]);
  expect(urls).toHaveLength(3);
  for (const origin of urls) {
    const response = await fetch(`${origin}/__sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ latencyMs: 300 }),
    });
    expect(response.status).toBeLessThan(300);
  }
  await waitFor("the first create", () => /^ {4}\+ create /m.test(run.output()));
  return run;
}

describe.each([
  {
    how: "Ctrl-C in a terminal (SIGINT to the whole process group)",
    signal: (pid: number) => process.kill(-pid, "SIGINT"),
  },
  {
    how: "a job runner's SIGTERM to npm alone",
    signal: (pid: number) => process.kill(pid, "SIGTERM"),
  },
])("npm start stopped by $how while the CLI deploys", ({ signal }) => {
  const home = newHome();

  it("stops the CLI first, then the sandbox, leaves no process behind, and the next run converges", async () => {
    const run = await startSlowDeploy(home);
    signal(run.child.pid as number);
    const code = await run.exited;
    expect(code).not.toBe(0);
    expect(run.output()).toMatch(/cancelling/);
    expect(run.output()).toMatch(/not started: the run was cancelled/);
    await waitFor("no process left", () => processesOf(home).length === 0, 10_000);

    // The data directory opens cleanly and the next run creates what the cancelled one did not start.
    const next = await npmStart(home);
    expect(next.code).toBe(0);
    expect(next.stdout).toMatch(/^ {4}\+ \d+ created$/m);
    const again = await npmStart(home);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^ {4}7 unchanged$/m);
    expectQuickstart((await contentsOf(home)).contents);
  }, 300_000);
});

describe("npm start -- reset", () => {
  const home = newHome();

  it("destroys what the local stack made and wipes its data, so the next run begins afresh", async () => {
    expect((await npmStart(home)).code).toBe(0);
    const reset = await npmStart(home, ["reset"]);
    expect(reset.code).toBe(0);
    expect(reset.stdout).toMatch(/^Destroying \(dev\)$/m);
    expect(reset.stdout).toMatch(/^ {4}- 7 deleted$/m);
    expect(existsSync(home)).toBe(false);
    const fresh = await npmStart(home);
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toMatch(/^Created stack 'dev'$/m);
    expect(fresh.stdout).toMatch(/^ {4}\+ 7 created$/m);
    expectQuickstart((await contentsOf(home)).contents);
  }, 300_000);

  it("after the state is lost, fails naming each existing object's id and the ways out, and reset recovers", async () => {
    expect((await npmStart(home)).code).toBe(0);
    rmSync(path.join(home, "pulumi-backend"), { recursive: true, force: true });
    const lost = await npmStart(home);
    expect(lost.code).toBe(255);
    const text = `${lost.stdout}\n${lost.stderr}`;
    // Provably the same (the identical SSH key, the Wallet Crew secret with the same value): adopted. Not
    // provable (a generic secret's value is never returned; a list is only its name): refused with the id.
    expect(text).toMatch(
      /a GENERIC secret named "huggingface-token" already exists in TensorDock \(id [0-9a-f-]+\)/,
    );
    expect(text).toMatch(/\{ import: "[0-9a-f-]{36}" \}/);
    expect(text).not.toMatch(/pass-signing-key already exists|"gpu-fleet" already exists/);
    expect(text).toMatch(/a secret list named "quickstart-app" already exists .*\{ import: "\d+" \}/);
    expect(lost.stderr).toContain("npm start -- reset");
    expect((await npmStart(home, ["reset"])).code).toBe(0);
    const fresh = await npmStart(home);
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toMatch(/^ {4}\+ 7 created$/m);
    expectQuickstart((await contentsOf(home)).contents);
  }, 300_000);
});
