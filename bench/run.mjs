/**
 * `npm run bench`: every performance target measured for real, side by side in one run, through the stand-in
 * engine and the real dynamic-provider host against the sandbox. Prints the table and writes
 * bench/results.json (ignored by git). Only `npm run bench -- --write-readme` rewrites the README's
 * "Performance" section, and only from a run at scale 1. BENCH_SCALE (default 1) shrinks the fleet for a quick
 * look.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { coldStart, createThroughHostVsSdk, noopHostMemory, sustainedCreates } from "./lib/creates.mjs";
import { cleanup, engine, machine, machineLabel, ms, ROOT } from "./lib/harness.mjs";
import { installPacked, providerTextSizes } from "./lib/package.mjs";
import { pluginColdStart, pluginVsNoop } from "./lib/plugin.mjs";
import { sharedRateLimit } from "./lib/shared-limit.mjs";
import { valueFromPreview } from "./lib/value-from.mjs";
import { formatTable, updateReadme } from "./lib/report.mjs";
import { RATIO_TARGET, rowsOf } from "./lib/rows.mjs";
import {
  coalescedRefreshAndPreview,
  deployFleet,
  fleetSandbox,
  PARALLEL,
  perIdRefreshCapped,
  unthrottledComparison,
} from "./lib/scenarios.mjs";

const scale = Number(process.env.BENCH_SCALE ?? "1");
/** Never let the per-id path hold the run longer than this (BENCH_PER_ID_CAP_MS for quick looks). */
const PER_ID_CAP_MS = Number(process.env.BENCH_PER_ID_CAP_MS ?? "200000");

const log = (line) => process.stderr.write(`${line}\n`);

/** The one flag: rewrite the README's Performance section from this run (a tracked file; never by default). */
const WRITE_README = "--write-readme";
const unknownArgs = process.argv.slice(2).filter((arg) => arg !== WRITE_README);
if (unknownArgs.length > 0) {
  log(`usage: npm run bench [-- ${WRITE_README}]; unknown argument(s): ${unknownArgs.join(" ")}`);
  process.exit(2);
}
const writeReadme = process.argv.includes(WRITE_README);
const started = Date.now();
const step = (name) => log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${name}`);

/** Runs one benchmark; a failure becomes its figure instead of ending the run. */
async function attempt(name, fn) {
  step(name);
  try {
    return await fn();
  } catch (error) {
    log(`  failed: ${error instanceof Error ? error.message : String(error)}`);
    return { crashed: error instanceof Error ? error.message : String(error) };
  }
}

async function main() {
  const m = machine();
  log(`machine: ${machineLabel(m)}`);
  const results = {
    command: "npm run bench",
    date: new Date().toISOString(),
    machine: m,
    scale,
    parallel: PARALLEL,
  };

  // npm pack + install is not timed: it runs beside the setup, which is not timed either.
  step("in the background: npm pack, and install of the tarball outside the repository");
  const installing = installPacked().catch((error) => ({
    crashed: error instanceof Error ? error.message : String(error),
  }));
  const fleet = await attempt(`setup: up of the fleet (${Math.round(2000 * scale)} resources)`, () =>
    deployFleet(scale),
  );
  if (fleet.crashed) throw new Error(`the setup failed, nothing to measure: ${fleet.crashed}`);
  results.setup = {
    spec: fleet.spec,
    upMs: fleet.upMs,
    operations: fleet.operations,
    rpc: fleet.rpc,
    hostMemoryMB: fleet.memory,
    hostHeapAtEndMB: fleet.heap,
  };
  const state = await engine.readState(fleet.stateFile);
  const providerText = String(
    state.resources.find((r) => r.type.endsWith("tensordock:GenericSecret"))?.inputs.__provider ?? "",
  );

  // The sandbox as it ships: TensorDock at its published 100 requests/min, clients at their default pace.
  const shipped = await fleetSandbox(fleet, "shipped");
  try {
    results.refresh = await attempt("refresh, coalesced (×3), and preview", () =>
      coalescedRefreshAndPreview(fleet, shipped),
    );
    const coalescedMs = results.refresh.medianMs ?? 3_000;
    const capMs = Math.min(PER_ID_CAP_MS, RATIO_TARGET * coalescedMs + 2_000);
    // Rate-limited, the per-id path is idle nearly all the time: the other benchmarks run meanwhile, once its
    // first burst (the unpaced NetActuate reads) is over.
    step(
      `per-id refresh against the same sandbox, in the background, stopped after ${ms(capMs)} if unfinished`,
    );
    const perId = perIdRefreshCapped(fleet, shipped, capMs);
    await perId.settled();

    results.unthrottled = await attempt("refresh with rate limits off: coalesced and per id", () =>
      unthrottledComparison(fleet),
    );
    results.create = await attempt("one create: host vs sdk client", () =>
      createThroughHostVsSdk(providerText),
    );
    results.createWithLatency = await attempt(
      `one create: host vs sdk client, sandbox answering after ${WAN_LATENCY_MS} ms`,
      () => createThroughHostVsSdk(providerText, { latencyMs: WAN_LATENCY_MS, samples: 21 }),
    );
    results.coldStart = await attempt("host cold start to first create", () => coldStart(providerText));
    results.noopHost = await attempt("host memory after 2,000 calls to a provider that does nothing", () =>
      noopHostMemory(Math.round(2000 * scale)),
    );
    results.rate = await attempt("300 creates at a sandbox limit of 600/min", () => sustainedCreates());
    results.sharedLimit = await attempt(
      `4 hosts × ${Math.max(1, Math.round(75 * scale))} creates in one account: shared through Redis, alone, Redis killed halfway`,
      () => sharedRateLimit(scale),
    );
    results.plugin = await attempt(
      `up and refresh of ${Math.max(15, Math.round(1000 * scale))} resources under the real Pulumi CLI: the provider plugin vs a plugin that does nothing`,
      () => pluginVsNoop(scale),
    );
    results.pluginColdStart = await attempt(
      "cold start of the provider plugin, the no-op plugin and the dynamic-provider host",
      () => pluginColdStart(),
    );
    results.valueFrom = await attempt(
      `preview of ${Math.max(1, Math.round(1000 * scale))} TenantSecrets: value vs valueFrom (one variable; one each)`,
      () => valueFromPreview(scale),
    );
    results.providerText = await attempt("__provider text from the packed install", async () => {
      const installed = await installing;
      if (installed.crashed) throw new Error(installed.crashed);
      return providerTextSizes(installed);
    });
    step("waiting for the per-id refresh to finish or reach its cap");
    results.perId = { capMs, ...(await perId.done) };
  } finally {
    await shipped.close();
  }

  results.rows = rowsOf(results);
  results.totalSeconds = Math.round((Date.now() - started) / 1000);
  const table = formatTable(results);
  process.stdout.write(`${table}\n`);
  writeFileSync(path.join(ROOT, "bench", "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  const readme = writeReadme && scale === 1;
  if (readme) updateReadme(results);
  else if (writeReadme) log(`BENCH_SCALE is not 1: ${WRITE_README} ignored, README.md left as it is`);
  log(`done in ${results.totalSeconds} s; wrote bench/results.json${readme ? " and README.md" : ""}`);
}

/** The added latency of the second create comparison: a modest round trip to a vendor API over the internet. */
const WAN_LATENCY_MS = 20;

main()
  .catch((error) => {
    log(`bench failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exitCode = 1;
  })
  .finally(cleanup);
