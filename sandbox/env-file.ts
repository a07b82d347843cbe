/**
 * The sandbox's hand-over to shell scripts: `--write-env FILE` writes the endpoints and credentials as a file
 * that `.` (after `set -a`) and dotenv loaders both read, complete or not at all; `wait FILE` blocks until a
 * live sandbox has written it, so a script never reads a half-started sandbox.
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import * as path from "node:path";

/** What a running sandbox tells its clients: exactly the JSON line the CLI prints. */
export interface SandboxEndpoints {
  tensordock: { baseUrl: string; apiToken: string };
  walletcrew: { baseUrl: string; apiKey: string; tenantId: string };
  netactuate: { baseUrl: string; apiKey: string };
}

/** The variable that names the sandbox's process, so `wait` can tell a live file from a stale one. */
export const PID_VARIABLE = "SECRETSTACK_SANDBOX_PID";

/**
 * Quotes a value for POSIX shells: single quotes, with `'` written as `'\''`. Values of the default sandbox
 * never hold a quote, so the line also reads the same in dotenv loaders.
 */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The environment variables that point the resources at a sandbox, by the names they read
 * (`TENSORDOCK_BASE_URL`, `TENSORDOCK_API_TOKEN`, …): what `--write-env` writes and `npm start` sets.
 */
export function environmentOf(endpoints: SandboxEndpoints): Record<string, string> {
  return {
    TENSORDOCK_BASE_URL: endpoints.tensordock.baseUrl,
    TENSORDOCK_API_TOKEN: endpoints.tensordock.apiToken,
    WALLETCREW_BASE_URL: endpoints.walletcrew.baseUrl,
    WALLETCREW_API_KEY: endpoints.walletcrew.apiKey,
    WALLETCREW_TENANT_ID: endpoints.walletcrew.tenantId,
    NETACTUATE_BASE_URL: endpoints.netactuate.baseUrl,
    NETACTUATE_API_KEY: endpoints.netactuate.apiKey,
  };
}

/**
 * The env file of a sandbox: the variables the resources read, then the sandbox's pid. Throws (naming the
 * variable, never the value) if a value holds a control character, which no env file can carry safely.
 */
export function formatEnvFile(endpoints: SandboxEndpoints, pid: number): string {
  const variables: [string, string][] = [
    ...Object.entries(environmentOf(endpoints)),
    [PID_VARIABLE, String(pid)],
  ];
  const lines = ["# secretstack-sandbox: endpoints and credentials; removed when the sandbox stops."];
  for (const [name, value] of variables) {
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
    if (/[\u0000-\u001f\u007f]/.test(value)) {
      throw new Error(`${name} holds a control character; it cannot be written to an env file`);
    }
    lines.push(`${name}=${shellQuote(value)}`);
  }
  return `${lines.join("\n")}\n`;
}

/** An env file this process wrote, removable only while it is still the file this process renamed there. */
export interface WrittenEnvFile {
  path: string;
  /** Removes the file if it is still ours (another sandbox may have replaced it since). Never throws. */
  remove(): void;
}

/**
 * Writes `text` to `file` atomically: a temporary file in the same directory, created with mode 0600 (the
 * text holds credentials), flushed to disk, then renamed over `file`. A reader sees no file or all of it.
 */
export function writeEnvFile(file: string, text: string): WrittenEnvFile {
  const target = path.resolve(file);
  const temp = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
  );
  const fd = openSync(temp, "wx", 0o600);
  try {
    writeFileSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  const { ino, dev } = statSync(target);
  return {
    path: target,
    remove: () => {
      try {
        const now = statSync(target);
        if (now.ino === ino && now.dev === dev) rmSync(target, { force: true });
      } catch {
        // Already gone: nothing to do.
      }
    },
  };
}

/** Whether process `pid` is running (a zombie, which has exited but is not yet reaped, is not). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    // Linux: the state letter follows the command name in parentheses; Z is a zombie, X dead.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return true; // no /proc (macOS): kill(0) is the best answer there is
  }
}

/** The pid an env file names, if any. */
function pidIn(text: string): number | undefined {
  const match = new RegExp(`^${PID_VARIABLE}='?(\\d+)'?$`, "m").exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Options of {@link waitForEnvFile}. */
export interface WaitOptions {
  /** Give up after this long. @default 60 s, far more than a sandbox takes to start */
  timeoutMs?: number;
  /** The process that will write the file (e.g. `$!` of the background sandbox): fail at once if it exits. */
  pid?: number;
  /** Time between looks at the file. @default 50 ms */
  intervalMs?: number;
}

/**
 * Resolves once `file` exists and names a running sandbox; a file left by a sandbox that was killed is
 * ignored until a live one replaces it. Rejects with a one-line message if `pid` exits first or the timeout
 * passes.
 */
export async function waitForEnvFile(file: string, options: WaitOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (existsSync(file)) {
      let text: string | undefined;
      try {
        text = readFileSync(file, "utf8");
      } catch {
        text = undefined; // removed between the two calls: look again
      }
      const writer = text === undefined ? undefined : pidIn(text);
      if (text !== undefined && (writer === undefined || isRunning(writer))) return;
    }
    if (options.pid !== undefined && !isRunning(options.pid)) {
      throw new Error(`the sandbox (pid ${options.pid}) exited before writing ${file}`);
    }
    if (Date.now() >= deadline) {
      throw new Error(`${file} did not appear within ${timeoutMs / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
