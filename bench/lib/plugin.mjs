/**
 * The provider plugin under the real Pulumi CLI (built by harness/real-pulumi/build.sh, cached): `pulumi up` of
 * a YAML program of N secretstack resources through pulumi-resource-secretstack, against the sandbox in this
 * process, beside the same up of N resources of a plugin that does nothing (bench/lib/noop-plugin.cjs, the same
 * `main()` with no provider code): the difference is what our providers and the sandbox add per deployment.
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { median, now, ROOT, sandboxes, tempDir } from "./harness.mjs";
import { CLIENTS_UNPACED } from "./scenarios.mjs";

/** Runs a command to completion without blocking this process (the sandbox here keeps answering). */
function run(command, args, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (out += chunk));
    child.once("error", reject);
    child.once("close", (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`${path.basename(command)} ${args.join(" ")}: ${out.slice(-1500)}`)),
    );
  });
}

/** A YAML project named `name` using the plugin in `pluginDir`, with `resources` (YAML text). */
function project(root, name, pluginPackage, pluginDir, resources) {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, "Pulumi.yaml"),
    `name: ${name}\nruntime: yaml\nplugins:\n  providers:\n    - name: ${pluginPackage}\n      path: ${pluginDir}\nresources:\n${resources}`,
  );
  return dir;
}

/**
 * Times `up --skip-preview` (then destroys, untimed) of `n` resources of each plugin, `rounds` times each,
 * alternating. The secretstack program is a third each of TenantSecret, SecretList and GenericSecret (clients
 * unpaced, sandbox without rate limits, so the figure is the work, not a pace).
 */
export async function pluginUpVsNoop(scale, rounds = 3) {
  const cli = (await run("bash", [path.join(ROOT, "harness", "real-pulumi", "build.sh")], {}))
    .trim()
    .split("\n")
    .pop();
  const n = Math.max(15, Math.round(150 * scale));
  const sandbox = await sandboxes.startSandbox({ rateLimits: { tensordock: false } });
  const root = tempDir("plugin");
  const noopDir = path.join(root, "noop-plugin");
  mkdirSync(noopDir);
  writeFileSync(
    path.join(noopDir, "pulumi-resource-noop"),
    `#!/usr/bin/env node\nrequire(${JSON.stringify(path.join(ROOT, "bench", "lib", "noop-plugin.cjs"))});\n`,
    { mode: 0o755 },
  );
  const ours = [];
  const noop = [];
  for (let i = 0; i < n; i++) {
    const kind = i % 3;
    if (kind === 0)
      ours.push(
        `  s${i}:\n    type: secretstack:walletcrew:TenantSecret\n    properties:\n      key: bench-${i}\n      value: value-${i}\n`,
      );
    else if (kind === 1)
      ours.push(
        `  s${i}:\n    type: secretstack:netactuate:SecretList\n    properties:\n      name: bench-list-${i}\n`,
      );
    else
      ours.push(
        `  s${i}:\n    type: secretstack:tensordock:GenericSecret\n    properties:\n      name: bench-${i}\n      value: value-${i}\n`,
      );
    noop.push(`  n${i}:\n    type: noop:index:Thing\n    properties:\n      name: thing-${i}\n`);
  }
  const secretstackDir = project(
    root,
    "bench-secretstack",
    "secretstack",
    path.join(ROOT, "bin"),
    ours.join(""),
  );
  const noopProject = project(root, "bench-noop", "noop", noopDir, noop.join(""));
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PULUMI_"))),
    ...CLIENTS_UNPACED,
    PATH: [path.dirname(process.execPath), cli, process.env.PATH ?? ""].join(path.delimiter),
    PULUMI_BACKEND_URL: `file://${path.join(root, "backend")}`,
    PULUMI_CONFIG_PASSPHRASE: "bench",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_HOME: path.join(root, "home"),
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    TENSORDOCK_API_TOKEN: sandbox.tensordock.apiToken,
    TENSORDOCK_BASE_URL: sandbox.tensordock.baseUrl,
    WALLETCREW_API_KEY: sandbox.walletcrew.apiKey,
    WALLETCREW_BASE_URL: sandbox.walletcrew.baseUrl,
    WALLETCREW_TENANT_ID: sandbox.walletcrew.tenantId,
    NETACTUATE_API_KEY: sandbox.netactuate.apiKey,
    NETACTUATE_BASE_URL: sandbox.netactuate.baseUrl,
  };
  mkdirSync(path.join(root, "backend"));
  const pulumi = (cwd, args) => run(path.join(cli, "pulumi"), [...args, "--non-interactive"], { cwd, env });
  try {
    for (const dir of [secretstackDir, noopProject]) await pulumi(dir, ["stack", "init", "bench"]);
    const timeUp = async (dir) => {
      const t = now();
      await pulumi(dir, ["up", "--yes", "--skip-preview"]);
      const ms = now() - t;
      await pulumi(dir, ["destroy", "--yes", "--skip-preview"]);
      return ms;
    };
    const oursMs = [];
    const noopMs = [];
    for (let round = 0; round < rounds; round++) {
      oursMs.push(await timeUp(secretstackDir));
      noopMs.push(await timeUp(noopProject));
    }
    return {
      resources: n,
      rounds,
      oursMs,
      noopMs,
      oursMedianMs: median(oursMs),
      noopMedianMs: median(noopMs),
    };
  } finally {
    await sandbox.close();
  }
}
