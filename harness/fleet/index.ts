/**
 * A fleet of provider hosts deploying one account at once, as parallel CI jobs do: `hosts` Node processes,
 * each creating `createsPerHost` TensorDock secrets through the installed provider (see host.ts), started
 * together. With a Redis URL in their environment they share one rate limit; without, each paces alone.
 * The proof of the shared rate limit (test/reliability/shared-rate-limit.test.ts and `npm run bench`).
 */
import { fork } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import type { HostMessage, HostOrders } from "./host";

export { type RedisOptions, type RedisServer, redisServerPath, startRedis } from "./redis";

/** The repository root: hosts load the package installed in its node_modules. */
const ROOT = path.resolve(
  __dirname,
  "..",
  "..",
  ...(__dirname.includes(`${path.sep}.build${path.sep}`) ? [".."] : []),
);

function hostEntry(): string {
  // As the engine's program runner: compiled next to this file, or the TypeScript source through type stripping.
  if (!__filename.endsWith(".ts")) return path.join(__dirname, "host.js");
  const stripsTypes = Boolean((process.features as { typescript?: unknown }).typescript);
  const built = path.join(ROOT, ".build", "harness", "fleet", "host.js");
  return stripsTypes || !existsSync(built) ? path.join(__dirname, "host.ts") : built;
}

/** Options of {@link runFleet}. */
export interface FleetOptions {
  hosts: number;
  createsPerHost: number;
  /** Creates in flight per host, as the engine's default parallelism. @default 16 */
  parallel?: number;
  /** Names are `<prefix>-h<host>-<i>`. */
  prefix: string;
  /** The hosts' settings (TENSORDOCK_*, SECRETSTACK_*); any of those in this process's environment are dropped. */
  env: Record<string, string>;
  /** Runs once when this many creates have succeeded across the fleet (e.g. kills Redis halfway). */
  at?: { created: number; run: () => Promise<void> | void };
  /** Hosts still running after this are killed. @default 600 s */
  timeoutMs?: number;
}

/** What one host reported, and what it wrote to stderr. */
export interface HostResult {
  host: number;
  created: number;
  failed: number;
  errors: string[];
  ms: number;
  stderr: string;
  exitCode: number | null;
  /** How many of its creates this host had reported when `at.run` fired (undefined when it never fired). */
  createdWhenFired?: number;
}

/** The fleet's outcome. */
export interface FleetResult {
  hosts: HostResult[];
  created: number;
  failed: number;
  /** The longest time a host took, from "go" to its last create. */
  slowestMs: number;
}

/** Runs the fleet to completion; never rejects because a create failed (see `failed`). */
export async function runFleet(options: FleetOptions): Promise<FleetResult> {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(TENSORDOCK|WALLETCREW|NETACTUATE|SECRETSTACK)_/.test(name)) env[name] = value;
  }
  let created = 0;
  let fired = false;
  const perHost = new Array<number>(options.hosts).fill(0);
  let whenFired: number[] | undefined;
  const atDone: Promise<void>[] = [];
  const children = Array.from({ length: options.hosts }, (_, host) => {
    const orders: HostOrders = {
      host,
      creates: options.createsPerHost,
      parallel: options.parallel ?? 16,
      prefix: options.prefix,
    };
    const child = fork(hostEntry(), [], {
      cwd: ROOT,
      env: { ...env, ...options.env, FLEET_ORDERS: JSON.stringify(orders) },
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    let stderr = "";
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    let result: Extract<HostMessage, { kind: "result" }> | undefined;
    let markReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    child.on("message", (message: HostMessage) => {
      if (message.kind === "ready") markReady();
      else if (message.kind === "created") {
        created += 1;
        perHost[host] = (perHost[host] ?? 0) + 1;
        if (!fired && options.at !== undefined && created >= options.at.created) {
          fired = true;
          whenFired = [...perHost];
          atDone.push(Promise.resolve(options.at.run()));
        }
      } else if (message.kind === "result") result = message;
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    return {
      host,
      child,
      ready: Promise.race([ready, exited]),
      exited,
      stderr: () => stderr,
      result: () => result,
    };
  });
  const timer = setTimeout(() => {
    for (const { child } of children) child.kill("SIGKILL");
  }, options.timeoutMs ?? 600_000);
  try {
    await Promise.all(children.map((c) => c.ready));
    for (const { child } of children) if (child.connected) child.send("go");
    const codes = await Promise.all(children.map((c) => c.exited));
    await Promise.all(atDone);
    const hosts = children.map((c, i): HostResult => {
      const r = c.result();
      return {
        host: c.host,
        created: r?.created ?? 0,
        failed: r?.failed ?? options.createsPerHost,
        errors: r?.errors ?? [`host ${c.host} reported nothing (exit ${String(codes[i])})`],
        ms: r?.ms ?? Number.NaN,
        stderr: c.stderr(),
        exitCode: codes[i] ?? null,
        ...(whenFired === undefined ? {} : { createdWhenFired: whenFired[i] ?? 0 }),
      };
    });
    return {
      hosts,
      created: hosts.reduce((sum, h) => sum + h.created, 0),
      failed: hosts.reduce((sum, h) => sum + h.failed, 0),
      slowestMs: Math.max(...hosts.map((h) => h.ms)),
    };
  } finally {
    clearTimeout(timer);
    for (const { child } of children) if (child.exitCode === null) child.kill("SIGKILL");
  }
}

/**
 * The sustained rate of a run from the server's side, as the bench measures one host: the requests after the
 * first window's allowance (`perWindow`) over the time from the first request to the last, per minute.
 */
export function sustainedPerMinute(stamps: readonly number[], perWindow: number): number {
  if (stamps.length < 2) return Number.NaN;
  const span = (stamps[stamps.length - 1] ?? 0) - (stamps[0] ?? 0);
  return ((stamps.length - perWindow) / span) * 60_000;
}
