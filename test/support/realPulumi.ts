/**
 * The real Pulumi CLI for tests: built once from the Go module proxy by harness/real-pulumi/build.sh (cached
 * under .cache/real-pulumi, so later runs take seconds), run as a child process that never blocks this one (the
 * sandbox a test serves from here keeps answering), with a local backend and a home of its own.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { type Finished, REPO_ROOT, runProcess } from "./process";

/** Builds (or finds, cached) the CLI and the YAML language host; resolves to the directory holding both. */
export async function buildRealPulumi(): Promise<string> {
  const script = path.join(REPO_ROOT, "harness", "real-pulumi", "build.sh");
  const built = await runProcess("bash", [script], { timeoutMs: 30 * 60_000 });
  const dir = built.stdout.trim().split("\n").pop() ?? "";
  if (built.code !== 0 || dir === "") {
    throw new Error(
      `harness/real-pulumi/build.sh failed (${built.code ?? built.signal}): ${built.stderr.slice(-2000)}`,
    );
  }
  return dir;
}

/** Options of one CLI command. */
export interface CliOptions {
  /** Killed after this long. @default 180 s */
  timeoutMs?: number;
  /** Variables added to the project's environment for this command only. */
  env?: Record<string, string>;
}

/** One finished CLI command: its arguments and everything it printed. */
export interface CliResult extends Finished {
  args: readonly string[];
}

/** A Pulumi project in a temporary directory, with its own backend, home and plugin log. */
export class RealPulumiProject {
  /** Every command run and what it printed, for leak scans. */
  readonly results: CliResult[] = [];
  readonly root: string;
  readonly projectDir: string;
  readonly backendDir: string;
  /** Where the plugin's stderr is copied (it reaches the CLI as well). */
  readonly pluginLog: string;
  /** The folder given to `plugins.providers` (a launcher that copies stderr to the log, then runs ours). */
  readonly pluginDir: string;

  constructor(
    private readonly cliDir: string,
    private readonly env: Record<string, string>,
  ) {
    this.root = mkdtempSync(path.join(tmpdir(), "secretstack-real-pulumi-"));
    this.projectDir = path.join(this.root, "project");
    this.backendDir = path.join(this.root, "backend");
    this.pluginDir = path.join(this.root, "plugin");
    this.pluginLog = path.join(this.root, "plugin.log");
    for (const dir of [this.projectDir, this.backendDir, this.pluginDir, path.join(this.root, "home")]) {
      mkdirSync(dir, { recursive: true });
    }
    const launcher = path.join(REPO_ROOT, "bin", "pulumi-resource-secretstack");
    writeFileSync(
      path.join(this.pluginDir, "pulumi-resource-secretstack"),
      `#!/usr/bin/env bash\nexec ${JSON.stringify(launcher)} "$@" 2> >(tee -a ${JSON.stringify(this.pluginLog)} >&2)\n`,
      { mode: 0o755 },
    );
  }

  /** The environment of every command: this Node first on PATH (the plugin's), the CLI, and nothing of ours. */
  private environment(): NodeJS.ProcessEnv {
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(
        ([k]) => !/^(PULUMI_|TENSORDOCK_|WALLETCREW_|NETACTUATE_|SECRETSTACK_)/.test(k),
      ),
    );
    return {
      ...inherited,
      PATH: [path.dirname(process.execPath), this.cliDir, process.env.PATH ?? ""].join(path.delimiter),
      PULUMI_BACKEND_URL: `file://${this.backendDir}`,
      PULUMI_CONFIG_PASSPHRASE: "secretstack-real-cli-test",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_HOME: path.join(this.root, "home"),
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
      NO_COLOR: "1",
      ...this.env,
    };
  }

  /** Runs `pulumi <args>` in the project, to completion (`env` adds to the project's environment). */
  async run(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
    const finished = await runProcess(path.join(this.cliDir, "pulumi"), [...args, "--non-interactive"], {
      cwd: this.projectDir,
      env: { ...this.environment(), ...options.env },
      timeoutMs: options.timeoutMs ?? 180_000,
    });
    const result = { ...finished, args };
    this.results.push(result);
    return result;
  }

  /** Runs `pulumi <args>` and fails, with its output, unless it exits 0. */
  async ok(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
    const result = await this.run(args, options);
    if (result.code !== 0) {
      throw new Error(
        `pulumi ${args.join(" ")} exited ${result.code ?? result.signal}:\n${result.stdout}\n${result.stderr}`,
      );
    }
    return result;
  }

  /** Everything every command printed. */
  output(): string {
    return this.results.map((r) => `${r.stdout}\n${r.stderr}`).join("\n");
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
