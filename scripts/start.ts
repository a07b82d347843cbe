/**
 * `npm start [-- VERB [ARGS...]]`, the main job: starts the sandbox on a data directory under `.secretstack/`,
 * points the root Pulumi program (examples/quickstart) at it through environment variables, and runs VERB
 * (`up` by default; `preview`, `refresh`, `destroy`, or `reset`) with the Pulumi CLI when one is on PATH,
 * otherwise with the stand-in engine over the real provider host. It ends with a summary of what exists in
 * each sandbox API. A second `up` reports no changes.
 *
 * The CLI runs in a process group of its own while this process keeps serving the sandbox: it deploys from
 * its own processes, over HTTP to the sandbox, so nothing here may block. Ctrl-C or SIGTERM is forwarded to
 * the CLI once (a first Ctrl-C cancels `pulumi up` gracefully), the sandbox closes after the CLI has exited,
 * and the CLI's exit code is passed through.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import * as path from "node:path";
import {
  DEFAULT_ENGINE_PASSPHRASE,
  DeploymentError,
  destroy,
  preview,
  refresh,
  type Summary,
  up,
} from "../harness/engine";
// The sandbox as users load it: the workspace package secretstack-sandbox, linked into node_modules.
import { environmentOf, startSandbox } from "secretstack-sandbox";
// Not part of the sandbox package's exports: compiled from source beside this script.
import { exitOnUnsupportedNode } from "../sandbox/core/runtime";
import { summarizeSandbox } from "./summary";

const root = path.resolve(__dirname, "..", "..");
// Where the sandbox data, the stack state and the Pulumi backend live. SECRETSTACK_HOME moves them (tests
// use a temporary directory); the default keeps them beside the project, ignored by git.
const work = path.resolve(process.env.SECRETSTACK_HOME ?? path.join(root, ".secretstack"));
const programDir = path.join(root, "examples", "quickstart");
const STACK = "dev";

/**
 * The passphrase of the local stack's secrets, the engine's documented default. It protects nothing but
 * sandbox demo values on this machine, which is why it may be written down; real stacks use their own
 * secrets provider.
 */
const LOCAL_ONLY_PASSPHRASE = DEFAULT_ENGINE_PASSPHRASE;

const VERBS = ["up", "preview", "refresh", "destroy", "reset"] as const;
type Verb = (typeof VERBS)[number];

const USAGE = `usage: npm start [-- up|preview|refresh|destroy|reset [PULUMI ARGS...]]

  up        deploy the root program into the sandbox (the default)
  preview   show what up would change
  refresh   read every resource back from the sandbox and show drift
  destroy   delete everything the local stack made
  reset     destroy, then wipe ${displayPath(work)} (sandbox data, stack state, backend) to start over

Arguments after the verb go to the Pulumi CLI (for example: npm start -- preview --diff).`;

/** The way forward when the sandbox holds objects the local stack's state does not know. */
const LOST_STATE_HINT =
  "\nIf an error above says an object already exists, the sandbox holds objects this stack's state does not " +
  "know (the state was deleted, or is new). Run `npm start -- reset` to delete them with the sandbox data and " +
  "start over.\n";

/** A path relative to the project when it is inside it, absolute otherwise. */
function displayPath(p: string): string {
  const relative = path.relative(root, p);
  return relative.startsWith("..") || path.isAbsolute(relative) ? p : relative;
}

function parseArgs(argv: string[]): { verb: Verb; extra: string[] } {
  const [first, ...rest] = argv;
  if (first === "--help" || first === "-h" || first === "help") {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (first === undefined || first.startsWith("-")) return { verb: "up", extra: argv };
  if (!(VERBS as readonly string[]).includes(first)) {
    process.stderr.write(`npm start: unknown verb "${first}"\n${USAGE}\n`);
    process.exit(2);
  }
  return { verb: first as Verb, extra: rest };
}

/** The signal that asked us to stop, once one has; the first is forwarded, later ones too (a hard stop). */
const stop: { signal?: NodeJS.Signals; controller: AbortController; child?: ChildProcess | undefined } = {
  controller: new AbortController(),
};

function onSignal(signal: NodeJS.Signals): void {
  stop.signal ??= signal;
  stop.controller.abort();
  // The CLI runs in its own process group (see runPulumi), so a terminal's Ctrl-C reaches it only through us.
  if (stop.child?.exitCode === null && stop.child.signalCode === null) stop.child.kill(signal);
}

/**
 * npm runs this script through `sh -c`, and a signal sent to npm alone (a job runner cancelling) ends npm and
 * that shell but never reaches us: the shell does not pass it on. Our parent's death is that signal.
 */
function watchParent(): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      onSignal("SIGTERM");
    }
  }, 250);
  timer.unref();
}

/** The exit code of a process stopped by `signal`, as a shell reports it. */
function signalExitCode(signal: NodeJS.Signals): number {
  return signal === "SIGINT" ? 130 : 143;
}

function pulumiCliAvailable(): boolean {
  // Before the sandbox starts, so a synchronous probe cannot block anything it serves.
  return spawnSync("pulumi", ["version"], { stdio: "ignore" }).status === 0;
}

