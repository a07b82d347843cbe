/**
 * `npm start`, the main job: starts the sandbox on a data directory under `.secretstack/`, points the root
 * Pulumi program (examples/quickstart) at it through environment variables, deploys it with the Pulumi CLI
 * when one is on PATH (otherwise with the stand-in engine over the real provider host), and ends with a
 * summary of what exists in each sandbox API. A second run reports no changes.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import * as path from "node:path";
import { DEFAULT_ENGINE_PASSPHRASE, up } from "../engine";
import { type Sandbox, startSandbox } from "../sandbox";
import { exitOnUnsupportedNode } from "../sandbox/core/runtime";
import { summarizeSandbox } from "./summary";

const root = path.resolve(__dirname, "..", "..");
// Where the sandbox data, the stack state and the Pulumi backend live. SECRETSTACK_HOME moves them (tests
// use a temporary directory); the default keeps them beside the project, ignored by git.
const work = path.resolve(process.env.SECRETSTACK_HOME ?? path.join(root, ".secretstack"));
const programDir = path.join(root, "examples", "quickstart");

/**
 * The passphrase of the local stack's secrets, the engine's documented default. It protects nothing but
 * sandbox demo values on this machine, which is why it may be written down; real stacks use their own
 * secrets provider.
 */
const LOCAL_ONLY_PASSPHRASE = DEFAULT_ENGINE_PASSPHRASE;

/** A path relative to the project when it is inside it, absolute otherwise. */
function displayPath(p: string): string {
  const relative = path.relative(root, p);
  return relative.startsWith("..") || path.isAbsolute(relative) ? p : relative;
}

function sandboxEnv(sandbox: Sandbox): Record<string, string> {
  return {
    TENSORDOCK_BASE_URL: sandbox.tensordock.baseUrl,
    TENSORDOCK_API_TOKEN: sandbox.tensordock.apiToken,
    WALLETCREW_BASE_URL: sandbox.walletcrew.baseUrl,
    WALLETCREW_API_KEY: sandbox.walletcrew.apiKey,
    WALLETCREW_TENANT_ID: sandbox.walletcrew.tenantId,
    NETACTUATE_BASE_URL: sandbox.netactuate.baseUrl,
    NETACTUATE_API_KEY: sandbox.netactuate.apiKey,
  };
}

function pulumiCliAvailable(): boolean {
  const probe = spawnSync("pulumi", ["version"], { stdio: "ignore" });
  return probe.status === 0;
}

/** Runs a Pulumi CLI command in the repository root; throws with the command line if it fails. */
function pulumi(args: string[], env: NodeJS.ProcessEnv, capture = false): string {
  const result = spawnSync("pulumi", args, {
    cwd: root,
    env,
    stdio: capture ? ["ignore", "pipe", "inherit"] : "inherit",
    encoding: "utf8",
  });
  if (result.status !== 0)
    throw new Error(`pulumi ${args.join(" ")} failed (exit ${result.status ?? "signal"})`);
  return capture ? result.stdout : "";
}

async function deployWithCli(env: NodeJS.ProcessEnv): Promise<void> {
  const backend = path.join(work, "pulumi-backend");
  mkdirSync(backend, { recursive: true });
  const cliEnv: NodeJS.ProcessEnv = {
    ...env,
    PULUMI_BACKEND_URL: `file://${backend}`,
    PULUMI_CONFIG_PASSPHRASE: LOCAL_ONLY_PASSPHRASE,
    PULUMI_SKIP_UPDATE_CHECK: "true",
  };
  pulumi(["stack", "select", "dev", "--create", "--non-interactive"], cliEnv);
  pulumi(["up", "--yes", "--non-interactive", "--stack", "dev"], cliEnv);
  process.stdout.write("\nStack outputs (secrets hidden):\n");
  process.stdout.write(pulumi(["stack", "output", "--stack", "dev"], cliEnv, true));
}

async function deployWithEngine(env: Record<string, string>): Promise<void> {
  const summary = await up({
    programDir,
    stateFile: path.join(work, "engine", "dev.json"),
    stack: "dev",
    env: { ...env, SECRETSTACK_ENGINE_PASSPHRASE: LOCAL_ONLY_PASSPHRASE },
    log: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write("\nStack outputs (secrets hidden):\n");
  for (const [name, value] of Object.entries(summary.outputs ?? {})) {
    process.stdout.write(`  ${name}: ${JSON.stringify(value)}\n`);
  }
}

async function main(): Promise<void> {
  // Before the first line of output: on a Node.js without node:sqlite, one line naming both versions, exit 2.
  exitOnUnsupportedNode("npm start");
  const hasCli = pulumiCliAvailable();
  if (!hasCli) {
    process.stdout.write(
      "Pulumi CLI not found on PATH (install it from https://www.pulumi.com/docs/install/). This run deploys the " +
        "same program with secretstack's stand-in engine, which drives the real Pulumi SDK and dynamic-provider " +
        "host without the CLI.\n",
    );
  }
  mkdirSync(work, { recursive: true });
  const sandbox = await startSandbox({ dataDir: path.join(work, "sandbox") });
  try {
    const env = sandboxEnv(sandbox);
    process.stdout.write(
      `Sandbox: TensorDock ${sandbox.tensordock.baseUrl}, The Wallet Crew ${sandbox.walletcrew.baseUrl}, ` +
        `NetActuate ${sandbox.netactuate.baseUrl} (data in ${displayPath(path.join(work, "sandbox"))})\n\n`,
    );
    if (hasCli) await deployWithCli({ ...process.env, ...env });
    else await deployWithEngine(env);
    process.stdout.write(`\n${await summarizeSandbox(sandbox)}\n`);
  } finally {
    await sandbox.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`npm start failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
