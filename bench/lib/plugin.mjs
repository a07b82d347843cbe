/**
 * The provider plugin under the real Pulumi CLI (built by harness/real-pulumi/build.sh, cached), side by side
 * with a plugin that does nothing (bench/lib/noop-plugin.cjs, the same `main()` with no provider code: the floor
 * of a Node.js plugin under the engine), against the sandbox in this process:
 *
 * - `up --skip-preview` of N resources (1,000 at scale 1) through pulumi-resource-secretstack and through the
 *   no-op plugin, in interleaved rounds (each destroyed, untimed, before the next);
 * - `refresh --yes --skip-preview` of the same two stacks as the last round left them deployed, interleaved,
 *   with the requests our refresh sent, read from the sandbox's own counters; then, for reference, the same
 *   `refresh --yes` with its preview;
 * - each plugin process's resident memory and CPU time, sampled from /proc through every timed command;
 * - the cold start of each plugin (spawn to the port line on its stdout) beside the dynamic-provider host's.
 */
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import {
  counts,
  delta,
  engine,
  hostMemory,
  median,
  now,
  PROGRAM,
  ROOT,
  sandboxes,
  tempDir,
} from "./harness.mjs";
import { CLIENTS_UNPACED } from "./scenarios.mjs";

/** Runs a command to completion without blocking this process (the sandbox here keeps answering). */
function run(command, args, options, onSpawn) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    onSpawn?.(child.pid);
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (out += chunk));
    child.once("error", reject);
    child.once("close", (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`${path.basename(command)} ${args.join(" ")}: ${out.slice(-1500)}`)),
    );
  });
}

/** The directory of the real `pulumi` (built once, then cached). */
async function realCli() {
  return (await run("bash", [path.join(ROOT, "harness", "real-pulumi", "build.sh")], {}))
    .trim()
    .split("\n")
    .pop();
}

/** A YAML project named `name` using the plugin in `pluginDir`, with `resources` (YAML text). */
function project(root, name, pluginPackage, pluginDir, resources) {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, "Pulumi.yaml"),
    `name: ${name}\nruntime: yaml\nplugins:\n  providers:\n    - name: ${pluginPackage}\n      path: ${pluginDir}\nresources:\n${resources}`,
  );
  return dir;
}

/** The executable of the no-op plugin, `pulumi-resource-noop`, written into `dir`. */
function noopPlugin(dir) {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "pulumi-resource-noop");
  writeFileSync(
    file,
    `#!/usr/bin/env node\nrequire(${JSON.stringify(path.join(ROOT, "bench", "lib", "noop-plugin.cjs"))});\n`,
    { mode: 0o755 },
  );
  return file;
}

/** Our plugin's executable, as the package ships it. */
const OUR_PLUGIN = path.join(ROOT, "bin", "pulumi-resource-secretstack");

/**
 * The programs for `n` resources: half TensorDock GenericSecrets, the rest NetActuate SecretValues spread over
 * SecretLists (one list per hundred resources), as the dynamic fleet is made (its refresh is coalesced into one
 * list per API and kind). The no-op program has the same graph: the same counts, each "value" naming its "list".
 */
export function pluginPrograms(n) {
  const tensordock = Math.round(n / 2);
  const lists = Math.max(1, Math.round(n / 100));
  const values = n - tensordock - lists;
  const ours = [];
  const noop = [];
  for (let i = 0; i < tensordock; i++) {
    ours.push(
      `  td${i}:\n    type: secretstack:tensordock:GenericSecret\n    properties:\n      name: bench-td-${i}\n      value: value-${i}\n`,
    );
    noop.push(`  td${i}:\n    type: noop:index:Thing\n    properties:\n      name: td-${i}\n`);
  }
  for (let j = 0; j < lists; j++) {
    ours.push(
      `  list${j}:\n    type: secretstack:netactuate:SecretList\n    properties:\n      name: bench-list-${j}\n`,
    );
    noop.push(`  list${j}:\n    type: noop:index:Thing\n    properties:\n      name: list-${j}\n`);
  }
  for (let i = 0; i < values; i++) {
    const list = `list${i % lists}`;
    ours.push(
      `  value${i}:\n    type: secretstack:netactuate:SecretValue\n    properties:\n      listId: \${${list}.id}\n      key: BENCH_KEY_${i}\n      value: value-${i}\n`,
    );
    noop.push(
      `  value${i}:\n    type: noop:index:Thing\n    properties:\n      name: value-${i}\n      ref: \${${list}.id}\n`,
    );
  }
  return { spec: { tensordock, lists, values, total: n }, ours: ours.join(""), noop: noop.join("") };
}