/**
 * Runs a Pulumi CLI command in the repository root, asynchronously, in a process group of its own, and
 * resolves with its exit code (128 + signal number style when it was killed). `capture` collects stdout
 * instead of streaming it. Whatever the CLI left behind in its group (plugins, language hosts) is killed
 * once it has exited.
 */
function runPulumi(
  args: string[],
  env: NodeJS.ProcessEnv,
  capture = false,
): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("pulumi", args, {
      cwd: root,
      env,
      detached: true,
      stdio: ["inherit", capture ? "pipe" : "inherit", "inherit"],
    });
    stop.child = child;
    let stdout = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.once("error", reject);
    child.once("close", (code, signal) => {
      stop.child = undefined;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // ESRCH: nothing of its group is left, as it should be.
      }
      resolve({ code: code ?? (signal === "SIGINT" ? 130 : signal === "SIGTERM" ? 143 : 1), stdout });
    });
  });
}

function cliArgs(verb: Exclude<Verb, "reset">, extra: string[]): string[] {
  const confirm = verb === "preview" ? [] : ["--yes"];
  return [verb, ...confirm, "--non-interactive", "--stack", STACK, ...extra];
}

/** One verb through the Pulumi CLI; resolves with the exit code to pass through. */
async function withCli(verb: Verb, extra: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const backend = path.join(work, "pulumi-backend");
  mkdirSync(backend, { recursive: true });
  const cliEnv: NodeJS.ProcessEnv = {
    ...env,
    PULUMI_BACKEND_URL: `file://${backend}`,
    PULUMI_CONFIG_PASSPHRASE: LOCAL_ONLY_PASSPHRASE,
    PULUMI_SKIP_UPDATE_CHECK: "true",
  };
  const selected = await runPulumi(["stack", "select", STACK, "--create", "--non-interactive"], cliEnv);
  if (selected.code !== 0 || stop.signal) return selected.code;
  const run = await runPulumi(cliArgs(verb === "reset" ? "destroy" : verb, extra), cliEnv);
  if (run.code !== 0 && verb === "up" && !stop.signal) process.stderr.write(LOST_STATE_HINT);
  if (run.code !== 0 || stop.signal || verb !== "up") return run.code;
  process.stdout.write("\nStack outputs (secrets hidden):\n");
  const outputs = await runPulumi(["stack", "output", "--stack", STACK], cliEnv, true);
  process.stdout.write(outputs.stdout);
  return outputs.code;
}

/** One verb through the stand-in engine; resolves with the exit code. */
async function withEngine(verb: Verb, extra: string[], env: Record<string, string>): Promise<number> {
  if (extra.length) {
    process.stderr.write(
      `npm start: ${extra.join(" ")}: arguments after the verb are for the Pulumi CLI, which is not on PATH\n`,
    );
    return 2;
  }
  const command = { up, preview, refresh, destroy, reset: destroy }[verb];
  let summary: Summary;
  try {
    summary = await command({
      programDir,
      stateFile: path.join(work, "engine", `${STACK}.json`),
      stack: STACK,
      env: { ...env, SECRETSTACK_ENGINE_PASSPHRASE: LOCAL_ONLY_PASSPHRASE },
      signal: stop.controller.signal,
      log: (line) => process.stdout.write(`${line}\n`),
      hostLog: (line) => process.stderr.write(`${line}\n`),
    });
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    if (error instanceof DeploymentError && /already exists/.test(error.message) && verb === "up") {
      process.stderr.write(LOST_STATE_HINT);
    }
    return 1;
  }
  if (verb === "up") {
    process.stdout.write("\nStack outputs (secrets hidden):\n");
    for (const [name, value] of Object.entries(summary.outputs ?? {})) {
      process.stdout.write(`  ${name}: ${JSON.stringify(value)}\n`);
    }
  }
  return 0;
}

async function main(): Promise<number> {
  // Before the first line of output: on a Node.js without node:sqlite, one line naming both versions, exit 2.
  exitOnUnsupportedNode("npm start");
  const { verb, extra } = parseArgs(process.argv.slice(2));
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  watchParent();
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
  let code: number;
  try {
    if (stop.signal) return signalExitCode(stop.signal);
    const env = environmentOf(sandbox);
    process.stdout.write(
      `Sandbox: TensorDock ${sandbox.tensordock.baseUrl}, The Wallet Crew ${sandbox.walletcrew.baseUrl}, ` +
        `NetActuate ${sandbox.netactuate.baseUrl} (data in ${displayPath(path.join(work, "sandbox"))})\n\n`,
    );
    code = hasCli
      ? await withCli(verb, extra, { ...process.env, ...env })
      : await withEngine(verb, extra, env);
    if (stop.signal) code = code === 0 ? signalExitCode(stop.signal) : code;
    else if (verb !== "reset") process.stdout.write(`\n${await summarizeSandbox(sandbox)}\n`);
  } finally {
    // Only now, after the CLI or the engine has stopped: whatever it still had in flight could reach the sandbox.
    await sandbox.close();
  }
  if (verb === "reset" && !stop.signal) {
    rmSync(work, { recursive: true, force: true });
    process.stdout.write(
      `${code === 0 ? "" : "The destroy failed; wiping anyway, since the objects live only in the sandbox data. "}` +
        `Removed ${displayPath(work)}: the sandbox data, the stack state and its backend. The next npm start begins afresh.\n`,
    );
    return 0;
  }
  return code;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`npm start failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
