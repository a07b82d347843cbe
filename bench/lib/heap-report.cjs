/**
 * A diagnostic hook the fleet's `up` loads into its processes with `--require` (and `--expose-gc`). In the
 * provider host only, on SIGTERM (the engine's way of stopping it), it runs one full garbage collection and
 * writes the host's memory to BENCH_HEAP_REPORT before exiting: how much of the resident set is live data and
 * how much is heap V8 had reserved for garbage. It changes nothing else: the host collects as it always does.
 */
const { writeFileSync } = require("node:fs");

const out = process.env.BENCH_HEAP_REPORT;
const isHost = /dynamic-provider/.test(process.argv[1] ?? "");
if (out && isHost && typeof globalThis.gc === "function") {
  process.once("SIGTERM", () => {
    const mb = (bytes) => Math.round((bytes / 1e6) * 10) / 10;
    const before = process.memoryUsage();
    globalThis.gc();
    const after = process.memoryUsage();
    writeFileSync(
      out,
      JSON.stringify({
        rssMB: mb(before.rss),
        heapTotalMB: mb(before.heapTotal),
        heapUsedMB: mb(before.heapUsed),
        liveHeapMB: mb(after.heapUsed),
        externalMB: mb(after.external),
      }),
    );
    process.exit(0);
  });
}
