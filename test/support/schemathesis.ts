/**
 * Schemathesis, the property-based API fuzzer, run against a sandbox emulator with one of the OpenAPI
 * documents under sandbox/openapi/: provisioned on first use into `.test-work/venv` from PyPI (pinned), run
 * with a fixed seed, and its NDJSON event report read back into counts per documented operation.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { OpenApiContract } from "./openapi";
import { REPO_ROOT, runProcess } from "./process";

/** The pinned version. */
export const SCHEMATHESIS_VERSION = "4.32.5";

const WORK = path.join(REPO_ROOT, ".test-work");
const VENV = path.join(WORK, "venv");
const ST = path.join(VENV, "bin", "st");
/** Written after a complete install, so an interrupted one is redone. */
const MARKER = path.join(VENV, `.schemathesis-${SCHEMATHESIS_VERSION}`);

/** The checks every run applies: status, content type, headers and body against the document, plus behaviour. */
export const CHECKS = [
  "not_a_server_error",
  "status_code_conformance",
  "content_type_conformance",
  "response_schema_conformance",
  "response_headers_conformance",
  "negative_data_rejection",
  "missing_required_header",
  "ignored_auth",
  "unsupported_method",
  "allow_header_conformance",
  "use_after_free",
  "ensure_resource_availability",
] as const;

/** Statuses that count as rejecting a request that breaks the document: Schemathesis's defaults and 413. */
const NEGATIVE_REJECTIONS = [
  "400",
  "401",
  "403",
  "404",
  "405",
  "406",
  "409",
  "413",
  "415",
  "422",
  "428",
  "429",
  "5xx",
];

/** Checks whose failure means a response broke its document. */
const CONFORMANCE = new Set([
  "status_code_conformance",
  "content_type_conformance",
  "response_schema_conformance",
  "response_headers_conformance",
]);

/** Returns the `st` executable, creating the venv and installing the pinned Schemathesis when missing. */
export async function ensureSchemathesis(): Promise<string> {
  if (existsSync(MARKER) && existsSync(ST)) return ST;
  rmSync(VENV, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const steps: [string, string[]][] = [
    ["python3", ["-m", "venv", VENV]],
    [
      path.join(VENV, "bin", "python"),
      [
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        `schemathesis==${SCHEMATHESIS_VERSION}`,
      ],
    ],
  ];
  for (const [command, args] of steps) {
    const result = await runProcess(command, args, { timeoutMs: 900_000 });
    if (result.code !== 0) {
      throw new Error(
        `${path.basename(command)} ${args.slice(0, 2).join(" ")} failed (${result.code}): ${result.stderr.slice(-2000)}`,
      );
    }
  }
  writeFileSync(MARKER, `${SCHEMATHESIS_VERSION}\n`);
  return ST;
}

/** What one run of Schemathesis did, by documented operation. */
export interface FuzzResult {
  exitCode: number | null;
  /** Requests sent per documented operation (every phase: coverage, fuzzing, stateful). */
  requests: Record<string, number>;
  /** Requests to methods the document does not list (the unsupported-method probes). */
  probes: number;
  /** All requests sent. */
  total: number;
  serverErrors: string[];
  /** Responses that broke the document (status, content type, headers or body). */
  conformanceFailures: string[];
  /** Failures of the other checks. */
  otherFailures: string[];
  /** Scenarios that ended in an error (a crash or a network failure rather than a check failure). */
  errors: number;
  /** The tail of the console output, for a failing assertion's message. */
  output: string;
}

/** Options of one run. */
export interface FuzzOptions {
  document: string;
  /** Origin of the emulator (`http://127.0.0.1:port`); the document's server path is appended. */
  origin: string;
  headers: Record<string, string>;
  maxExamples: number;
  seed: number;
  /** Fixed path parameters, e.g. `{ tenantId: "demo" }`. */
  pathParameters?: Record<string, string>;
  /** Checks of {@link CHECKS} that do not apply to this document, each with the reason. */
  skipChecks?: Partial<Record<(typeof CHECKS)[number], string>>;
  /** Directory for the config file and the reports. */
  workDir: string;
}

/** Runs Schemathesis once and reads its NDJSON report. */
export async function runSchemathesis(st: string, o: FuzzOptions): Promise<FuzzResult> {
  const document = new OpenApiContract(o.document);
  const [operations, basePath] = [document.operations(), document.basePath];
  mkdirSync(o.workDir, { recursive: true });
  const report = path.join(o.workDir, "events.ndjson");
  const config = path.join(o.workDir, "schemathesis.toml");
  const parameters = Object.entries(o.pathParameters ?? {}).map(
    ([k, v]) => `"path.${k}" = ${JSON.stringify(v)}`,
  );
  writeFileSync(
    config,
    [
      ...(parameters.length > 0 ? ["[parameters]", ...parameters] : []),
      // A body over the emulators' documented 128 KiB limit is rejected with 413 before it is read, which is a
      // rejection too (Schemathesis's default list of rejecting statuses leaves 413 out).
      "[checks.negative_data_rejection]",
      `expected-statuses = ${JSON.stringify([...NEGATIVE_REJECTIONS])}`,
      "",
    ].join("\n"),
  );
  const checks = CHECKS.filter((check) => o.skipChecks?.[check] === undefined);
  const args = [
    "--config-file",
    config,
    "run",
    o.document,
    "--url",
    `${o.origin}${basePath}`,
    ...Object.entries(o.headers).flatMap(([name, value]) => ["-H", `${name}: ${value}`]),
    "--checks",
    checks.join(","),
    "--max-examples",
    String(o.maxExamples),
    "--seed",
    String(o.seed),
    "--report",
    "ndjson",
    "--report-ndjson-path",
    report,
    "--no-color",
  ];
  const run = await runProcess(st, args, { cwd: o.workDir, timeoutMs: 1_500_000 });
  const result: FuzzResult = {
    exitCode: run.code,
    requests: Object.fromEntries(operations.map((op) => [op, 0])),
    probes: 0,
    total: 0,
    serverErrors: [],
    conformanceFailures: [],
    otherFailures: [],
    errors: 0,
    output: `${run.stdout}\n${run.stderr}`.slice(-4000),
  };
  if (!existsSync(report)) return result;
  for (const line of readFileSync(report, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    const event = JSON.parse(line) as Record<string, ScenarioFinished | undefined>;
    const scenario = event.ScenarioFinished;
    if (scenario === undefined) continue;
    if (scenario.status === "error") result.errors++;
    const recorder = scenario.recorder ?? {};
    for (const [id, entry] of Object.entries(recorder.cases ?? {})) {
      const interaction = recorder.interactions?.[id];
      if (interaction === undefined) continue;
      const label = `${entry.value.method} ${entry.value.path}`;
      result.total++;
      if (label in result.requests) result.requests[label] = (result.requests[label] ?? 0) + 1;
      else result.probes++;
      const status = interaction.response?.status_code;
      if (status !== undefined && status >= 500) result.serverErrors.push(`${label} → ${status}`);
      for (const check of recorder.checks?.[id] ?? []) {
        if (check.status !== "failure") continue;
        const text = `${check.name}: ${label} → ${status ?? "no response"}`;
        (CONFORMANCE.has(check.name) ? result.conformanceFailures : result.otherFailures).push(text);
      }
    }
  }
  return result;
}

/** The part of a `ScenarioFinished` event that is read. */
interface ScenarioFinished {
  status: string;
  recorder?: {
    cases?: Record<string, { value: { method: string; path: string } }>;
    checks?: Record<string, { name: string; status: string }[]>;
    interactions?: Record<string, { response?: { status_code: number } | null }>;
  };
}