/** CPU time (user + system) of a process in ms, from /proc/<pid>/stat (clock ticks of 10 ms). */
function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** The parent pid of a process, from /proc/<pid>/stat. */
function parentOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/**
 * The processes of one command: those whose command line names `executable` (the engine runs a plugin as
 * `node <executable> <address>`), and the other children of the CLI (its language host).
 */
function processesOf(executable, cliPid) {
  const plugin = [];
  const others = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (argv.includes(executable)) plugin.push(Number(entry));
      else if (cliPid !== undefined && parentOf(entry) === cliPid) others.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return { plugin, others };
}

/**
 * Samples the processes of one command while it runs, every `intervalMs` (the last sample at most one interval
 * before each exited): the resident set and CPU time of every process of the plugin, and the CPU time of the CLI
 * and of its other children (the YAML language host). The plugin's memory figure is its busiest process's (the
 * engine may also start a plugin only to ask for its schema); its CPU, every process's.
 */
function commandSampler(executable, intervalMs = 100) {
  const plugin = new Map();
  const others = new Map();
  let cliPid;
  let cliCpuMs;
  const timer = setInterval(() => {
    // A scan of /proc takes about a millisecond: a new process is looked for at every tick.
    const found = processesOf(executable, cliPid);
    // A child seen between its fork and its exec still shows the CLI's command line: a plugin process found
    // later is the plugin's, never the language host's.
    for (const pid of found.plugin) {
      if (!plugin.has(pid)) plugin.set(pid, {});
      others.delete(pid);
    }
    for (const pid of found.others) if (!others.has(pid) && !plugin.has(pid)) others.set(pid, undefined);
    for (const [pid, previous] of plugin) {
      const memory = hostMemory(pid);
      const cpu = cpuMs(pid);
      if (memory && Number.isFinite(memory.rssMB) && cpu !== undefined)
        plugin.set(pid, { ...memory, cpuMs: cpu, firstRssMB: previous.firstRssMB ?? memory.rssMB });
    }
    for (const pid of others.keys()) others.set(pid, cpuMs(pid) ?? others.get(pid));
    if (cliPid !== undefined) cliCpuMs = cpuMs(cliPid) ?? cliCpuMs;
  }, intervalMs);
  return {
    onSpawn(pid) {
      cliPid = pid;
    },
    stop() {
      clearInterval(timer);
      const seen = [...plugin.values()].filter((s) => s.cpuMs !== undefined);
      const busiest = seen.reduce((a, b) => (a === undefined || b.cpuMs > a.cpuMs ? b : a), undefined);
      const sum = (list) => list.filter((v) => v !== undefined).reduce((a, b) => a + b, 0);
      return {
        plugin: busiest && { ...busiest, processes: seen.length, cpuMsEach: seen.map((x) => x.cpuMs) },
        cliCpuMs,
        languageHostCpuMs: others.size ? sum([...others.values()]) : undefined,
      };
    },
  };
}

/** Every emulator's counts. */
function allCounts(sandbox) {
  return Object.fromEntries(Object.entries(sandbox.emulators).map(([api, e]) => [api, counts(e)]));
}

/** Requests between two {@link allCounts}: in total, per API and per route (`tensordock POST /api/v2/secrets`). */
function requestsBetween(before, after) {
  const byApi = {};
  const routes = {};
  let total = 0;
  for (const api of Object.keys(after)) {
    const d = delta(before[api], after[api]);
    byApi[api] = d.total;
    total += d.total;
    for (const [route, k] of Object.entries(d.routes)) routes[`${api} ${route}`] = k;
  }
  return { total, byApi, routes };
}

/**
 * One timed command of a project: wall time, the plugin process sampled through it, the CPU time of this process
 * (which runs the sandbox) and the requests the sandbox counted.
 */
