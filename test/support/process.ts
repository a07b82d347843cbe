/** Child processes for tests: run a Node script to completion, collecting its output, without a shell. */
import { spawn } from "node:child_process";
import * as path from "node:path";

/** The repository root. */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** How a finished process ended and what it wrote. */
export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link runProcess}. */
export interface RunOptions {
  cwd?: string;
  /** The whole environment of the child (not merged with this process's). */
  env?: NodeJS.ProcessEnv;
  /** Killed (SIGKILL) after this long; the result then has `signal: "SIGKILL"`. @default 240 s */
  timeoutMs?: number;
}

/** Runs `command args` to completion and resolves with its exit status and output (never rejects on exit code). */
export function runProcess(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 240_000);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs a script of a package in the repository's node_modules (e.g. `typescript/bin/tsc`) with this Node. */
export function runNodeBin(
  bin: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<Finished> {
  return runProcess(process.execPath, [path.join(REPO_ROOT, "node_modules", bin), ...args], options);
}

/**
 * Runs npm (the one on PATH) under this Node: the directory of `process.execPath` goes first on PATH, so
 * npm's `#!/usr/bin/env node` and the scripts it runs get the same Node as the tests.
 */
export function runNpm(args: readonly string[], options: RunOptions = {}): Promise<Finished> {
  const base = options.env ?? process.env;
  const env: NodeJS.ProcessEnv = {
    ...base,
    PATH: `${path.dirname(process.execPath)}${path.delimiter}${base.PATH ?? ""}`,
  };
  return runProcess("npm", args, { ...options, env });
}

/** The environment of this process with `PATH` reduced to the directory of this Node (no other tools). */
export function bareEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: path.dirname(process.execPath), ...extra };
  return env;
}
