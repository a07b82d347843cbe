#!/usr/bin/env node
/**
 * `node dist/engine/cli.js up|preview|refresh|destroy --program DIR --state FILE [--stack NAME]
 * [--parallel N] [--config key=value ...]`: runs one engine command, printing one line per operation and
 * the summary. Exits 1 when the command fails, 2 on a usage error.
 */
import { DeploymentError, destroy, type EngineOptions, preview, refresh, type Summary, up } from "./engine";

const COMMANDS = { up, preview, refresh, destroy } as const;
const USAGE =
  "usage: cli.js up|preview|refresh|destroy --program DIR --state FILE [--stack NAME] [--parallel N] " +
  "[--config key=value ...]";

function usage(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function parse(argv: string[]): { command: keyof typeof COMMANDS; options: EngineOptions } {
  const [command, ...rest] = argv;
  if (!command || !(command in COMMANDS)) usage(`unknown command: ${command ?? "(none)"}`);
  let programDir: string | undefined;
  let stateFile: string | undefined;
  const options: Partial<EngineOptions> = { config: {} };
  for (let i = 0; i < rest.length; i += 1) {
    const flag = rest[i];
    const value = rest[i + 1];
    if (value === undefined) usage(`missing value after ${flag}`);
    i += 1;
    if (flag === "--program") programDir = value;
    else if (flag === "--state") stateFile = value;
    else if (flag === "--stack") options.stack = value;
    else if (flag === "--parallel") {
      const n = Number.parseInt(value, 10);
      if (!Number.isInteger(n) || n < 1) usage("--parallel takes a positive integer");
      options.parallel = n;
    } else if (flag === "--config") {
      const eq = value.indexOf("=");
      if (eq <= 0) usage("--config takes key=value");
      (options.config as Record<string, string>)[value.slice(0, eq)] = value.slice(eq + 1);
    } else usage(`unknown flag: ${flag}`);
  }
  if (!programDir && command !== "refresh" && command !== "destroy") usage("--program is required");
  if (!stateFile) usage("--state is required");
  return {
    command: command as keyof typeof COMMANDS,
    options: {
      ...options,
      programDir: programDir ?? process.cwd(),
      stateFile,
      log: (line) => process.stdout.write(`${line}\n`),
    },
  };
}

async function main(): Promise<void> {
  const { command, options } = parse(process.argv.slice(2));
  let summary: Summary;
  try {
    summary = await COMMANDS[command](options);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  const outputs = Object.entries(summary.outputs);
  if (outputs.length) {
    process.stdout.write("outputs:\n");
    for (const [name, value] of outputs) process.stdout.write(`  ${name}: ${JSON.stringify(value)}\n`);
  }
}

void main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof DeploymentError ? error.message : String(error)}\n`);
  process.exit(1);
});
