/**
 * The table: each target of the performance issue with the figure this run measured, whether it is met, and,
 * for a miss, what the same run measured about its cause.
 */
import { ms } from "./harness.mjs";

/** The per-id path must take this many times as long as the coalesced refresh. */
export const RATIO_TARGET = 50;

const mb = (v) => `${Math.round(v)} MB`;
/** Milliseconds with one decimal: the create comparison works in single milliseconds. */
const ms1 = (v) => `${v.toFixed(1)} ms`;
const pct = (v) => `${Math.round(v * 100)}%`;
const crashed = (x) => x === undefined || x.crashed !== undefined;

/** Builds the rows from a run's results (see run.mjs for their shape). */
export function rowsOf(r) {
  const rows = [];
  const row = (metric, target, figure, met, why) =>
    rows.push({ metric, target, figure, met, ...(why ? { why } : {}) });
  const failedRow = (metric, target, x) => row(metric, target, `failed: ${x?.crashed ?? "not run"}`, false);
  const n = (count) => Math.round(count * r.scale).toLocaleString("en-US");
  const hostAlone = r.coldStart && !crashed(r.coldStart) ? r.coldStart.bareHostMedianMs : undefined;

  const refresh = r.refresh;
  const refreshMetric = `refresh of ${n(1000)} TensorDock + ${n(1000)} NetActuate resources, parallelism ${r.parallel}: requests to those APIs`;
  if (crashed(refresh)) failedRow(refreshMetric, "≤ 6 in total", refresh);
  else {
    const worst = refresh.runs.reduce((a, b) => (b.requests.total >= a.requests.total ? b : a));
    row(
      refreshMetric,
      "≤ 6 in total",
      `${worst.requests.total} (TensorDock ${worst.requests.tensordock}, NetActuate ${worst.requests.netactuate}; the most of ${refresh.runs.length} runs)`,
      refresh.maxRequests <= 6 && refresh.runs.every((x) => x.failed === 0),
    );
    row(
      "the same refresh: wall time against the sandbox",
      "≤ 3 s",
      `${ms(refresh.medianMs)} (median of ${refresh.runs.length}: ${refresh.runs.map((x) => ms(x.ms)).join(", ")})`,
      refresh.medianMs <= 3000,
      `The refresh sends ${refresh.maxRequests} requests; its time is spent in the engine and the provider host: starting the host` +
        (hostAlone
          ? ` (${ms(hostAlone)} in this run before any provider code runs, loading \`@pulumi/pulumi\`)`
          : "") +
        `, loading the state, and ${n(2000)} Read calls over gRPC, each a protobuf Struct both ways, on ${r.machine.cores} cores` +
        ` shared with the sandbox (load average ${r.machine.loadAverageAtStart[0]} when the run began).`,
    );
    const p = r.perId;
    if (p && !crashed(p)) {
      const ratio = refresh.medianMs / p.elapsedMs;
      const tdReads = p.requests.routes["GET /api/v2/secrets/:id"] ?? 0;
      row(
        "the same refresh vs the per-id read path, same sandbox, same run",
        "≤ 1/50",
        p.stopped
          ? `< 1/${Math.floor(1 / ratio)}: the per-id path had not finished after ${ms(p.elapsedMs)} (stopped there; ${tdReads} of ${n(1000)} TensorDock reads done at the published 100/min)`
          : `1/${Math.round(1 / ratio)} (per-id path: ${ms(p.elapsedMs)}, ${p.requests.total} requests)`,
        1 / ratio >= RATIO_TARGET,
        p.stopped && p.elapsedMs < RATIO_TARGET * refresh.medianMs
          ? `The per-id path is rate-limited (one TensorDock GET per resource at 100/min: about ten minutes); the run stops it at ${ms(p.capMs)} to stay near five minutes, which proves only this bound when the coalesced refresh takes more than ${ms(p.capMs / RATIO_TARGET)}.`
          : undefined,
      );
    }
  }
  const u = r.unthrottled;
  if (u && !crashed(u)) {
    row(
      "  for reference, both paths with every rate limit off: coalesced vs per id",
      "—",
      `${ms(u.coalesced.ms)} vs ${ms(u.perId.ms)} (${u.coalesced.requests.total} vs ${u.perId.requests.total} requests)`,
      undefined,
    );
  }
  if (!crashed(refresh)) {
    const pv = refresh.preview;
    row(
      `preview (check + diff) of ${n(2000)} resources: network requests`,
      "0",
      `${pv.requests} (${pv.rpc.Check} Check + ${pv.rpc.Diff} Diff calls, ${pv.planned} changes planned)`,
      pv.requests === 0 && pv.planned === 0,
    );
  }

  const rate = r.rate;
  const rateMetric = "300 TensorDock creates against a sandbox limit of 600/min: achieved rate";
  if (crashed(rate)) failedRow(rateMetric, "≥ 90% of the limit, 0 requests answered 429", rate);
  else
    row(
      rateMetric.replace(
        "600/min",
        `${rate.limit.perMinute}/min (${rate.limit.perWindow} per ${rate.limit.windowMs / 1000}-s window)`,
      ),
      "≥ 90% of the limit, 0 requests answered 429",
      `${pct(rate.fractionOfLimit)} (${Math.round(rate.sustainedPerMinute)}/min sustained, ${rate.requests} requests in ${ms(rate.spanMs)}), ${rate.answered429} × 429`,
      rate.fractionOfLimit >= 0.9 && rate.answered429 === 0 && rate.created === rate.creates,
    );

  sharedLimitRows(r, row, failedRow, n);
  valueFromRows(r, row, failedRow);

  const c = r.create;
  const w = r.createWithLatency;
  const createMetric =
    "one create through the host vs the same call made directly with the sdk client, median";
  if (crashed(c)) failedRow(createMetric, "≤ 1.3×", c);
  else
    row(
      createMetric,
      "≤ 1.3×",
      `${c.ratio.toFixed(2)}× (host ${ms1(c.hostMs)}, sdk ${ms1(c.sdkMs)}; loopback, no added latency)`,
      c.ratio <= 1.3,
      `In a warm host the provider's create sends one POST, as the sdk call does (its baseline list is shared for 10 s). ` +
        (c.hostNoopMs !== undefined
          ? `The same Create call to a provider that does nothing takes ${ms1(c.hostNoopMs)} in this run: the host's ` +
            `own gRPC and protobuf work, which the unmodified \`@pulumi/pulumi\` host adds to every call, is ` +
            `${Math.round((100 * c.hostNoopMs) / c.sdkMs)}% of a loopback POST. `
          : "") +
        (w && !crashed(w)
          ? `Across a network it fades: with the sandbox answering after ${w.latencyMs} ms, host ${ms1(w.hostMs)} vs sdk ` +
            `${ms1(w.sdkMs)} = ${w.ratio.toFixed(2)}× (next row).`
          : ""),
    );
  if (w && !crashed(w)) {
    row(
      `  the same with the sandbox answering after ${w.latencyMs} ms (a vendor API across the internet)`,
      "—",
      `${w.ratio.toFixed(2)}× (host ${ms1(w.hostMs)}, sdk ${ms1(w.sdkMs)}; a list + POST sent directly: ${ms1(w.sdkListAndCreateMs)})`,
      undefined,
    );
  }

  const cold = r.coldStart;
  if (crashed(cold)) failedRow("host cold start to first completed create", "≤ 400 ms", cold);
  else
    row(
      "host cold start to first completed create",
      "≤ 400 ms",
      `${ms(cold.medianMs)} (median of ${cold.runs})`,
      cold.medianMs <= 400,
      `The host alone, from spawn to listening and before any provider code is loaded, takes ${ms(cold.bareHostMedianMs)} ` +
        "here (median of the same number of starts): it loads `@pulumi/pulumi`. The provider's modules (zod, axios) and " +
        "the first Configure, Check and Create take the rest.",
    );

  pluginRows(r, row, failedRow);

  const t = r.providerText;
  const textMetric = "`__provider` text per resource when installed from the packed tarball";
  if (crashed(t)) failedRow(textMetric, "≤ 2 KB", t);
  else {
    const all = Object.values(t.byType).every((x) => x.requiresInstalledPackage);
    row(
      textMetric,
      "≤ 2 KB",
      `${t.largestBytes} B (the largest of ${Object.keys(t.byType).length} resource types; ${all ? "each a require() of the package" : "NOT all a require() of the package"})`,
      t.largestBytes <= 2048 && all,
    );
  }

  const mem = r.setup?.hostMemoryMB;
  const heap = r.setup?.hostHeapAtEndMB;
  const floor = r.noopHost;
  const reads = r.refresh?.hostMemoryMB;
  const afterReads = reads ? `; at the end of a ${n(2000)}-read refresh: ${mb(reads.rssMB)}` : "";
  row(
    `host resident memory after ${n(2000)} operations`,
    "≤ 200 MB",
    mem
      ? `${mb(mem.rssMB)} (VmRSS at the end of the ${n(2000)}-create up, peak ${mb(mem.peakMB)}${afterReads})`
      : "not sampled",
    mem ? mem.rssMB <= 200 && (reads === undefined || reads.rssMB <= 200) : false,
    mem?.atStartMB
      ? `The host holds ${mb(mem.atStartMB)} before its first operation (\`@pulumi/pulumi\` loaded). V8 then lets the heap grow with the ` +
          "garbage of thousands of gRPC calls (protobuf Structs both ways) and HTTP requests before it collects." +
          (heap
            ? ` At the end of the same up the host's V8 heap spanned ${mb(heap.heapTotalMB)}; one full collection left ` +
              `${mb(heap.liveHeapMB)} of live data in it: the rest was garbage, not a leak.`
            : "") +
          (floor && !crashed(floor)
            ? ` The same host serving a provider that does nothing and sends nothing holds ${mb(floor.rssMB)} after ` +
              `${n(2000)} Check + Create calls (${mb(floor.atStartMB)} before them): the floor no provider can go under.`
            : "")
      : undefined,
  );
  return rows;
}