async function measured(pulumi, dir, args, executable, sandbox) {
  const sampler = commandSampler(executable);
  const before = allCounts(sandbox);
  const cpuBefore = process.cpuUsage();
  const t = now();
  let sampled;
  try {
    await pulumi(dir, args, sampler.onSpawn);
  } finally {
    sampled = sampler.stop();
  }
  const ms = now() - t;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    ms,
    ...sampled,
    sandboxCpuMs: (cpu.user + cpu.system) / 1000,
    requests: requestsBetween(before, allCounts(sandbox)),
    stateBytes: stateBytes(dir),
  };
}

/** The size of the stack's checkpoint in the file backend (`.pulumi/stacks/<project>/bench.json`). */
function stateBytes(dir) {
  const projectName = path.basename(dir);
  const backend = path.join(path.dirname(dir), "backend", ".pulumi", "stacks", projectName);
  for (const name of ["bench.json", "bench.json.gz"]) {
    try {
      return statSync(path.join(backend, name)).size;
    } catch {
      // Not this one.
    }
  }
  return undefined;
}

/** Medians of the figures of several runs of one command. */
function summary(runs) {
  const m = (f) => {
    const values = runs.map(f).filter((v) => v !== undefined && Number.isFinite(v));
    return values.length ? median(values) : undefined;
  };
  return {
    runs,
    medianMs: m((r) => r.ms),
    pluginRssMB: m((r) => r.plugin?.rssMB),
    pluginPeakMB: m((r) => r.plugin?.peakMB),
    // The CPU of every process of the plugin the command started, summed.
    pluginCpuMs: m((r) => r.plugin?.cpuMsEach.reduce((a, b) => a + b, 0)),
    pluginProcesses: m((r) => r.plugin?.processes),
    cliCpuMs: m((r) => r.cliCpuMs),
    languageHostCpuMs: m((r) => r.languageHostCpuMs),
    stateBytes: m((r) => r.stateBytes),
    sandboxCpuMs: m((r) => r.sandboxCpuMs),
    requests: m((r) => r.requests.total),
  };
}

/**
 * `up` and `refresh` of `n` resources (1,000 at scale 1) through our plugin and the no-op plugin, `rounds` times
 * each, interleaved. Every up but the last round's is destroyed (untimed) before the next; the refreshes then run
 * against the stacks the last up left deployed. Clients unpaced and the sandbox without rate limits, so the
 * figures are the work, not a pace. A refresh that finds a change fails (`--expect-no-changes`): what it timed
 * would not be a refresh of the deployed stack.
 */
