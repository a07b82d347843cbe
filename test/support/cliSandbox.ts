/**
 * The built sandbox CLI (dist/sandbox/cli.js) as a child process of a test: started on a data directory,
 * ready once it prints its endpoints, and stopped by signal (SIGKILL included) by its own pid only.
 */
import { type ChildProcessByStdio, spawn } from "node:child_process";
import * as path from "node:path";
import type { Readable } from "node:stream";
import type { SandboxEndpoints } from "../../sandbox";
import { REPO_ROOT } from "./process";

/** The CLI users run, as built by `npm run build` (which `npm test` runs first). */
export const SANDBOX_CLI = path.join(REPO_ROOT, "dist", "sandbox", "cli.js");

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
 * Starts `node dist/sandbox/cli.js ...args` with `env` added, and resolves once it prints its endpoints.
 * `node` is this test's Node unless given (e.g. a pinned older release).
 */
export function startCliSandbox(
  args: readonly string[],
  env: Record<string, string>,
  node: string = process.execPath,
): Promise<CliSandbox> {
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(node, [SANDBOX_CLI, ...args], {
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
