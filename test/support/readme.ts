/**
 * README commands as users run them: the shell block after a marker comment, run verbatim by bash, with the
 * test `pulumi` first on PATH and `npx secretstack-sandbox` resolving to the built CLI. The block runs in a
 * process group of its own, so whatever it leaves running is found by its group (and then ended).
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, symlinkSync } from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "./process";

/** The directory of the CLI-shaped `pulumi` for tests (see its cli.cjs). */
export const TEST_PULUMI_DIR = path.join(REPO_ROOT, "harness", "pulumi-cli");

/** The body of the ```sh fence that directly follows the line `<!-- marker -->`. */
export function markedShellBlock(markdown: string, marker: string): string {
  const lines = markdown.split("\n");
  const at = lines.findIndex((line) => line.trim() === `<!-- ${marker} -->`);
  if (at < 0) throw new Error(`no <!-- ${marker} --> line`);
  if (lines[at + 1] !== "```sh") throw new Error(`<!-- ${marker} --> is not followed by a \`\`\`sh fence`);
  const end = lines.findIndex((line, i) => i > at + 1 && line === "```");
  if (end < 0) throw new Error(`the fence after <!-- ${marker} --> is not closed`);
  return `${lines.slice(at + 2, end).join("\n")}\n`;
}

/** The body of the first ```sh fence under the heading `## title`. */
export function shellBlockUnder(markdown: string, title: string): string | undefined {
  const section = markdown.split(/^## /m).find((part) => part.startsWith(`${title}\n`));
  return section === undefined ? undefined : /^```sh\n([\s\S]*?)^```$/m.exec(section)?.[1];
}

/** The command of the package secretstack-sandbox, which loads the built CLI. */
export const SANDBOX_BIN = path.join(REPO_ROOT, "sandbox", "bin", "secretstack-sandbox.js");

/**
 * Links `dir/secretstack-sandbox` to the sandbox's command, as `npm install` links a package's bin (npx finds it
 * in `node_modules/.bin` of the project).
 */
export function writeSandboxBin(dir: string): void {
  symlinkSync(SANDBOX_BIN, path.join(dir, "secretstack-sandbox"));
}

/** Variables a developer's shell may hold that would change what a README block does. */
const OUTSIDE = /^(npm_|PULUMI_|TENSORDOCK_|WALLETCREW_|NETACTUATE_|ROTATION_|SECRETSTACK_)/;

/**
 * The environment of a README block: the test `pulumi` and this Node first on PATH, a file backend in
 * `backendDir`, and npx kept offline, so it runs the sandbox installed for the test or fails (it never
 * downloads a package of that name).
 */
export function readmeEnv(options: { backendDir: string }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!OUTSIDE.test(name)) env[name] = value;
  return {
    ...env,
    PATH: [
      TEST_PULUMI_DIR,
      path.join(REPO_ROOT, "node_modules", ".bin"),
      path.dirname(process.execPath),
      process.env.PATH ?? "",
    ].join(path.delimiter),
    PULUMI_BACKEND_URL: `file://${options.backendDir}`,
    PULUMI_CONFIG_PASSPHRASE: "readme-test-passphrase",
    npm_config_offline: "true",
    npm_config_update_notifier: "false",
  };
}

/** How a block ended, what it wrote (stdout and stderr in the order written), and what it left running. */
export interface BlockRun {
  code: number | null;
  output: string;
  /** `pid command` of every process of the block's group still running when bash exited. */
  leftovers: string[];
}

/** The processes of group `pgid`, as `pid command`, zombies left out. */
function processGroup(pgid: number): string[] {
  const found: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(pgrp) !== pgid || state === "Z") continue;
      const command = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ").trim();
      found.push(`${entry} ${command}`);
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/**
 * Runs `block` with `bash -euo pipefail -c` in `cwd`, in a new process group. The moment bash exits, lists what
 * is left in the group, then ends it (SIGTERM, then SIGKILL), so a failing test leaves no sandbox behind.
 */
export function runShellBlock(
  block: string,
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<BlockRun> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-euo", "pipefail", "-c", block], {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const pgid = child.pid as number;
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-pgid, signal);
      } catch {
        // ESRCH: the group is empty.
      }
    };
    let output = "";
    const collect = (chunk: string) => {
      output += chunk;
    };
    child.stdout.setEncoding("utf8").on("data", collect);
    child.stderr.setEncoding("utf8").on("data", collect);
    const timer = setTimeout(() => signalGroup("SIGKILL"), options.timeoutMs ?? 240_000);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    // "exit", not "close": a process left running may hold the pipes open, and it is what we look for.
    child.once("exit", (code) => {
      clearTimeout(timer);
      const leftovers = processGroup(pgid);
      if (leftovers.length > 0) {
        signalGroup("SIGTERM");
        setTimeout(() => signalGroup("SIGKILL"), 2_000).unref();
      }
      // The output is complete once the pipes close: at once, or when the group has been ended.
      child.once("close", () => resolve({ code, output, leftovers }));
    });
  });
}

/**
 * The sections of a CLI transcript by heading ("Updating (dev)", "Refreshing (dev)", …), in order: the test CLI's,
 * or the real CLI's, whose headings end with a colon.
 */
export function sectionsOf(output: string): { heading: string; text: string }[] {
  const heading = /^(Updating|Previewing update|Refreshing|Destroying) \([^)]+\):?$/gm;
  const starts = [...output.matchAll(heading)];
  return starts.map((match, i) => ({
    heading: match[1] ?? "",
    text: output.slice(match.index, starts[i + 1]?.index ?? output.length),
  }));
}

/** The rows of a section's "Resources:" block, e.g. ["+ 7 created"] or ["7 unchanged"]. */
export function resourceRows(sectionText: string): string[] {
  const block = /^Resources:\n((?: {4}.*\n)+)/m.exec(sectionText)?.[1] ?? "";
  return block
    .split("\n")
    .map((row) => row.trim())
    .filter((row) => row !== "");
}

/** Credentials the default sandbox derives (`td_…`, `wc_…`, `na_…`): none may reach a README run's output. */
export const SANDBOX_CREDENTIAL = /\b(td|wc|wceu|na)_[A-Za-z0-9_-]{32}\b/;
