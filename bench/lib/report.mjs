/** The benchmark's outputs: the table printed to stdout and the README's "Performance" section. */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { machineLabel, ROOT } from "./harness.mjs";

const START = "<!-- BENCH:START -->";
const END = "<!-- BENCH:END -->";

const verdict = (met) => (met === undefined ? "" : met ? "met" : "MISSED");

/** The table as aligned plain text, with the machine every absolute time was measured on and notes on misses. */
export function formatTable(results) {
  const header = ["metric", "target", "measured", ""];
  const lines = results.rows.map((r) => [r.metric, r.target, r.figure, verdict(r.met)]);
  const widths = header.map((h, i) => Math.min(70, Math.max(h.length, ...lines.map((l) => l[i].length))));
  const pad = (text, width) => (text.length > width ? text : text.padEnd(width));
  const render = (cells) =>
    cells
      .map((c, i) => pad(c, widths[i]))
      .join("  ")
      .trimEnd();
  const missed = results.rows.filter((r) => r.met === false && r.why);
  return [
    `Absolute times measured on: ${machineLabel(results.machine)}`,
    "",
    render(header),
    render(widths.map((w) => "-".repeat(w))),
    ...lines.map(render),
    "",
    `${results.rows.filter((r) => r.met === true).length} of ${results.rows.filter((r) => r.met !== undefined).length} targets met; the run took ${results.totalSeconds} s`,
    ...(missed.length
      ? [
          "",
          "Missed, and what this run measured about why:",
          ...missed.map((r) => `- ${r.metric.trim()}: ${r.why}`),
        ]
      : []),
  ].join("\n");
}

const cell = (text) => text.replace(/\|/g, "\\|");

/** The Markdown section between the BENCH markers. */
export function readmeSection(results) {
  const m = results.machine;
  const missed = results.rows.filter((r) => r.met === false && r.why);
  return [
    START,
    "## Performance",
    "",
    "Measured by `npm run bench` (about five minutes; `npm run bench -- --write-readme` rewrites this section from",
    "the run): the stand-in engine drives the real `@pulumi/pulumi` dynamic-provider host over gRPC against the",
    "sandbox, and every figure below comes from one run of it. Counts and ratios hold on any machine; absolute",
    "times were measured on",
    `${machineLabel(m)} (load average ${m.loadAverageAtStart.join(", ")} when the run began), on ${results.date.slice(0, 10)}.`,
    "",
    "| metric | target | measured | |",
    "|---|---|---|---|",
    ...results.rows.map(
      (r) => `| ${cell(r.metric.trim())} | ${cell(r.target)} | ${cell(r.figure)} | ${verdict(r.met)} |`,
    ),
    "",
    ...(missed.length
      ? [
          "Missed in this run, and what the same run measured about why:",
          ...missed.map((r) => `- ${r.metric.trim()}: ${r.why}`),
          "",
        ]
      : []),
    "How each figure is taken:",
    "- Refresh: a fleet of 1,000 `tensordock.GenericSecret`, 10 `netactuate.SecretList` and 990",
    "  `netactuate.SecretValue` is deployed, then refreshed three times with parallelism 16 against the sandbox as",
    "  it ships (TensorDock at its published 100 requests/min, clients at their default pace). Requests are the",
    "  sandbox's own counts. Concurrent reads of one account share one list request (a 5 ms batching window,",
    "  `SECRETSTACK_READ_BATCH_MS`); the host process lives for one operation and drops a snapshot when it writes",
    "  to the account, so no read is served data from before its operation began. A resource missing from the",
    "  list is confirmed with its own GET before it counts as gone; a failed list falls back to per-id reads.",
    "- Per-id read path: the same refresh with `SECRETSTACK_READ_COALESCE=0`, against the same sandbox. At the",
    "  published limit it needs about ten minutes, so the run stops it once it has taken 50 times as long as the",
    "  coalesced refresh (at most 200 s) and reports the bound that proves; the other benchmarks run while it",
    "  waits on the rate limiter. The reference row repeats both paths with every rate limit off.",
    "- Rate: the sandbox enforces 600 requests per minute in 1-second windows (10 each), so the run spans many",
    "  windows; the client is set to the same limit and paces itself from the `X-RateLimit-*` headers. The rate",
    "  counts the requests after the first window's allowance, over the time from the first request to the last.",
    "- Shared limit: four provider hosts in four processes (harness/fleet: each loads the installed provider and",
    "  drives it as the host does, 16 creates in flight) each create 75 secrets in one account, started together,",
    "  against a fresh sandbox at 600 requests per minute in 1-s windows, clients set to 600/min. Three runs: with",
    "  `SECRETSTACK_RATE_LIMIT_REDIS_URL` pointing at a real `redis-server` on loopback; without it (each host",
    "  alone); and with it, Redis killed (SIGKILL) once half the creates are done. Rate as above, over all hosts;",
    "  429s are the sandbox's own count, duplicates counted by name in the sandbox afterwards.",
    "- Create: the median of 41 alternating samples of the Create call on one warm host, of the same call to a",
    "  provider that does nothing (the host's own cost), and of the sdk client's `create`, rate limits off, the",
    "  sandbox in a process of its own (so both cross a process boundary). The second comparison (21 samples)",
    "  delays every answer of the sandbox by 20 ms, as a vendor API across the internet would. Creates share their",
    "  baseline list for 10 s (`SECRETSTACK_CREATE_BASELINE_MS`), so a warm host sends one POST per create.",
    "- Cold start: spawn of the host process to a completed Configure + Check + Create, Node's compile cache on",
    "  as the engine sets it. Memory: the host's VmRSS from `/proc/<pid>/status`, sampled every 100 ms during the",
    "  fleet's `up` and its first refresh. `__provider`: `npm pack`, installed with `@pulumi/pulumi` into a",
    "  directory outside the repository, one resource of each kind deployed.",
    "- Provider plugin: the real Pulumi CLI (harness/real-pulumi) runs a YAML program of 1,000 resources (500",
    "  TensorDock GenericSecrets, 10 NetActuate SecretLists, 490 SecretValues) through pulumi-resource-secretstack",
    "  and one of the same shape through a plugin that does nothing (the same `main()`, no provider code), rate",
    "  limits off: `up --skip-preview` three times each, interleaved (destroyed between, untimed), then `refresh",
    "  --yes --skip-preview` of the stacks the last up left deployed, three times each, interleaved; ratios of",
    "  the medians. Requests are the sandbox's own counts; CPU times and VmRSS are sampled from /proc every 100 ms",
    "  for the CLI, its language host and every plugin process. Cold start: spawn of each plugin to the port line",
    "  on its stdout, interleaved with the host's spawn to listening, compile cache on.",
    "",
    "Each run writes its raw figures to `bench/results.json`, which git ignores.",
    END,
  ].join("\n");
}

/** Replaces the section between the markers, or inserts it before "## Known limits" (or at the end). */
export function updateReadme(results) {
  const file = path.join(ROOT, "README.md");
  const text = readFileSync(file, "utf8");
  const section = readmeSection(results);
  let next;
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start >= 0 && end > start) next = `${text.slice(0, start)}${section}${text.slice(end + END.length)}`;
  else {
    const anchor = text.indexOf("## Known limits");
    next =
      anchor >= 0
        ? `${text.slice(0, anchor)}${section}\n\n${text.slice(anchor)}`
        : `${text.trimEnd()}\n\n${section}\n`;
  }
  writeFileSync(file, next);
}
