/**
 * The package as users install it: the tarball `npm pack` makes from the build, installed with
 * `@pulumi/pulumi` into a fresh program outside the repository, deployed into the sandbox through the engine.
 * Each provider must be serialized into state as a tiny `require()` of the installed package, holding nothing
 * secret. The sandbox is a package of its own (test/package/sandbox-pack.test.ts): a stack that installs this
 * one installs no HTTP server.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StackState, Summary } from "../../harness/engine";
import { changes, deployProgram, NO_CHANGES, type ProgramStack } from "../support/deploy";
import { canary, findLeak } from "../support/leaks";
import { expectPublintClean, installedPackages, typesReport } from "../support/packageChecks";
import { REPO_ROOT, runNpm, runProcess } from "../support/process";
import { EMPTY_SANDBOX, type TestSandbox, withSandbox } from "../support/sandbox";

const INSTALL_TIMEOUT = 240_000;
const PULUMI_VERSION = (
  JSON.parse(
    readFileSync(path.join(REPO_ROOT, "node_modules", "@pulumi", "pulumi", "package.json"), "utf8"),
  ) as {
    version: string;
  }
).version;
const REPO_PACKAGE = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
  exports: Record<string, unknown>;
  allowScripts?: Record<string, boolean>;
};

/** The provider files the `./providers/*` export must reach, one per resource. */
const PROVIDERS = [
  "tensordock/sshKey",
  "tensordock/genericSecret",
  "walletcrew/tenantSecret",
  "netactuate/secretList",
  "netactuate/secretValue",
];

/** One of each resource; values come from stack config, credentials and endpoints from the environment. */
const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { netactuate, tensordock, walletcrew } from "pulumi-secretstack";

const config = new pulumi.Config();
const key = new tensordock.SshKey("key", {
  name: "pack-key",
  publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBiklCBOkHnt0XIaL/k/aGdeygdaLHA1luvNP75tjibL pack@secretstack",
});
const generic = new tensordock.GenericSecret("generic", { name: "pack-generic", value: config.requireSecret("genericValue") });
const tenant = new walletcrew.TenantSecret("tenant", { key: "pack-tenant-key", value: config.requireSecret("tenantValue") });
const list = new netactuate.SecretList("list", { name: "pack-list" });
const item = new netactuate.SecretValue("item", { listId: list.id, key: "PACK_VALUE", value: config.requireSecret("itemValue") });

