/**
 * The preview of many secrets whose value comes from `valueFrom`, beside the same preview with plain `value`,
 * side by side in one run: three stacks of The Wallet Crew secrets (plain values; one variable read by every
 * resource; a variable of its own for each), each deployed once (not timed), then previewed in turn, twice
 * each, interleaved. The preview reads each source and compares its scrypt fingerprint with the state's.
 */
import { scrypt } from "node:crypto";
import * as path from "node:path";
import { counts, delta, median, now, PROGRAM, sandboxEnv, sandboxes, tempDir, timed } from "./harness.mjs";
import { PARALLEL } from "./scenarios.mjs";

const VARIANTS = ["plain", "shared", "distinct"];
const UNLIMITED = { rateLimits: { tensordock: false, netactuate: false, walletcrew: false } };

/** The environment of a variant: its program spec and the variables its resources read. */
function envOf(sandbox, variant, count) {
  const values = {};
  if (variant === "shared") values.BENCH_VALUE = "bench-shared-value";
  if (variant === "distinct") {
    for (let i = 0; i < count; i += 1) values[`BENCH_VALUE_${i}`] = `bench-value-${i}`;
  }
  const spec = {
    walletcrew: count,
    prefix: `vf-${variant}`,
    ...(variant === "plain" ? {} : { valueFrom: variant }),
  };
  return sandboxEnv(sandbox, { ...values, BENCH_SPEC: JSON.stringify(spec) });
}

/** Milliseconds of one scrypt derivation with the provider's cost, the median of `times` in this process. */
async function derivationMs(times = 9) {
  const cost = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
  const samples = [];
  for (let i = 0; i < times; i += 1) {
    const started = now();
    await new Promise((resolve, reject) =>
      scrypt(`sample-${i}`, "secretstack/valueFrom/v1|bench-salt", 32, cost, (e) =>
        e ? reject(e) : resolve(),
      ),
    );
    samples.push(now() - started);
  }
  return median(samples);
}

/** The three previews of `count` resources each, with their requests, plus the cost of one derivation. */
export async function valueFromPreview(scale) {
  const count = Math.max(1, Math.round(1000 * scale));
  const sandbox = await sandboxes.startSandbox(UNLIMITED);
  try {
    const stacks = {};
    for (const variant of VARIANTS) {
      const stateFile = path.join(tempDir(`vf-${variant}`), "dev.json");
      const up = await timed("up", {
        programDir: PROGRAM,
        stateFile,
        parallel: PARALLEL,
        env: envOf(sandbox, variant, count),
      });
      if (up.error) throw new Error(`the ${variant} setup failed: ${up.error.split("\n")[0]}`);
      stacks[variant] = { stateFile, runs: [] };
    }
    for (let round = 0; round < 2; round += 1) {
      for (const variant of VARIANTS) {
        const before = counts(sandbox.emulators.walletcrew);
        const run = await timed("preview", {
          programDir: PROGRAM,
          stateFile: stacks[variant].stateFile,
          parallel: PARALLEL,
          env: envOf(sandbox, variant, count),
        });
        const s = run.summary;
        stacks[variant].runs.push({
          ms: run.ms,
          requests: delta(before, counts(sandbox.emulators.walletcrew)).total,
          changes: s.created + s.updated + s.replaced + s.deleted,
          error: run.error,
        });
      }
    }
    const figures = Object.fromEntries(
      VARIANTS.map((v) => {
        const { runs } = stacks[v];
        return [
          v,
          {
            medianMs: median(runs.map((r) => r.ms)),
            runs,
            requests: Math.max(...runs.map((r) => r.requests)),
          },
        ];
      }),
    );
    return { count, ...figures, derivationMs: await derivationMs() };
  } finally {
    await sandbox.close();
  }
}
