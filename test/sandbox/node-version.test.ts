/**
 * The Node.js floor: the sandbox runs on the oldest Node.js that `engines.node` admits, without the SQLite
 * ExperimentalWarning, and refuses the release before it in one line. Both releases are the `node` package from
 * the registry, pinned as devDependencies under aliases (`node-floor`, `node-before-floor`), so their binaries
 * live in node_modules/<alias>/bin/node and node_modules/.bin/node stays the development Node.
 */
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { MIN_NODE_VERSION, unsupportedNode } from "../../sandbox/core/runtime";
import { SANDBOX_CLI, startCliSandbox } from "../support/cliSandbox";
import { REPO_ROOT, runProcess } from "../support/process";

const PACKAGE = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};
const SANDBOX_PACKAGE = JSON.parse(readFileSync(path.join(REPO_ROOT, "sandbox", "package.json"), "utf8")) as {
  engines: { node: string };
};
const FLOOR_NODE = path.join(REPO_ROOT, "node_modules", "node-floor", "bin", "node");
const OLD_NODE = path.join(REPO_ROOT, "node_modules", "node-before-floor", "bin", "node");
const OLD_VERSION = "22.12.0";
const REFUSAL = `Node.js ${MIN_NODE_VERSION} or newer is required (the sandbox stores its data with node:sqlite); this is Node.js ${OLD_VERSION}`;

/** Runs the given Node binary with only its own directory on PATH; npm start's home is a throwaway path. */
function runWith(node: string, args: string[]) {
  return runProcess(node, args, {
    env: {
      ...process.env,
      PATH: path.dirname(node),
      SECRETSTACK_HOME: path.join(tmpdir(), "secretstack-node-version-never-created"),
    },
    timeoutMs: 60_000,
  });
}

describe("the Node.js floor", () => {
  it("is what engines.node of both packages admits, and what the pinned binaries are", async () => {
    expect(PACKAGE.engines.node).toBe(`>=${MIN_NODE_VERSION}`);
    expect(SANDBOX_PACKAGE.engines.node).toBe(`>=${MIN_NODE_VERSION}`);
    expect(PACKAGE.devDependencies["node-floor"]).toBe(`npm:node@${MIN_NODE_VERSION}`);
    expect(PACKAGE.devDependencies["node-before-floor"]).toBe(`npm:node@${OLD_VERSION}`);
    expect((await runWith(FLOOR_NODE, ["--version"])).stdout.trim()).toBe(`v${MIN_NODE_VERSION}`);
    expect((await runWith(OLD_NODE, ["--version"])).stdout.trim()).toBe(`v${OLD_VERSION}`);
    // The aliases must not take over the development Node that npm scripts put first on PATH.
    const dev = await runProcess(path.join(REPO_ROOT, "node_modules", ".bin", "node"), ["--version"]);
    expect(dev.stdout.trim()).toBe(`v${PACKAGE.devDependencies.node}`);
  });

  it("is where node:sqlite loads without a flag, and the release before it has none", async () => {
    const load = ["-e", "require('node:sqlite')"];
    expect((await runWith(FLOOR_NODE, load)).code).toBe(0);
    const old = await runWith(OLD_NODE, load);
    expect(old.code).toBe(1);
    expect(old.stderr).toContain("ERR_UNKNOWN_BUILTIN_MODULE");
  });

  it("compares versions numerically", () => {
    expect(unsupportedNode(MIN_NODE_VERSION)).toBe(undefined);
    expect(unsupportedNode("22.100.0")).toBe(undefined);
    expect(unsupportedNode("24.0.0")).toBe(undefined);
    expect(unsupportedNode("22.9.0")).toMatch(/this is Node\.js 22\.9\.0$/);
    expect(unsupportedNode("20.20.2")).toMatch(/^Node\.js 22\.13\.0 or newer is required/);
  });
});

describe("the sandbox on the oldest Node.js it supports", () => {
  it("prints the JSON ready line and no ExperimentalWarning, then exits 0 on SIGTERM", async () => {
    const sandbox = await startCliSandbox([], {}, FLOOR_NODE);
    expect(Object.keys(sandbox.endpoints)).toEqual(["tensordock", "walletcrew", "netactuate"]);
    expect(sandbox.endpoints.tensordock.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v2$/);
    const exit = await sandbox.stop("SIGTERM");
    expect(exit.code).toBe(0);
    expect(sandbox.stderr()).not.toContain("ExperimentalWarning");
    expect(sandbox.stderr()).toBe("");
  });

  it("silences only the SQLite warning: this Node.js prints it otherwise, and other warnings still print", async () => {
    const plain = await runWith(FLOOR_NODE, ["-e", "require('node:sqlite')"]);
    expect(plain.stderr).toMatch(/ExperimentalWarning: SQLite is an experimental feature/);
    const runtime = path.join(REPO_ROOT, "sandbox", "dist", "core", "runtime.js");
    const loaded = await runWith(FLOOR_NODE, [
      "-e",
      `require(${JSON.stringify(runtime)}).loadSqlite();
       process.emitWarning("Another thing is an experimental feature", "ExperimentalWarning");
       process.emitWarning("an ordinary warning");`,
    ]);
    expect(loaded.code).toBe(0);
    expect(loaded.stderr).not.toContain("SQLite");
    expect(loaded.stderr).toContain("ExperimentalWarning: Another thing is an experimental feature");
    expect(loaded.stderr).toContain("Warning: an ordinary warning");
  });
});

describe(`the sandbox on Node.js ${OLD_VERSION}`, () => {
  it("secretstack-sandbox refuses in one line naming both versions, exit 2, nothing on stdout", async () => {
    const result = await runWith(OLD_NODE, [SANDBOX_CLI]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(`secretstack-sandbox: ${REFUSAL}\n`);
  });

  it("startSandbox rejects with that line, and importing the sandbox works", async () => {
    const sandbox = path.join(REPO_ROOT, "sandbox", "dist", "index.js");
    const result = await runWith(OLD_NODE, [
      "-e",
      `require(${JSON.stringify(sandbox)}).startSandbox().then(
         () => process.exit(3),
         (error) => { process.stdout.write(error.message); process.exit(4); });`,
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(4);
    expect(result.stdout).toBe(REFUSAL);
  });

  it("npm start's script refuses in one line before doing anything", async () => {
    const result = await runWith(OLD_NODE, [path.join(REPO_ROOT, ".build", "scripts", "start.js")]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(`npm start: ${REFUSAL}\n`);
  });
});
