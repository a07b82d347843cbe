/**
 * Each sandbox API against its OpenAPI 3.1 document under sandbox/openapi/, fuzzed by Schemathesis (pinned,
 * installed from PyPI into .test-work/venv on first use): no server error and no response that breaks the
 * document, over every documented operation, with a fixed seed.
 */
import { rmSync } from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { startNetActuateSandbox } from "../../sandbox/netactuate";
import { startTensorDockSandbox } from "../../sandbox/tensordock";
import { startWalletCrewSandbox } from "../../sandbox/walletcrew";
import { canary } from "../support/leaks";
import { REPO_ROOT } from "../support/process";
import { FULL_RUN, recordFigure, runCount } from "../support/report";
import {
  CHECKS,
  ensureSchemathesis,
  type FuzzOptions,
  type FuzzResult,
  runSchemathesis,
  SCHEMATHESIS_VERSION,
} from "../support/schemathesis";

/** Test cases per operation and phase Schemathesis may generate: 25 by default, 200 in the full run. */
const MAX_EXAMPLES = runCount(25, 200);
const SEED = 20_260_808;
const OPENAPI = path.join(REPO_ROOT, "sandbox", "openapi");

/** One document and the emulator it describes, started in-process with rate limiting off. */
interface Target {
  document: string;
  api: string;
  start(): Promise<{
    origin: string;
    headers: Record<string, string>;
    pathParameters?: Record<string, string>;
    close(): Promise<void>;
  }>;
  skipChecks?: FuzzOptions["skipChecks"];
}

/**
 * The TensorDock documents list PATCH and PUT on /secrets/{id} as operations that always answer 405 (the API
 * has no update); the Allow header rightly names only GET and DELETE, which this check reads as a mismatch.
 */
const TENSORDOCK_SKIPS: FuzzOptions["skipChecks"] = {
  allow_header_conformance: "PATCH and PUT are documented only to describe their 405 answer",
};

const TARGETS: Target[] = [
  {
    document: "tensordock.yaml",
    api: "TensorDock (seed dialect)",
    skipChecks: TENSORDOCK_SKIPS,
    start: async () => {
      const token = canary("td");
      const s = await startTensorDockSandbox({ tokens: [token], rateLimit: false, dialect: "seed" });
      return {
        origin: new URL(s.baseUrl).origin,
        headers: { Authorization: `Bearer ${token}` },
        close: s.close,
      };
    },
  },
  {
    document: "tensordock-vendor.yaml",
    api: "TensorDock (vendor dialect)",
    skipChecks: TENSORDOCK_SKIPS,
    start: async () => {
      const token = canary("td");
      const s = await startTensorDockSandbox({ tokens: [token], rateLimit: false, dialect: "vendor" });
      return {
        origin: new URL(s.baseUrl).origin,
        headers: { Authorization: `Bearer ${token}` },
        close: s.close,
      };
    },
  },
  {
    document: "walletcrew.yaml",
    api: "The Wallet Crew",
    start: async () => {
      const key = canary("wc");
      const s = await startWalletCrewSandbox({
        tenants: [{ id: "demo", keys: [{ key, scopes: ["Secret.Read", "Secret.Write"] }] }],
        rateLimit: false,
      });
      // The tenant is fixed so requests reach the secrets; other tenants are covered by the bad-input table.
      return {
        origin: s.baseUrl,
        headers: { "X-API-KEY": key },
        pathParameters: { tenantId: "demo" },
        close: s.close,
      };
    },
  },
  {
    document: "netactuate.yaml",
    api: "NetActuate",
    start: async () => {
      const key = canary("na");
      const s = await startNetActuateSandbox({ apiKeys: [key], rateLimit: false });
      return {
        origin: new URL(s.baseUrl).origin,
        headers: { Authorization: `Bearer ${key}` },
        close: s.close,
      };
    },
  },
];

describe(`Schemathesis ${SCHEMATHESIS_VERSION} against each sandbox API and its OpenAPI document`, () => {
  let st = "";
  // Reports stay after the run (git-ignored), for reading a failure with `st replay` or by hand.
  const work = path.join(REPO_ROOT, ".test-work", "schemathesis");
  beforeAll(async () => {
    // A one-time install on a fresh machine (python3 -m venv, pip from PyPI); later runs reuse the venv.
    st = await ensureSchemathesis();
    rmSync(work, { recursive: true, force: true });
  }, 900_000);

  it.each(TARGETS.map((t) => [t.document, t] as const))(
    "%s: no server error and no response breaking the document over every documented operation",
    async (document, target) => {
      const running = await target.start();
      let result: FuzzResult;
      try {
        result = await runSchemathesis(st, {
          document: path.join(OPENAPI, document),
          origin: running.origin,
          headers: running.headers,
          ...(running.pathParameters !== undefined ? { pathParameters: running.pathParameters } : {}),
          ...(target.skipChecks !== undefined ? { skipChecks: target.skipChecks } : {}),
          maxExamples: MAX_EXAMPLES,
          seed: SEED,
          workDir: path.join(work, document),
        });
      } finally {
        await running.close();
      }
      const perOperation = Object.values(result.requests);
      const fewest = Math.min(...perOperation);
      const fewestOperation = Object.entries(result.requests).find(([, n]) => n === fewest)?.[0] ?? "";
      const checks = CHECKS.length - Object.keys(target.skipChecks ?? {}).length;
      const caseText = `Schemathesis ${SCHEMATHESIS_VERSION} on sandbox/openapi/${document} (${target.api}): seed ${SEED}, --max-examples ${MAX_EXAMPLES}, ${checks} checks`;
      // The full run asks for 200 per operation; the quick run's 25 examples leave a little slack below 25.
      const floor = FULL_RUN ? 200 : 20;
      recordFigure({
        section: "Bad input",
        case: caseText,
        measure: "requests generated (fewest for one documented operation, operations)",
        value: `${result.total} (fewest ${fewest}: ${fewestOperation}; ${perOperation.length} operations)`,
        target: `≥ ${floor} per operation${FULL_RUN ? "" : " (200 in the full run)"}`,
        ok: fewest >= floor,
      });
      recordFigure({
        section: "Bad input",
        case: caseText,
        measure: "server errors (5xx)",
        value: result.serverErrors.length,
        target: "0",
        ok: result.serverErrors.length === 0,
      });
      recordFigure({
        section: "Bad input",
        case: caseText,
        measure: "responses breaking the document",
        value: result.conformanceFailures.length,
        target: "0",
        ok: result.conformanceFailures.length === 0,
      });
      recordFigure({
        section: "Bad input",
        case: caseText,
        measure: "failures of the other checks",
        value: result.otherFailures.length,
        target: "0",
        ok: result.otherFailures.length === 0,
      });
      expect(result.serverErrors).toEqual([]);
      expect(result.conformanceFailures).toEqual([]);
      expect(result.otherFailures).toEqual([]);
      expect(result.errors, result.output).toBe(0);
      expect(result.exitCode, result.output).toBe(0);
      expect(fewest, JSON.stringify(result.requests)).toBeGreaterThanOrEqual(floor);
    },
    1_500_000,
  );
});