/** Seconds with one decimal. */
const s1 = (v) => `${(v / 1000).toFixed(1)} s`;

/**
 * Four hosts deploying one account: shared through Redis (the target), each alone (for comparison), and shared
 * with Redis killed halfway. Below scale 1 too few windows pass to judge a rate: only the counts decide.
 */
function sharedLimitRows(r, row, failedRow, n) {
  const x = r.sharedLimit;
  const perHost = n(75);
  const metric = `4 hosts × ${perHost} TensorDock creates in one account, limit shared through Redis (sandbox 600/min, 10 per 1-s window): aggregate rate`;
  const target = "≥ 90% of the limit, 0 requests answered 429";
  if (crashed(x)) {
    failedRow(metric, target, x);
    return;
  }
  const { shared, alone, killed } = x;
  const judgeRate = r.scale >= 1;
  row(
    metric,
    target,
    `${judgeRate ? pct(shared.fractionOfLimit) : "not judged below scale 1"} (${Math.round(shared.sustainedPerMinute)}/min sustained, ${shared.requests} requests in ${ms(shared.spanMs)}), ${shared.answered429} × 429, ${shared.created} of ${shared.creates} created, slowest host ${s1(shared.slowestHostMs)}`,
    (!judgeRate || shared.fractionOfLimit >= 0.9) &&
      shared.answered429 === 0 &&
      shared.created === shared.creates &&
      shared.duplicates === 0,
  );
  row(
    "  the same, each host pacing alone (no Redis)",
    "—",
    `${alone.answered429} × 429, ${alone.created} of ${alone.creates} created` +
      (alone.failed > 0 ? ` (${alone.failed} failed after 4 attempts)` : "") +
      `, slowest host ${s1(alone.slowestHostMs)}`,
    undefined,
  );
  row(
    "  the same shared through Redis, Redis killed halfway",
    "every create succeeds, no duplicate",
    `${killed.created} of ${killed.creates} created, ${killed.duplicates} duplicates, ${killed.answered429} × 429, ` +
      `notices per host ${killed.noticesPerHost.join("/")}, slowest host ${s1(killed.slowestHostMs)}`,
    // A host that finished before Redis died has nothing to say; none says it twice.
    killed.created === killed.creates &&
      killed.duplicates === 0 &&
      killed.noticesPerHost.every((k) => k <= 1) &&
      killed.noticesPerHost.some((k) => k === 1),
  );
}