export const fingerprint = key.fingerprint;
export const genericId = generic.id;
export const tenantSecretId = tenant.id;
export const reference = item.reference;
`;

interface PackResult {
  filename: string;
  files: { path: string; size: number }[];
}

const work = mkdtempSync(path.join(tmpdir(), "secretstack-pack-"));
const programDir = path.join(work, "program");
const installed = path.join(programDir, "node_modules", "pulumi-secretstack");
let packed: PackResult;
let tarball: string;

beforeAll(async () => {
  // --ignore-scripts: `npm test` has just built dist/, and the prepare script (the build, then the self-install
  // into node_modules) would rewrite files that test files running beside this one are loading.
  const pack = await runNpm(["pack", "--json", "--ignore-scripts", "--pack-destination", work], {
    cwd: REPO_ROOT,
  });
  if (pack.code !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
  const result = (JSON.parse(pack.stdout) as PackResult[])[0];
  if (!result) throw new Error("npm pack printed no result");
  packed = result;
  tarball = path.join(work, result.filename);

  mkdirSync(programDir);
  writeFileSync(
    path.join(programDir, "package.json"),
    `${JSON.stringify({ name: "pack-consumer", private: true, main: "index.ts", allowScripts: REPO_PACKAGE.allowScripts ?? {} }, null, 2)}\n`,
  );
  writeFileSync(path.join(programDir, "Pulumi.yaml"), "name: pack-consumer\nruntime: nodejs\n");
  writeFileSync(path.join(programDir, "index.ts"), PROGRAM);
  const install = await runNpm(
    ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball, `@pulumi/pulumi@${PULUMI_VERSION}`],
    { cwd: programDir, timeoutMs: INSTALL_TIMEOUT },
  );
  if (install.code !== 0) throw new Error(`npm install failed (${install.code}): ${install.stderr}`);
}, INSTALL_TIMEOUT + 30_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every file under `dir`, relative to it, with `/` separators. */
function filesUnder(dir: string, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? filesUnder(path.join(dir, entry.name), `${prefix}${entry.name}/`)
      : [`${prefix}${entry.name}`],
  );
}

describe("the published tarball", () => {
  it("holds the build, the plugin's launcher and schema, package.json, README, CHANGELOG and LICENSE, and nothing of the sandbox, tests, examples, fixtures, maps or dev tooling", () => {
    const files = packed.files.map((f) => f.path).sort();
    for (const file of files)
      expect(file).toMatch(
        /^(dist\/.+\.(js|d\.ts)|dist\/provider\/plugin\/schema\.json|bin\/pulumi-resource-secretstack|package\.json|README\.md|CHANGELOG\.md|LICENSE)$/,
      );
    expect(files).toEqual(
      expect.arrayContaining([
        "package.json",
        "README.md",
        "CHANGELOG.md",
        "LICENSE",
        "dist/index.js",
        "dist/index.d.ts",
        "bin/pulumi-resource-secretstack",
        "dist/provider/plugin/main.js",
        "dist/provider/plugin/schema.json",
      ]),
    );
    // The sandbox (its build, CLI and OpenAPI documents) ships in secretstack-sandbox, not here.
    expect(files.filter((f) => /^(dist\/)?sandbox\//.test(f))).toEqual([]);
    expect(readFileSync(path.join(installed, "LICENSE"), "utf8")).toMatch(
      /^Copyright 2026 The secretstack authors\n\n\s+Apache License\n\s+Version 2\.0, January 2004\n/,
    );
    for (const provider of PROVIDERS) expect(files).toContain(`dist/provider/${provider}.provider.js`);
    // The stand-in engine and npm start are tooling of this repository (harness/ and scripts/, built into
    // .build/), not of its users: the build holds the library's folders only.
    expect(files.filter((f) => /^dist\/(engine|harness|scripts|test|examples)\//.test(f))).toEqual([]);
    expect(
      files.filter((f) => f.startsWith("dist/") && !/^dist\/(index\.(js|d\.ts)|(provider|sdk)\/)/.test(f)),
    ).toEqual([]);
    expect(files.filter((f) => /(^|\/)(test|tests|examples|fixtures|__tests__)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith(".map"))).toEqual([]);
    // What npm extracted is exactly what the listing says.
    expect(filesUnder(installed).sort()).toEqual(files);
  });

  it("carries no source map reference pointing anywhere", () => {
    const offenders = filesUnder(installed)
      .filter((f) => f.endsWith(".js") || f.endsWith(".d.ts"))
      .filter((f) => readFileSync(path.join(installed, f), "utf8").includes("sourceMappingURL"));
    expect(offenders).toEqual([]);
  });

  it("loads every entry point and provider file from a fresh install outside the repository", async () => {
    const subpaths = Object.keys(REPO_PACKAGE.exports)
      .filter((key) => !key.includes("*"))
      .map((key) => key.replace(/^\./, "pulumi-secretstack"));
    subpaths.push(...PROVIDERS.map((p) => `pulumi-secretstack/providers/${p}`));
    const script = `for (const id of ${JSON.stringify(subpaths)}) {
      const loaded = require(id);
      process.stdout.write(id + " " + require.resolve(id) + " " + Object.keys(loaded).sort().join(",") + "\\n");
    }`;
    const result = await runProcess(process.execPath, ["-e", script], { cwd: programDir });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines).toHaveLength(subpaths.length);
    for (const line of lines) expect(line.split(" ")[1]?.startsWith(installed)).toBe(true);
    expect(lines.find((l) => l.startsWith("pulumi-secretstack "))).toMatch(
      / MissingCredentialError,ResourceError,SettingError,netactuate,tensordock,walletcrew$/,
    );
    expect(lines.find((l) => l.startsWith("pulumi-secretstack/providers/tensordock/sshKey "))).toMatch(
      /check,.*create,.*delete,.*diff/,
    );
  });

  it("no longer offers the sandbox: no ./sandbox export, no secretstack-sandbox command", async () => {
    const manifest = JSON.parse(readFileSync(path.join(installed, "package.json"), "utf8")) as {
      bin?: unknown;
      exports: Record<string, unknown>;
    };
    // Its one command is the provider plugin.
    expect(manifest.bin).toEqual({ "pulumi-resource-secretstack": "bin/pulumi-resource-secretstack" });
    expect(Object.keys(manifest.exports)).not.toContain("./sandbox");
    expect(existsSync(path.join(programDir, "node_modules", ".bin", "secretstack-sandbox"))).toBe(false);
    const result = await runProcess(
      process.execPath,
      ["-e", 'try { require("pulumi-secretstack/sandbox") } catch (e) { process.stdout.write(e.code) }'],
      { cwd: programDir },
    );
    expect(result.stdout).toBe("ERR_PACKAGE_PATH_NOT_EXPORTED");
  });

  it("puts the provider plugin on the program's PATH, where it starts and prints its port as the engine expects", async () => {
    const bin = path.join(programDir, "node_modules", ".bin", "pulumi-resource-secretstack");
    expect(existsSync(bin)).toBe(true);
    const child = spawn(bin, ["127.0.0.1:1"], {
      cwd: programDir,
      env: {
        ...process.env,
        PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}`,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const first = await new Promise<string>((resolve, reject) => {
        let out = "";
        let err = "";
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
          out += chunk;
          if (out.includes("\n")) resolve(out.split("\n")[0] ?? "");
        });
        child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
        child.once("exit", (code) => reject(new Error(`the plugin exited (${code}): ${err}`)));
      });
      expect(Number.parseInt(first, 10)).toBeGreaterThan(0);
    } finally {
      child.kill("SIGTERM");
    }
  });

  it("installs no HTTP server: fastify is no dependency of the package, nor in the program's production tree", async () => {
    const manifest = JSON.parse(readFileSync(path.join(installed, "package.json"), "utf8")) as Record<
      string,
      Record<string, string> | undefined
    >;
    const declared = ["dependencies", "optionalDependencies", "peerDependencies"].flatMap((field) =>
      Object.keys(manifest[field] ?? {}),
    );
    expect(declared).toContain("axios");
    expect(declared.filter((name) => /fastify|secretstack-sandbox/.test(name))).toEqual([]);
    // Every package a production install of the program holds: the library, @pulumi/pulumi and theirs.
    const packages = await installedPackages(programDir, ["--omit=dev"]);
    expect(packages).toContain(path.join("node_modules", "pulumi-secretstack"));
    expect(packages).toContain(path.join("node_modules", "axios"));
    expect(packages.filter((dir) => /fastify|secretstack-sandbox/.test(dir))).toEqual([]);
  });

  it("passes publint", async () => {
    await expectPublintClean(REPO_ROOT);
  }, 120_000);

  it("passes arethetypeswrong in every resolution mode, node10 included", async () => {
    const { entrypoints } = await typesReport(tarball);
    expect(Object.keys(entrypoints)).toEqual(expect.arrayContaining([".", "./tensordock", "./sdk"]));
    expect(Object.keys(entrypoints)).not.toContain("./sandbox");
    for (const [name, entry] of Object.entries(entrypoints)) {
      if (name.includes("*") || name === "./package.json") continue;
      for (const mode of ["node10", "node16-cjs", "node16-esm", "bundler"]) {
        expect(entry.resolutions[mode]?.resolution?.fileName, `${name} under ${mode}`).toMatch(/\.d\.ts$/);
      }
    }
  }, 120_000);
});