export async function pluginVsNoop(scale, rounds = 3) {
  const cli = await realCli();
  const n = Math.max(15, Math.round(1000 * scale));
  const programs = pluginPrograms(n);
  const sandbox = await sandboxes.startSandbox({
    rateLimits: { tensordock: false, netactuate: false, walletcrew: false },
  });
  const root = tempDir("plugin");
  const noopExecutable = noopPlugin(path.join(root, "noop-plugin"));
  const oursProject = project(
    root,
    "bench-secretstack",
    "secretstack",
    path.dirname(OUR_PLUGIN),
    programs.ours,
  );
  const noopProject = project(root, "bench-noop", "noop", path.dirname(noopExecutable), programs.noop);
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PULUMI_"))),
    ...CLIENTS_UNPACED,
    PATH: [path.dirname(process.execPath), cli, process.env.PATH ?? ""].join(path.delimiter),
    PULUMI_BACKEND_URL: `file://${path.join(root, "backend")}`,
    PULUMI_CONFIG_PASSPHRASE: "bench",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_HOME: path.join(root, "home"),
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    TENSORDOCK_API_TOKEN: sandbox.tensordock.apiToken,
    TENSORDOCK_BASE_URL: sandbox.tensordock.baseUrl,
    WALLETCREW_API_KEY: sandbox.walletcrew.apiKey,
    WALLETCREW_BASE_URL: sandbox.walletcrew.baseUrl,
    WALLETCREW_TENANT_ID: sandbox.walletcrew.tenantId,
    NETACTUATE_API_KEY: sandbox.netactuate.apiKey,
    NETACTUATE_BASE_URL: sandbox.netactuate.baseUrl,
  };
  mkdirSync(path.join(root, "backend"));
  const pulumi = (cwd, args, onSpawn) =>
    run(path.join(cli, "pulumi"), [...args, "--non-interactive"], { cwd, env }, onSpawn);
  const sides = [
    { name: "ours", dir: oursProject, executable: OUR_PLUGIN },
    { name: "noop", dir: noopProject, executable: noopExecutable },
  ];
  const up = { ours: [], noop: [] };
  const refresh = { ours: [], noop: [] };
  const withPreview = { ours: [], noop: [] };
  try {
    for (const side of sides) await pulumi(side.dir, ["stack", "init", "bench"]);
    for (let round = 0; round < rounds; round++) {
      for (const side of sides) {
        up[side.name].push(
          await measured(pulumi, side.dir, ["up", "--yes", "--skip-preview"], side.executable, sandbox),
        );
      }
      if (round < rounds - 1)
        for (const side of sides) await pulumi(side.dir, ["destroy", "--yes", "--skip-preview"]);
    }
    const refreshArgs = ["refresh", "--yes", "--expect-no-changes"];
    for (let round = 0; round < rounds; round++) {
      for (const side of sides) {
        const args = [...refreshArgs, "--skip-preview"];
        refresh[side.name].push(await measured(pulumi, side.dir, args, side.executable, sandbox));
      }
    }
    // For reference, the refresh as typed without --skip-preview: the engine reads every resource in its preview
    // and again in the update.
    for (let round = 0; round < rounds; round++) {
      for (const side of sides) {
        withPreview[side.name].push(await measured(pulumi, side.dir, refreshArgs, side.executable, sandbox));
      }
    }
  } finally {
    await sandbox.close();
  }
  const result = (x) => ({ ours: summary(x.ours), noop: summary(x.noop) });
  const u = result(up);
  const r = result(refresh);
  const p = result(withPreview);
  return {
    cli: path.basename(cli),
    resources: n,
    spec: programs.spec,
    rounds,
    up: { ...u, ratio: u.ours.medianMs / u.noop.medianMs },
    refresh: { ...r, ratio: r.ours.medianMs / r.noop.medianMs },
    refreshWithPreview: { ...p, ratio: p.ours.medianMs / p.noop.medianMs },
  };
}

/** Spawn to the first line on stdout (the port), as the engine waits for it; then the process is stopped. */
function startToPort(executable, env) {
  return new Promise((resolve, reject) => {
    const t = now();
    const child = spawn(executable, ["127.0.0.1:0"], { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stderr.on("data", (chunk) => (err += chunk));
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (!out.includes("\n")) return;
      const ms = now() - t;
      const port = Number.parseInt(out, 10);
      child.once("exit", () =>
        Number.isInteger(port) && port > 0 ? resolve(ms) : reject(new Error(`printed "${out.trim()}"`)),
      );
      child.kill("SIGTERM");
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      if (!out.includes("\n"))
        reject(new Error(`${path.basename(executable)} exited (${code}): ${err.slice(-500)}`));
    });
  });
}

/**
 * Cold start to the port line: our plugin, the no-op plugin and the dynamic-provider host (spawn to listening,
 * before any provider code, as coldStart measures it), `runs` times each, interleaved, in one environment: the
 * Node.js compile cache in a fresh directory, as coldStart sets it (the first start of each fills it).
 */
export async function pluginColdStart(runs = 5) {
  const cli = await realCli();
  const root = tempDir("plugin-cold");
  const noopExecutable = noopPlugin(path.join(root, "noop-plugin"));
  const env = {
    ...process.env,
    NODE_COMPILE_CACHE: path.join(root, "compile-cache"),
    PATH: [path.dirname(process.execPath), cli, process.env.PATH ?? ""].join(path.delimiter),
  };
  const times = { ours: [], noop: [], host: [] };
  for (let i = 0; i < runs; i++) {
    times.ours.push(await startToPort(OUR_PLUGIN, env));
    times.noop.push(await startToPort(noopExecutable, env));
    const t = now();
    const host = await engine.ProviderHost.start({ cwd: PROGRAM, env });
    times.host.push(now() - t);
    await host.close();
  }
  const of = (list) => ({ firstMs: list[0], medianMs: median(list), times: list });
  return { runs, ours: of(times.ours), noop: of(times.noop), host: of(times.host) };
}
