/**
 * The sandbox as users install it: the tarball of the workspace package secretstack-sandbox, packed with the
 * README's `npm pack -w sandbox`, installed alone into a fresh directory outside the repository, its
 * `secretstack-sandbox` command started from node_modules/.bin and its entry point loaded there. It carries
 * what it runs on (fastify and the rest are its own dependencies) and nothing of the library it emulates APIs
 * for.
 */
import { builtinModules } from "node:module";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliSandbox, startSandboxCommand } from "../support/cliSandbox";
import { expectPublintClean, installedPackages, typesReport } from "../support/packageChecks";
import { REPO_ROOT, runNpm, runProcess } from "../support/process";
import { sandboxClients, sandboxContents } from "../support/sandbox";

const INSTALL_TIMEOUT = 240_000;
const SANDBOX_DIR = path.join(REPO_ROOT, "sandbox");

/** The OpenAPI documents of the repository's sandbox, as the package holds them. */
const OPENAPI_DOCUMENTS = readdirSync(path.join(SANDBOX_DIR, "openapi"))
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => `openapi/${f}`)
  .sort();

interface PackResult {
  filename: string;
  files: { path: string }[];
}

const work = mkdtempSync(path.join(tmpdir(), "secretstack-sandbox-pack-"));
const consumerDir = path.join(work, "consumer");
const installed = path.join(consumerDir, "node_modules", "secretstack-sandbox");
/** This Node first on PATH, as npm's bin shims (`#!/usr/bin/env node`) need. */
const env = { PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}` };
let packed: PackResult;
let tarball: string;
const started: CliSandbox[] = [];

beforeAll(async () => {
  // --ignore-scripts: `npm test` has just built sandbox/dist, which test files running beside this one load.
  const pack = await runNpm(
    ["pack", "-w", "sandbox", "--json", "--ignore-scripts", "--pack-destination", work],
    { cwd: REPO_ROOT },
  );
  if (pack.code !== 0) throw new Error(`npm pack -w sandbox failed: ${pack.stderr}`);
  const result = (JSON.parse(pack.stdout) as PackResult[])[0];
  if (!result) throw new Error("npm pack printed no result");
  packed = result;
  tarball = path.join(work, result.filename);

  mkdirSync(consumerDir);
  writeFileSync(
    path.join(consumerDir, "package.json"),
    `${JSON.stringify({ name: "sandbox-consumer", private: true }, null, 2)}\n`,
  );
  const install = await runNpm(
    ["install", "--prefer-offline", "--no-audit", "--no-fund", "--save-dev", tarball],
    {
      cwd: consumerDir,
      timeoutMs: INSTALL_TIMEOUT,
    },
  );
  if (install.code !== 0) throw new Error(`npm install failed (${install.code}): ${install.stderr}`);
}, INSTALL_TIMEOUT + 30_000);

afterAll(async () => {
  for (const sandbox of started) await sandbox.stop("SIGKILL");
  rmSync(work, { recursive: true, force: true });
});

/** Every file under `dir`, relative to it, with `/` separators. */
function filesUnder(dir: string, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? filesUnder(path.join(dir, entry.name), `${prefix}${entry.name}/`)
      : [`${prefix}${entry.name}`],
  );
}

/** The package a bare module specifier names: `fastify/x` → `fastify`, `@fastify/formbody` → itself. */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return (specifier.startsWith("@") ? parts.slice(0, 2) : parts.slice(0, 1)).join("/");
}

describe("the secretstack-sandbox tarball", () => {
  it("holds the command, the build, the OpenAPI documents, package.json, README and LICENSE, and no source or build info", () => {
    const files = packed.files.map((f) => f.path).sort();
    for (const file of files)
      expect(file).toMatch(
        /^(bin\/secretstack-sandbox\.js|dist\/.+\.(js|d\.ts)|openapi\/[a-z-]+\.yaml|package\.json|README\.md|LICENSE)$/,
      );
    expect(files).toEqual(
      expect.arrayContaining([
        "bin/secretstack-sandbox.js",
        "dist/cli.js",
        "dist/index.js",
        "dist/index.d.ts",
        "dist/core/runtime.js",
      ]),
    );
    expect(files.filter((f) => f.startsWith("openapi/"))).toEqual(OPENAPI_DOCUMENTS);
    // The same license as the library, word for word.
    expect(readFileSync(path.join(installed, "LICENSE"), "utf8")).toBe(
      readFileSync(path.join(REPO_ROOT, "LICENSE"), "utf8"),
    );
    expect(filesUnder(installed).sort()).toEqual(files);
  });

  it("declares as dependencies exactly the packages its build requires, fastify among them, and no client code", () => {
    const manifest = JSON.parse(readFileSync(path.join(installed, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
      engines: { node: string };
      bin: Record<string, string>;
    };
    const builtins = new Set(builtinModules);
    const required = new Set<string>();
    for (const file of filesUnder(installed).filter((f) => f.endsWith(".js"))) {
      const source = readFileSync(path.join(installed, file), "utf8");
      for (const [, specifier = ""] of source.matchAll(/\brequire\("([^"]+)"\)/g)) {
        if (specifier.startsWith(".") || specifier.startsWith("node:") || builtins.has(specifier)) continue;
        required.add(packageOf(specifier));
      }
    }
    expect([...required].sort()).toEqual(Object.keys(manifest.dependencies).sort());
    expect(required).toContain("fastify");
    expect(required).toContain("@fastify/formbody");
    // The sandbox shares no code with the clients it serves.
    expect([...required].filter((name) => /pulumi|axios/.test(name))).toEqual([]);
    expect(Object.keys(manifest.bin)).toEqual(["secretstack-sandbox"]);
    expect(path.posix.normalize(manifest.bin["secretstack-sandbox"] ?? "")).toBe(
      "bin/secretstack-sandbox.js",
    );
    expect(manifest.engines.node).toBe(">=22.13.0");
  });

  it("installs nothing of the library: no pulumi-secretstack, @pulumi or axios in the tree", async () => {
    const packages = await installedPackages(consumerDir);
    expect(packages).toContain(path.join("node_modules", "fastify"));
    expect(packages.filter((dir) => /pulumi|axios/.test(dir))).toEqual([]);
  });

  it("passes publint", async () => {
    await expectPublintClean(SANDBOX_DIR);
  }, 120_000);

  it("passes arethetypeswrong in every resolution mode, node10 included", async () => {
    const root = (await typesReport(tarball)).entrypoints["."];
    for (const mode of ["node10", "node16-cjs", "node16-esm", "bundler"]) {
      expect(root?.resolutions[mode]?.resolution?.fileName, `. under ${mode}`).toMatch(
        /\/dist\/index\.d\.ts$/,
      );
    }
  }, 120_000);
});

describe("the installed secretstack-sandbox", () => {
  const bin = path.join(consumerDir, "node_modules", ".bin", "secretstack-sandbox");

  it("prints its usage from node_modules/.bin", async () => {
    const result = await runProcess(bin, ["--help"], { cwd: consumerDir, env: { ...process.env, ...env } });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^usage: secretstack-sandbox/);
  });

  it("starts the three emulators from node_modules/.bin, serves them, and exits 0 on SIGTERM", async () => {
    const sandbox = await startSandboxCommand(bin, ["--quiet"], env);
    started.push(sandbox);
    expect(Object.keys(sandbox.endpoints)).toEqual(["tensordock", "walletcrew", "netactuate"]);
    expect(sandbox.endpoints.netactuate.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
    const clients = sandboxClients(sandbox.endpoints);
    await clients.tensordock.create({ name: "installed-generic", type: "GENERIC", value: "installed" });
    await clients.netactuate.lists.create({ name: "installed-list" });
    const contents = await sandboxContents(clients);
    expect(contents.tensordock).toHaveLength(1);
    expect(contents.tensordock[0]).toMatch(/^installed-generic \(/);
    expect(contents.netactuateLists).toHaveLength(1);
    expect(await sandbox.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    expect(sandbox.stderr()).toBe("");
  });

  it("exports startSandbox and the per-API starters, which run from the install", async () => {
    const script = `const sandbox = require("secretstack-sandbox");
      const names = Object.keys(sandbox).filter((k) => typeof sandbox[k] === "function").sort();
      process.stdout.write(names.join(",") + "\\n");
      process.stdout.write(require.resolve("secretstack-sandbox/openapi/walletcrew.yaml") + "\\n");
      sandbox.startSandbox().then(async (s) => {
        process.stdout.write(Object.keys(s).join(",") + "\\n");
        await s.close();
      });`;
    const result = await runProcess(process.execPath, ["-e", script], { cwd: consumerDir });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const [functions = "", openapi = "", sandboxKeys = ""] = result.stdout.split("\n");
    expect(functions.split(",")).toEqual(
      expect.arrayContaining([
        "endpointsOf",
        "environmentOf",
        "startNetActuateSandbox",
        "startSandbox",
        "startTensorDockSandbox",
        "startWalletCrewSandbox",
      ]),
    );
    expect(openapi).toBe(path.join(installed, "openapi", "walletcrew.yaml"));
    expect(sandboxKeys).toBe("tensordock,walletcrew,netactuate,emulators,close");
  });
});

describe("secretstack-sandbox in this repository", () => {
  it("is the npm workspace sandbox/, whose command npm links into the root's node_modules/.bin", async () => {
    const root = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
      workspaces: string[];
    };
    expect(root.workspaces).toEqual(["sandbox"]);
    // Executable as committed, so the link works whatever rebuilt dist/ (tsc writes files without the bit).
    expect(statSync(path.join(SANDBOX_DIR, "bin", "secretstack-sandbox.js")).mode & 0o111).toBe(0o111);
    const bin = path.join(REPO_ROOT, "node_modules", ".bin", "secretstack-sandbox");
    expect(realpathSync(bin)).toBe(path.join(SANDBOX_DIR, "bin", "secretstack-sandbox.js"));
    const result = await runProcess(bin, ["--help"], { env: { ...process.env, ...env } });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^usage: secretstack-sandbox/);
  });
});
