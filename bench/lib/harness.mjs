/**
 * What every benchmark shares: the built package (engine, sandbox, clients), the machine label, timers,
 * request counts taken from the sandbox's own statistics, and the provider host's memory from /proc.
 * Everything runs for real: the stand-in engine drives the real `@pulumi/pulumi` dynamic-provider host over
 * gRPC, and the host talks HTTP to emulators on 127.0.0.1.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
/** The benchmark program (see its index.ts for BENCH_SPEC). */
export const PROGRAM = path.join(ROOT, "bench", "program");

/** The built stand-in engine (.build/harness), sandbox (sandbox/dist) and clients (dist); `npm run bench` builds
 * first. */
export const engine = require(path.join(ROOT, ".build", "harness", "engine", "index.js"));
export const sandboxes = require(path.join(ROOT, "sandbox", "dist", "index.js"));
export const sdk = require(path.join(ROOT, "dist", "sdk", "index.js"));

/** The installed `@pulumi/pulumi` version, which the packed-install benchmark installs beside the tarball. */
export const PULUMI_VERSION = JSON.parse(
  readFileSync(path.join(ROOT, "node_modules", "@pulumi", "pulumi", "package.json"), "utf8"),
).version;

/** The machine every absolute time is labelled with. */
export function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model?.trim() ?? "unknown CPU",
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    loadAverageAtStart: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
}

/** `Intel(R) Xeon(R) … × 2 cores, Node v24.x, Linux`: the label printed beside absolute times. */
export function machineLabel(m) {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}`;
}

/** Milliseconds since an arbitrary origin, with sub-millisecond resolution. */
export const now = () => performance.now();

/** The median of a list of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A fresh temporary directory, removed by {@link cleanup}. */
const temps = [];
export function tempDir(label) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `secretstack-bench-${label}-`));
  temps.push(dir);
  return dir;
}

/** Removes every temporary directory made by {@link tempDir}. */
export function cleanup() {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A copy of a state file (each benchmark works on its own, so none sees another's changes or lock). */
export function copyState(stateFile, label) {
  const copy = path.join(tempDir(`state-${label}`), "dev.json");
  cpSync(stateFile, copy);
  return copy;
}

/** Total requests an emulator counted, and per route. */
export function counts(emulator) {
  const stats = emulator.stats();
  return { total: stats.total, requests: stats.requests, rateLimited: stats.rateLimited };
}

/** Requests counted between two snapshots of {@link counts}, by route (statuses summed) and in total. */
export function delta(before, after) {
  const routes = {};
  for (const [route, byStatus] of Object.entries(after.requests)) {
    const sum = (m) => Object.values(m ?? {}).reduce((a, b) => a + b, 0);
    const n = sum(byStatus) - sum(before.requests[route]);
    if (n > 0) routes[route] = n;
  }
  return { total: after.total - before.total, routes, rateLimited: after.rateLimited - before.rateLimited };
}

/** The environment of the provider host and program for one sandbox. */
export function sandboxEnv(sandbox, extra = {}) {
  return {
    TENSORDOCK_API_TOKEN: sandbox.tensordock.apiToken,
    TENSORDOCK_BASE_URL: sandbox.tensordock.baseUrl,
    NETACTUATE_API_KEY: sandbox.netactuate.apiKey,
    NETACTUATE_BASE_URL: sandbox.netactuate.baseUrl,
    WALLETCREW_API_KEY: sandbox.walletcrew.apiKey,
    WALLETCREW_TENANT_ID: sandbox.walletcrew.tenantId,
    WALLETCREW_BASE_URL: sandbox.walletcrew.baseUrl,
    ...extra,
  };
}

/** `/proc/<pid>/status` memory in MB (10^6 bytes): current resident set (VmRSS) and its peak (VmHWM). */
export function hostMemory(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    // The kernel's "kB" are KiB.
    const mb = (name) =>
      (Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN) * 1024) / 1e6;
    return { rssMB: mb("VmRSS"), peakMB: mb("VmHWM") };
  } catch {
    return undefined;
  }
}

/**
 * Samples the memory of the engine's provider host every `intervalMs` while a command runs. `first` is taken
 * just after the host listens (before any operation), `last` at most one interval before the host stopped.
 */
export function memorySampler(intervalMs = 100) {
  const sampler = { first: undefined, last: undefined, pid: undefined, timer: undefined };
  sampler.onHost = (host) => {
    sampler.pid = host.pid;
    sampler.timer = setInterval(() => {
      const sample = hostMemory(host.pid);
      if (!sample || !Number.isFinite(sample.rssMB)) return;
      sampler.first ??= sample;
      sampler.last = sample;
    }, intervalMs);
  };
  sampler.stop = () => clearInterval(sampler.timer);
  return sampler;
}

/** Runs an engine command and returns its summary and wall time; a failed run still returns its summary. */
export async function timed(command, options) {
  const started = now();
  try {
    const summary = await engine[command](options);
    return { summary, ms: now() - started };
  } catch (error) {
    if (error?.summary) return { summary: error.summary, ms: now() - started, error: error.message };
    throw error;
  }
}

/** Formats milliseconds as `812 ms` or `2.41 s`. */
export function ms(value) {
  return value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(2)} s`;
}
