/**
 * An example installed as a new user installs it: the repository as a clone has it (the working tree's
 * tracked and unignored files, nothing built, no node_modules) in a temporary directory, then the
 * `## Install` block of examples/quickstart/README.md run verbatim with bash in that example's directory, then
 * the example deployed into the sandbox. The example depends on `file:../..`, which must resolve in the clone
 * and install a real copy of the built package (not a symlink), so each provider is stored as a small
 * `require()` of it; the sandbox its README starts is a devDependency (`file:../../sandbox`), so a production
 * install of the example holds no HTTP server.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StackState, Summary } from "../../harness/engine";
import { changes, deployProgram, NO_CHANGES, type ProgramStack } from "../support/deploy";
import { type Finished, REPO_ROOT, runProcess } from "../support/process";
import { EMPTY_SANDBOX, withSandbox } from "../support/sandbox";

const EXAMPLE = "quickstart";
/** Two installs (the repository's tools, then the example); the npm cache makes both mostly local. */
const INSTALL_TIMEOUT = 300_000;

/** The fenced `sh` block of the README's `## Install` section, exactly as written. */
function installBlock(readme: string): string {
  const section = readme.split(/^## /m).find((s) => s.startsWith("Install\n"));
  const block = section?.match(/^```sh\n([\s\S]*?)^```$/m)?.[1];
  if (block === undefined) throw new Error("no ```sh block in the README's ## Install section");
  return block;
}

/** Copies what a clone of the working tree holds (tracked and unignored files) into `dest`. */
function copyAsCloned(dest: string): void {
  const listed = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  for (const file of listed.stdout.split("\0")) {
    // A tracked file deleted in the working tree is not part of the clone-to-be.
    if (file === "" || !existsSync(path.join(REPO_ROOT, file))) continue;
    mkdirSync(path.dirname(path.join(dest, file)), { recursive: true });
    cpSync(path.join(REPO_ROOT, file), path.join(dest, file));
  }
}

/** A user's shell: this Node first on PATH, no npm_* variables inherited from an npm script, npm's cache reused. */
function userShellEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && key !== "INIT_CWD") env[key] = value;
  }
  env.PATH = `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}`;
  env.npm_config_prefer_offline = "true";
  env.npm_config_audit = "false";
  env.npm_config_fund = "false";
  env.npm_config_update_notifier = "false";
  return env;
}

const work = mkdtempSync(path.join(tmpdir(), "secretstack-example-"));
const clone = path.join(work, "pulumi-secretstack");
const exampleDir = path.join(clone, "examples", EXAMPLE);
const installed = path.join(exampleDir, "node_modules", "pulumi-secretstack");
let block: string;
let install: Finished;
/** What the copy held of a build or an install before the Install block ran. */
let preinstalled: string[];

