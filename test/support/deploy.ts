/**
 * A stack of any Pulumi program deployed through the stand-in engine: its own state file in a temporary
 * directory, fixed environment and config, and every line the engine and provider host wrote.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  destroy,
  type EngineOptions,
  preview,
  readState,
  refresh,
  type StackState,
  type Summary,
  up,
} from "../../harness/engine";

const COMMANDS = { up, preview, refresh, destroy } as const;

/** An engine command by name. */
export type EngineCommand = keyof typeof COMMANDS;

/** What {@link deployProgram} needs: the program, and what every run of it gets. */
export interface ProgramOptions {
  programDir: string;
  /** Environment of the program and the provider host, e.g. a sandbox's. */
  env?: Record<string, string>;
  /** Stack config (`key` is namespaced with the project, `ns:key` kept). */
  config?: Record<string, string>;
  /** @default "dev" */
  stack?: string;
}

/** One stack of a program; remove it with {@link ProgramStack.remove}. */
export class ProgramStack {
  /** Temporary directory holding the state file. */
  readonly dir = mkdtempSync(path.join(tmpdir(), "secretstack-stack-"));
  readonly stateFile = path.join(this.dir, "state", "dev.json");
  /** Every line the engine logged, across runs. */
  readonly lines: string[] = [];
  /** Every line the provider host wrote, across runs. */
  readonly hostLines: string[] = [];

  constructor(readonly options: ProgramOptions) {}

  /** Runs one engine command; `extra` overrides or adds to the stack's options for this run only. */
  run(command: EngineCommand, extra: Partial<EngineOptions> = {}): Promise<Summary> {
    const { env, config, ...rest } = extra;
    return COMMANDS[command]({
      programDir: this.options.programDir,
      stateFile: this.stateFile,
      ...(this.options.stack !== undefined ? { stack: this.options.stack } : {}),
      env: { ...this.options.env, ...env },
      config: { ...this.options.config, ...config },
      log: (line) => this.lines.push(line),
      hostLog: (line) => this.hostLines.push(line),
      ...rest,
    });
  }

  /** Runs one engine command with `env` under the stack's and `extra`'s own environment. */
  runWith(command: EngineCommand, env: Record<string, string>, extra: Partial<EngineOptions> = {}) {
    return this.run(command, { ...extra, env: { ...env, ...extra.env } });
  }

  up(extra: Partial<EngineOptions> = {}): Promise<Summary> {
    return this.run("up", extra);
  }

  destroy(extra: Partial<EngineOptions> = {}): Promise<Summary> {
    return this.run("destroy", extra);
  }

  /** The state with its secrets decrypted. */
  state(): Promise<StackState> {
    return readState(this.stateFile);
  }

  /** The raw state file, as written to disk. */
  stateText(): string {
    return readFileSync(this.stateFile, "utf8");
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A new stack of the program at `options.programDir`, deployed through the engine run by run. */
export function deployProgram(options: ProgramOptions): ProgramStack {
  return new ProgramStack(options);
}

/** The counts of a summary that say what changed (for one readable assertion). */
export function changes(
  summary: Summary,
): Pick<Summary, "created" | "updated" | "replaced" | "deleted" | "imported" | "failed"> {
  const { created, updated, replaced, deleted, imported, failed } = summary;
  return { created, updated, replaced, deleted, imported, failed };
}

/** What {@link changes} returns for a run that changed nothing. */
export const NO_CHANGES = {
  created: 0,
  updated: 0,
  replaced: 0,
  deleted: 0,
  imported: 0,
  failed: 0,
} as const;
