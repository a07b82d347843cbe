/** Shared helpers of the engine tests: a temporary stack of the trivial fixture program. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { destroy, type EngineOptions, preview, refresh, type Summary, up } from "../../harness/engine";

/** The fixture program: a tiny dynamic provider over a JSON file (see its index.ts for the knobs). */
export const TRIVIAL_PROGRAM = path.resolve(__dirname, "..", "fixtures", "trivial");

/** The urn of a fixture resource. */
export const urnOf = (name: string): string =>
  `urn:pulumi:dev::trivial::pulumi-nodejs:dynamic/trivial:Record::${name}`;

interface StoreData {
  next: number;
  records: Record<string, Record<string, unknown>>;
  log: string[];
  /** The most creates that ran at once (with TRIVIAL_BARRIER). */
  peak?: number;
}

const COMMANDS = { up, preview, refresh, destroy } as const;

/** A stack of the fixture with its own state file and record store, in a temporary directory. */
export class TrivialStack {
  readonly dir = mkdtempSync(path.join(tmpdir(), "secretstack-engine-"));
  readonly stateFile = path.join(this.dir, "state", "dev.json");
  readonly storeFile = path.join(this.dir, "store.json");
  /** Every line the engine logged, across runs. */
  readonly lines: string[] = [];

  /** Runs one engine command with the given fixture knobs (environment variables). */
  run(
    command: keyof typeof COMMANDS,
    knobs: Record<string, string> = {},
    extra: Partial<EngineOptions> = {},
  ): Promise<Summary> {
    return COMMANDS[command]({
      programDir: TRIVIAL_PROGRAM,
      stateFile: this.stateFile,
      env: { TRIVIAL_STORE: this.storeFile, ...knobs },
      log: (line) => this.lines.push(line),
      ...extra,
    });
  }

  /** The provider's record store (what exists "remotely"). */
  store(): StoreData {
    if (!existsSync(this.storeFile)) return { next: 1, records: {}, log: [] };
    return JSON.parse(readFileSync(this.storeFile, "utf8")) as StoreData;
  }

  /** The raw text of the state file. */
  stateText(): string {
    return readFileSync(this.stateFile, "utf8");
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