/** The preview of many `valueFrom` secrets beside the same preview with plain values (see value-from.mjs). */
function valueFromRows(r, row, failedRow) {
  const v = r.valueFrom;
  const metric = (what) => `preview of ${v?.count?.toLocaleString("en-US") ?? "N"} TenantSecrets, ${what}`;
  if (crashed(v)) {
    failedRow(metric("valueFrom (one variable) vs plain value"), "≤ 1.5×, 0 requests", v);
    return;
  }
  const clean = (x) => x.requests === 0 && x.runs.every((run) => run.changes === 0 && !run.error);
  const ratio = (x) => `${(x.medianMs / v.plain.medianMs).toFixed(2)}×`;
  row(
    metric("valueFrom, one variable read by all, vs plain value"),
    "≤ 1.5×, 0 requests, no change",
    `${ratio(v.shared)} (${ms(v.shared.medianMs)} vs ${ms(v.plain.medianMs)}; medians of 2, interleaved), ${v.shared.requests} requests`,
    v.shared.medianMs <= 1.5 * v.plain.medianMs && clean(v.shared) && clean(v.plain),
  );
  row(
    metric("valueFrom, a variable of its own each, vs plain value"),
    "0 requests, no change; time reported",
    `${ratio(v.distinct)} (${ms(v.distinct.medianMs)}), ${v.distinct.requests} requests; one scrypt derivation (N=2^15, r=8) takes ${ms1(v.derivationMs)} here`,
    clean(v.distinct),
    `Each distinct value costs one memory-hard derivation per process (that cost is what protects a guessable value from whoever holds the state), on the libuv thread pool: ${v.count} distinct values take about ${v.count} × ${ms1(v.derivationMs)} / min(4 threads, ${r.machine.cores} cores).`,
  );
}