describe("a program using the installed package", () => {
  const sandbox = withSandbox();
  const values = {
    genericValue: canary("generic"),
    tenantValue: canary("tenant"),
    itemValue: canary("item"),
  };
  let stack: ProgramStack;
  let first: Summary | undefined;
  let state: StackState;
  const secrets = (sb: TestSandbox): string[] => [
    ...Object.values(values),
    sb.credentials.tensordockToken,
    sb.credentials.netactuateApiKey,
    ...Object.values(sb.credentials.walletcrewKeys),
  ];

  beforeAll(() => {
    stack = deployProgram({ programDir, env: sandbox.current.env, config: values });
  });
  afterAll(() => stack?.remove());

  it("deploys one of each resource into the sandbox", async () => {
    first = await stack.up();
    expect(changes(first)).toEqual({ ...NO_CHANGES, created: 5 });
    state = await stack.state();
    expect(state.resources.map((r) => r.type).sort()).toEqual([
      "pulumi-nodejs:dynamic/netactuate:SecretList",
      "pulumi-nodejs:dynamic/netactuate:SecretValue",
      "pulumi-nodejs:dynamic/tensordock:GenericSecret",
      "pulumi-nodejs:dynamic/tensordock:SshKey",
      "pulumi-nodejs:dynamic/walletcrew:TenantSecret",
    ]);
    const contents = await sandbox.current.contents();
    expect(contents.tensordock).toHaveLength(2);
    expect(contents.walletcrew).toEqual(["demo/pack-tenant-key"]);
    expect(contents.netactuateValues).toHaveLength(1);
  }, 120_000);

  it("stores each provider as a small require() of the installed package, holding no secret", () => {
    expect(state.resources).toHaveLength(5);
    for (const resource of state.resources) {
      for (const props of [resource.inputs, resource.outputs]) {
        const provider = props.__provider;
        expect(typeof provider, resource.name).toBe("string");
        const text = String(provider);
        expect(text).toMatch(
          /require\("pulumi-secretstack\/providers\/(tensordock|walletcrew|netactuate)\/\w+"\)/,
        );
        expect(Buffer.byteLength(text), resource.name).toBeLessThan(2048);
        expect(findLeak(text, secrets(sandbox.current)), resource.name).toBe(undefined);
      }
    }
  });

  it("keeps every secret out of the non-secret outputs and out of the state file's text", () => {
    for (const resource of state.resources) {
      const secretKeys = new Set(resource.secretOutputs ?? []);
      const plain = Object.fromEntries(
        Object.entries(resource.outputs).filter(([key]) => !secretKeys.has(key)),
      );
      expect(findLeak(JSON.stringify(plain), secrets(sandbox.current)), resource.name).toBe(undefined);
    }
    // The value and connection are secret: only their ciphertext reaches the disk.
    expect(
      state.resources.every((r) => (r.secretOutputs ?? []).includes("value") || !("value" in r.outputs)),
    ).toBe(true);
    expect(findLeak(stack.stateText(), secrets(sandbox.current))).toBe(undefined);
    expect(first?.outputs).toMatchObject({ reference: "${{secret.PACK_VALUE}}" });
  });

  it("plans no change on a second up", async () => {
    const summary = await stack.up();
    expect(changes(summary)).toEqual(NO_CHANGES);
    expect(summary.unchanged).toBe(5);
  }, 120_000);

  it("leaves the sandbox empty after destroy", async () => {
    const summary = await stack.destroy();
    expect(summary.deleted).toBe(5);
    expect(await sandbox.current.contents()).toEqual(EMPTY_SANDBOX);
  }, 120_000);
});