beforeAll(async () => {
  copyAsCloned(clone);
  preinstalled = [
    "dist",
    "node_modules",
    path.join("sandbox", "dist"),
    path.join("examples", EXAMPLE, "node_modules"),
  ].filter((p) => existsSync(path.join(clone, p)));
  block = installBlock(readFileSync(path.join(exampleDir, "README.md"), "utf8"));
  install = await runProcess("bash", ["-e", "-c", block], {
    cwd: exampleDir,
    env: userShellEnv(),
    timeoutMs: INSTALL_TIMEOUT,
  });
}, INSTALL_TIMEOUT + 30_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe(`the ${EXAMPLE} example's Install section, run in a fresh copy of the repository`, () => {
  it("starts from a copy with nothing built and nothing installed", () => {
    expect(preinstalled).toEqual([]);
    expect(block).toMatch(/npm ci/);
    expect(block).toMatch(/^npm install\b/m);
  });

  it("runs to completion", () => {
    expect(install.stderr).not.toMatch(/npm (error|ERR!)/);
    expect(install.code, install.stderr.split("\n").slice(-15).join("\n")).toBe(0);
  });

  it("installs a real copy of the built package from ../.., not a symlink", () => {
    const manifest = JSON.parse(readFileSync(path.join(exampleDir, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    expect(manifest.dependencies["pulumi-secretstack"]).toBe("file:../..");
    expect(lstatSync(installed).isSymbolicLink()).toBe(false);
    expect(lstatSync(installed).isDirectory()).toBe(true);
    // Built by the package's prepare script in the copy, and shipped as npm pack would ship it.
    expect(existsSync(path.join(installed, "dist", "provider", "tensordock", "sshKey.provider.js"))).toBe(
      true,
    );
    expect(existsSync(path.join(installed, "dist", "index.d.ts"))).toBe(true);
    expect(existsSync(path.join(installed, "node_modules"))).toBe(false);
    expect(existsSync(path.join(installed, "test"))).toBe(false);
    expect(existsSync(path.join(installed, "dist", "sandbox"))).toBe(false);
    expect(existsSync(path.join(exampleDir, "node_modules", "@pulumi", "pulumi", "package.json"))).toBe(true);
  });

  it("installs the sandbox as a real copy from ../../sandbox, a devDependency whose command runs", async () => {
    const manifest = JSON.parse(readFileSync(path.join(exampleDir, "package.json"), "utf8")) as {
      devDependencies: Record<string, string>;
    };
    expect(manifest.devDependencies["secretstack-sandbox"]).toBe("file:../../sandbox");
    const sandbox = path.join(exampleDir, "node_modules", "secretstack-sandbox");
    expect(lstatSync(sandbox).isSymbolicLink()).toBe(false);
    expect(existsSync(path.join(sandbox, "dist", "cli.js"))).toBe(true);
    expect(existsSync(path.join(sandbox, "openapi", "tensordock.yaml"))).toBe(true);
    const help = await runProcess(
      path.join(exampleDir, "node_modules", ".bin", "secretstack-sandbox"),
      ["--help"],
      {
        cwd: exampleDir,
        env: userShellEnv(),
      },
    );
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: secretstack-sandbox/);
  });

  it("holds no HTTP server in its production tree, and fastify only through the sandbox", async () => {
    const tree = async (...args: string[]) => {
      const ls = await runProcess("npm", ["ls", "--all", "--parseable", ...args], {
        cwd: exampleDir,
        env: userShellEnv(),
      });
      expect(ls.code, ls.stderr).toBe(0);
      return ls.stdout
        .trim()
        .split("\n")
        .map((dir) => path.relative(exampleDir, dir));
    };
    const production = await tree("--omit=dev");
    expect(production).toContain(path.join("node_modules", "pulumi-secretstack"));
    expect(production.filter((dir) => /fastify|secretstack-sandbox/.test(dir))).toEqual([]);
    expect(await tree()).toContain(path.join("node_modules", "fastify"));
  });
});

describe(`the ${EXAMPLE} example, deployed from that install`, () => {
  const sandbox = withSandbox();
  let stack: ProgramStack;
  let first: Summary | undefined;
  let state: StackState | undefined;

  beforeAll(() => {
    stack = deployProgram({ programDir: exampleDir, env: sandbox.current.env });
  });
  afterAll(() => stack?.remove());

  it("creates every resource on the first up", async () => {
    expect(install.code).toBe(0);
    first = await stack.up();
    expect(changes(first)).toEqual({ ...NO_CHANGES, created: 6 });
    state = await stack.state();
    expect(state.resources).toHaveLength(6);
  }, 120_000);

  it("stores each provider as a require() of the installed package, under 2 KB", () => {
    expect(state?.resources).toHaveLength(6);
    for (const resource of state?.resources ?? []) {
      for (const props of [resource.inputs, resource.outputs]) {
        const text = String(props.__provider);
        expect(text, resource.name).toMatch(
          /require\("pulumi-secretstack\/providers\/(tensordock|walletcrew|netactuate)\/\w+"\)/,
        );
        expect(Buffer.byteLength(text), resource.name).toBeLessThan(2048);
      }
    }
  });

  it("plans no change on a second up", async () => {
    const summary = await stack.up();
    expect(changes(summary)).toEqual(NO_CHANGES);
    expect(summary.unchanged).toBe(first?.created ?? -1);
  }, 120_000);

  it("leaves the sandbox empty after destroy", async () => {
    const summary = await stack.destroy();
    expect(summary.deleted).toBe(6);
    expect(await sandbox.current.contents()).toEqual(EMPTY_SANDBOX);
  }, 120_000);
});
