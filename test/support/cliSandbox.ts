/**
 * The built sandbox CLI (sandbox/dist/cli.js) as a child process of a test: started on a data directory,
 * ready once it prints its endpoints, and stopped by signal (SIGKILL included) by its own pid only.
 * {@link CliRun} is the same process with everything it wrote, for tests of the CLI itself.
 */
import { type ChildProcessByStdio, spawn } from "node:child_process";
import * as path from "node:path";
import type { Readable } from "node:stream";
import type { SandboxEndpoints } from "../../sandbox/index";
import { REPO_ROOT } from "./process";

/** The CLI users run (the `secretstack-sandbox` bin), as built by `npm run build` (which `npm test` runs first). */
export const SANDBOX_CLI = path.join(REPO_ROOT, "sandbox", "dist", "cli.js");

/** A running CLI sandbox. */
export interface CliSandbox {
  readonly endpoints: SandboxEndpoints;
  readonly pid: number;
  /** What the process wrote to stderr so far (the request log, unless `--quiet`). */
  stderr(): string;
  /** Sends `signal` to this process and resolves once it has exited. */
  stop(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `node sandbox/dist/cli.js ...args` with `env` added, and resolves once it prints its endpoints.
 * `node` is this test's Node unless given (e.g. a pinned older release).
 */
export function startCliSandbox(
  args: readonly string[],
  env: Record<string, string>,
  node: string = process.execPath,
): Promise<CliSandbox> {
  return startSandboxCommand(node, [SANDBOX_CLI, ...args], env);
}

/**
 * Starts `command ...args` (e.g. an installed `node_modules/.bin/secretstack-sandbox`) with `env` added, and
 * resolves once it prints its endpoints.
 */
export function startSandboxCommand(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<CliSandbox> {
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      const before = stdout;
      stdout += chunk;
      if (before.includes("\n") || !stdout.includes("\n")) return;
      const endpoints = JSON.parse(stdout.slice(0, stdout.indexOf("\n"))) as SandboxEndpoints;
      resolve({
        endpoints,
        pid: child.pid as number,
        stderr: () => stderr,
        stop: async (signal) => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      });
    });
    void exited.then(({ code, signal }) =>
      reject(
        new Error(`the sandbox CLI exited (${code ?? signal}) before printing its endpoints: ${stderr}`),
      ),
    );
  });
}

/** One run of the CLI: its output so far, the JSON line once printed, and how it exited. */
export class CliRun {
  /** Runs not yet stopped, so a file's `afterEach` can end exactly the processes it started. */
  static readonly running = new Set<CliRun>();
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  stdout = "";
  stderr = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The first stdout line, parsed; rejects if the process exits before printing one. */
  readonly ready: Promise<SandboxEndpoints>;

  /** Starts `node sandbox/dist/cli.js ...args`; SECRETSTACK_SANDBOX_KEY is passed only when `env` has it. */
  constructor(args: string[], env: Record<string, string> = {}) {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    if (!("SECRETSTACK_SANDBOX_KEY" in env)) delete childEnv.SECRETSTACK_SANDBOX_KEY;
    this.child = spawn(process.execPath, [SANDBOX_CLI, ...args], {
      env: childEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child.stdout.setEncoding("utf8");
    this.child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) =>
      this.child.once("exit", (code, signal) => resolve({ code, signal })),
    );
    this.ready = new Promise((resolve, reject) => {
      this.child.stdout.on("data", (chunk: string) => {
        const before = this.stdout;
        this.stdout += chunk;
        if (!before.includes("\n") && this.stdout.includes("\n")) {
          resolve(JSON.parse(this.stdout.slice(0, this.stdout.indexOf("\n"))) as SandboxEndpoints);
        }
      });
      void this.exited.then(({ code }) =>
        reject(new Error(`the sandbox exited (${code}) before it was ready: ${this.stderr}`)),
      );
    });
    this.ready.catch(() => undefined);
    CliRun.running.add(this);
  }

  /** Sends `signal` and resolves with the exit code. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    this.child.kill(signal);
    const { code } = await this.exited;
    CliRun.running.delete(this);
    return code;
  }

  /** SIGKILLs every run still going (a failed test may leave its sandbox running). */
  static async killAll(): Promise<void> {
    for (const run of CliRun.running) {
      run.child.kill("SIGKILL");
      await run.exited;
    }
    CliRun.running.clear();
  }
}
