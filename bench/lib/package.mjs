/**
 * The `__provider` text as users get it: the tarball `npm pack` makes from the build, installed with
 * `@pulumi/pulumi` into a program outside the repository, one resource of each kind deployed into the sandbox.
 */
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { engine, PROGRAM, PULUMI_VERSION, ROOT, sandboxEnv, sandboxes, tempDir, timed } from "./harness.mjs";

/** Runs npm with the node running this script first on PATH; resolves with its output or rejects with its tail. */
function npm(args, cwd, timeoutMs = 240_000) {
  return new Promise((resolve, reject) => {
    const env = {
      ...process.env,
      PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`,
    };
    const child = spawn("npm", args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else
        reject(
          new Error(`npm ${args[0]} failed (${code}): ${stderr.trim().split("\n").slice(-5).join(" ")}`),
        );
    });
  });
}

/**
 * Packs the build and installs the tarball with `@pulumi/pulumi` into a program directory outside the
 * repository (the benchmark program's index.ts and Pulumi.yaml); resolves with that directory.
 */
export async function installPacked() {
  const work = tempDir("pack");
  // --ignore-scripts: `npm run bench` has just built dist/; the prepare script would rebuild it and redo the
  // self-install under the benchmarks running meanwhile.
  const packed = JSON.parse(
    await npm(["pack", "--json", "--ignore-scripts", "--pack-destination", work], ROOT),
  )[0];
  const programDir = path.join(work, "program");
  const repoPackage = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
  mkdirSync(programDir);
  writeFileSync(
    path.join(programDir, "package.json"),
    `${JSON.stringify({ name: "bench-consumer", private: true, main: "index.ts", allowScripts: repoPackage.allowScripts ?? {} }, null, 2)}\n`,
  );
  for (const file of ["index.ts", "Pulumi.yaml"])
    copyFileSync(path.join(PROGRAM, file), path.join(programDir, file));
  await npm(
    [
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      path.join(work, packed.filename),
      `@pulumi/pulumi@${PULUMI_VERSION}`,
    ],
    programDir,
  );
  return { programDir, tarball: packed.filename, tarballBytes: packed.size };
}

/** Deploys one resource of each kind from the installed program and measures each `__provider` text in state. */
export async function providerTextSizes(installed) {
  const sandbox = await sandboxes.startSandbox();
  try {
    const stateFile = path.join(tempDir("pack-state"), "dev.json");
    const spec = {
      tensordock: 1,
      netactuate: { lists: 1, values: 1 },
      walletcrew: 1,
      sshKeys: 1,
      prefix: "pack",
    };
    const run = await timed("up", {
      programDir: installed.programDir,
      stateFile,
      env: sandboxEnv(sandbox, { BENCH_SPEC: JSON.stringify(spec) }),
    });
    if (run.error)
      throw new Error(`the packed install's up failed: ${run.error.split("\n").slice(0, 3).join(" ")}`);
    const state = await engine.readState(stateFile);
    const byType = {};
    for (const resource of state.resources) {
      const text = String(resource.inputs.__provider ?? "");
      const type = resource.type.replace(/^pulumi-nodejs:dynamic\//, "");
      byType[type] = {
        bytes: Buffer.byteLength(text, "utf8"),
        requiresInstalledPackage: /require\("pulumi-secretstack\/providers\/[a-z]+\/[A-Za-z]+"\)/.test(text),
        storedTwice: resource.outputs.__provider === resource.inputs.__provider,
      };
    }
    const largest = Math.max(...Object.values(byType).map((t) => t.bytes));
    return {
      tarball: installed.tarball,
      tarballBytes: installed.tarballBytes,
      byType,
      largestBytes: largest,
    };
  } finally {
    await sandbox.close();
  }
}
