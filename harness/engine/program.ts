/**
 * The engine's side of the program runner: forks it (see programRunner.ts), answers its registrations
 * through the given handlers, and collects the stack outputs and the program's own errors.
 */
import { fork } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import type {
  EngineReply,
  Props,
  ReadMessage,
  RegisterMessage,
  RunnerMessage,
  RunnerOptions,
} from "./protocol";

function runnerEntry(): string {
  // Compiled (.build/harness/engine), the runner sits next to this file as .js. From the TypeScript sources
  // (tests) Node runs the .ts file itself through type stripping, so tests never depend on a fresh build; a
  // Node without type stripping falls back to the build.
  if (!__filename.endsWith(".ts")) return path.join(__dirname, "programRunner.js");
  const stripsTypes = Boolean((process.features as { typescript?: unknown }).typescript);
  const built = path.join(__dirname, "..", "..", ".build", "harness", "engine", "programRunner.js");
  return stripsTypes || !existsSync(built) ? path.join(__dirname, "programRunner.ts") : built;
}

/** What the runner asks of the engine while the program runs. */
export interface ProgramHandlers {
  register(message: RegisterMessage): Promise<EngineReply>;
  read(message: ReadMessage): Promise<EngineReply>;
  ignored(type: string, name: string): void;
  /** Receives each line the program prints. */
  log(line: string): void;
}

/** How a program run ended: its own errors (not failed operations), and its stack outputs if it got there. */
export interface ProgramResult {
  errors: string[];
  outputs?: { outputs: Props; secretKeys: string[] };
}

/** Runs the program in the runner child and serves its registrations until it finishes. */
export async function runProgram(
  options: RunnerOptions,
  env: NodeJS.ProcessEnv,
  handlers: ProgramHandlers,
): Promise<ProgramResult> {
  const child = fork(runnerEntry(), [JSON.stringify(options)], {
    cwd: options.programDir,
    env,
    execArgv: ["--disable-warning=ExperimentalWarning", "--disable-warning=MODULE_TYPELESS_PACKAGE_JSON"],
    serialization: "advanced",
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const stderr: string[] = [];
  child.stdout?.setEncoding("utf8");
  child.stderr?.setEncoding("utf8");
  child.stdout?.on("data", (chunk: string) => {
    for (const line of chunk.split("\n")) if (line.trim()) handlers.log(line);
  });
  child.stderr?.on("data", (chunk: string) => {
    stderr.push(chunk);
    for (const line of chunk.split("\n")) if (line.trim()) handlers.log(line);
  });
  let done: string[] | undefined;
  let outputs: { outputs: Props; secretKeys: string[] } | undefined;
  const reply = (message: EngineReply): void => {
    if (child.connected) child.send(message, (error) => error && undefined);
  };
  child.on("message", (message: RunnerMessage) => {
    switch (message.kind) {
      case "register":
        void handlers.register(message).then(reply);
        break;
      case "read":
        void handlers.read(message).then(reply);
        break;
      case "ignored":
        handlers.ignored(message.type, message.name);
        break;
      case "outputs":
        outputs = { outputs: message.outputs, secretKeys: message.secretKeys };
        break;
      case "done":
        done = message.errors;
        break;
    }
  });
  const exit = await new Promise<string>((resolve) => {
    child.once("error", (error) => resolve(`could not start: ${error.message}`));
    child.once("exit", (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code ?? "?"}`));
  });
  if (done === undefined) {
    const tail = stderr.join("").trim().split("\n").slice(-20).join("\n");
    return {
      errors: [`the program runner stopped (${exit}) before the program finished${tail ? `:\n${tail}` : ""}`],
    };
  }
  return outputs ? { errors: done, outputs } : { errors: done };
}