/** Seconds of CPU with one decimal. */
const cpu = (v) => (v === undefined ? "not sampled" : `${(v / 1000).toFixed(1)} s`);
/** Bytes as kB (10^3). */
const kb = (v) => (v === undefined ? "not read" : `${Math.round(v / 1000)} kB`);
/** A ratio with two decimals. */
const times = (v) => `${v.toFixed(2)}×`;

/** Requests by route, most first: `1 tensordock GET /api/v2/secrets, …`. */
function routesText(routes) {
  return Object.entries(routes)
    .sort((a, b) => b[1] - a[1])
    .map(([route, k]) => `${k} ${route}`)
    .join(", ");
}

/**
 * The provider plugin under the real Pulumi CLI beside a plugin that does nothing (see plugin.mjs): up and
 * refresh of the same stacks, the requests of the refresh, each plugin's cold start and resident memory.
 */
function pluginRows(r, row, failedRow) {
  const p = r.plugin;
  const size = p && !crashed(p) ? `${p.resources.toLocaleString("en-US")} resources` : "N resources";
  const upMetric = `\`pulumi up --skip-preview\` of ${size} under the real Pulumi CLI (YAML): the provider plugin vs a plugin that does nothing`;
  const refreshMetric = `\`pulumi refresh --yes --skip-preview\` of the same ${size}, deployed: the provider plugin vs the no-op plugin`;
  const requestsMetric = "the same refresh: requests to the sandbox APIs";
  if (crashed(p)) {
    failedRow(upMetric, "≤ 1.2×", p);
    failedRow(refreshMetric, "≤ 1.2×", p);
    failedRow(requestsMetric, "≤ 3", p);
  } else {
    const { up, refresh, refreshWithPreview: preview } = p;
    const cores = r.machine.cores;
    const side = (x) =>
      `${times(x.ratio)} (${ms(x.ours.medianMs)} vs ${ms(x.noop.medianMs)}; medians of ${p.rounds} each, interleaved)`;
    /** What one command cost each side, from the same runs (medians). */
    const c = r.pluginColdStart;
    const starts =
      c && !crashed(c)
        ? `; one start to its port line takes ${ms(c.ours.medianMs)} vs ${ms(c.noop.medianMs)}, cold start row`
        : "";
    const total = (y) =>
      [y.cliCpuMs, y.languageHostCpuMs, y.pluginCpuMs, y.sandboxCpuMs].reduce((a, b) => a + (b ?? 0), 0);
    /** Where the CPU of one command went, each side (medians of the same runs), against its wall time. */
    const costs = (x) =>
      `CPU, ours vs the no-op plugin's: the CLI ${cpu(x.ours.cliCpuMs)} vs ${cpu(x.noop.cliCpuMs)}, the YAML language ` +
      `host ${cpu(x.ours.languageHostCpuMs)} vs ${cpu(x.noop.languageHostCpuMs)}, the plugin ${cpu(x.ours.pluginCpuMs)} ` +
      `vs ${cpu(x.noop.pluginCpuMs)} (in ${x.ours.pluginProcesses} vs ${x.noop.pluginProcesses} processes started by ` +
      `the CLI${starts}), the sandbox's process ${cpu(x.ours.sandboxCpuMs)} vs ${cpu(x.noop.sandboxCpuMs)}: ` +
      `${cpu(total(x.ours))} vs ${cpu(total(x.noop))} in all, against wall times of ${ms(x.ours.medianMs)} vs ` +
      `${ms(x.noop.medianMs)} on ${cores} cores (load average ${r.machine.loadAverageAtStart[0]} when the run began). ` +
      `Of the ${cpu(total(x.ours) - total(x.noop))} more CPU, the CLI's is ${cpu(x.ours.cliCpuMs - x.noop.cliCpuMs)}, ` +
      `the plugin's ${cpu(x.ours.pluginCpuMs - x.noop.pluginCpuMs)}, the sandbox's ` +
      `${cpu(x.ours.sandboxCpuMs - x.noop.sandboxCpuMs)}. The stack's state file: ${kb(x.ours.stateBytes)} vs ` +
      `${kb(x.noop.stateBytes)}.`;
    const upRequests = up.ours.runs[up.ours.runs.length - 1].requests;
    row(
      upMetric,
      "≤ 1.2×",
      side(up),
      up.ratio <= 1.2,
      `${p.spec.tensordock} TensorDock GenericSecrets, ${p.spec.lists} NetActuate SecretLists and ${p.spec.values} SecretValues; ` +
        `our last up sent ${upRequests.total} requests to the sandbox (${routesText(upRequests.routes)}): one POST per ` +
        `resource, the rest the shared baseline lists of the creates. ${costs(up)}`,
    );
    const worst = refresh.ours.runs.reduce((a, b) => (b.requests.total >= a.requests.total ? b : a));
    row(
      refreshMetric,
      "≤ 1.2×",
      side(refresh),
      refresh.ratio <= 1.2,
      `The refresh sent ${refresh.ours.requests} requests (median). ${costs(refresh)}`,
    );
    row(
      requestsMetric,
      "≤ 3",
      `${worst.requests.total} (${routesText(worst.requests.routes)}; the most of ${refresh.ours.runs.length} runs)`,
      worst.requests.total <= 3,
      `${worst.requests.total} requests for ${p.resources} reads: ${routesText(worst.requests.routes)}.`,
    );
    const previewWorst = preview.ours.runs.reduce((a, b) => (b.requests.total >= a.requests.total ? b : a));
    const busy = previewWorst.plugin?.cpuMsEach?.filter((v) => v >= 100).length;
    row(
      "  for reference, the same `refresh --yes` with its preview (which reads every resource too)",
      "—",
      `${side(preview)}, ${previewWorst.requests.total} requests (${routesText(previewWorst.requests.routes)})` +
        (busy === undefined ? "" : `, ${busy} plugin processes with ≥ 0.1 s of CPU each`),
      undefined,
    );
    const m = up.ours;
    const host = r.setup?.hostMemoryMB;
    row(
      `provider plugin resident memory at the end of the up of ${size}`,
      "—",
      `${mb(m.pluginRssMB)} (VmRSS, peak ${mb(m.pluginPeakMB)}, medians of ${p.rounds}); the no-op plugin ` +
        `${mb(up.noop.pluginRssMB)}` +
        (host
          ? `; the dynamic-provider host ${mb(host.rssMB)} at the end of the ${(r.setup.operations ?? 0).toLocaleString("en-US")}-create up of the fleet`
          : ""),
      undefined,
    );
  }
  const c = r.pluginColdStart;
  const coldMetric = "provider plugin cold start: spawn to the port line on stdout";
  if (crashed(c)) failedRow(coldMetric, "—", c);
  else
    row(
      coldMetric,
      "—",
      `${ms(c.ours.medianMs)} (first ${ms(c.ours.firstMs)}); the no-op plugin ${ms(c.noop.medianMs)}, the dynamic-provider ` +
        `host ${ms(c.host.medianMs)} (spawn to listening); medians of ${c.runs} each, interleaved, Node.js compile cache on as for the host's cold start`,
      undefined,
    );
}
