/**
 * A real `redis-server` for tests and the bench: on loopback, on a free port of its own, with no persistence
 * (`save ""`, `appendonly no`, its files in a temporary directory), stopped by the caller. Never a mock: the
 * shared rate limit is proven against the Redis it will meet in CI.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import * as os from "node:os";
import * as path from "node:path";

/** A running redis-server. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>`, with `:password@` when it has one. */
  readonly url: string;
  readonly pid: number | undefined;
  /** Stops it (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills it at once (SIGKILL), as a crash or a lost host would. */
  kill(): Promise<void>;
  /** Freezes it (SIGSTOP): connections stay open, nothing answers. `resume` thaws it. */
  freeze(): void;
  resume(): void;
  /** Starts it again on the same port, after `stop` or `kill`. */
  restart(): Promise<void>;
  /** Stops it if running and removes its directory. */
  close(): Promise<void>;
}

/** Options of {@link startRedis}. */
export interface RedisOptions {
  /** `requirepass`; written to a 0600 config file, never to the command line. */
  password?: string;
  /** A port to use; default a free one. */
  port?: number;
}

/** The redis-server on PATH, or an error saying how to install it. */
export function redisServerPath(): string {
  try {
    return execFileSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error(
      "redis-server is not installed: the shared rate limit is tested against a real Redis " +
        "(Debian: apt-get install redis-server; .ci/run installs it)",
    );
  }
}

/** A port no one listens on now (redis-server cannot be told to pick one itself). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on the port; rejects when `exited` settles first. */
async function listening(port: number, exited: Promise<unknown>, timeoutMs = 10_000): Promise<void> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (gone) throw new Error(`redis-server exited before listening on port ${port}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: "127.0.0.1", port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`redis-server did not listen on port ${port} within ${timeoutMs} ms`);
}

/** Starts redis-server on loopback; a port taken between the check and the start is retried on another. */
export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  const binary = redisServerPath();
  const dir = mkdtempSync(path.join(os.tmpdir(), "secretstack-redis-"));
  let port = options.port ?? (await freePort());
  let child: ChildProcess | undefined;
  let exited: Promise<unknown> = Promise.resolve();

  const launch = async () => {
    const config = path.join(dir, "redis.conf");
    writeFileSync(
      config,
      [
        `port ${port}`,
        "bind 127.0.0.1",
        'save ""',
        "appendonly no",
        `dir ${dir}`,
        "daemonize no",
        "loglevel warning",
        ...(options.password === undefined ? [] : [`requirepass ${options.password}`]),
      ].join("\n"),
      { mode: 0o600 },
    );
    const started = spawn(binary, [config], { stdio: ["ignore", "ignore", "pipe"] });
    child = started;
    exited = new Promise((resolve) => started.once("exit", resolve));
    await listening(port, exited);
  };

  for (let attempt = 1; ; attempt += 1) {
    try {
      await launch();
      break;
    } catch (error) {
      child?.kill("SIGKILL");
      if (attempt >= 5 || options.port !== undefined) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
      port = await freePort();
    }
  }

  const auth = options.password === undefined ? "" : `:${encodeURIComponent(options.password)}@`;
  const end = async (signal: NodeJS.Signals) => {
    const running = child;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    // A frozen server would hold a SIGTERM until thawed.
    running.kill("SIGCONT");
    running.kill(signal);
    await exited;
  };
  return {
    port,
    url: `redis://${auth}127.0.0.1:${port}`,
    get pid() {
      return child?.pid;
    },
    stop: () => end("SIGTERM"),
    kill: () => end("SIGKILL"),
    freeze: () => {
      child?.kill("SIGSTOP");
    },
    resume: () => {
      child?.kill("SIGCONT");
    },
    restart: async () => {
      await end("SIGKILL");
      await launch();
    },
    close: async () => {
      await end("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
