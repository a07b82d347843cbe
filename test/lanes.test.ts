/**
 * The test lanes of test/support/lanes.mts: every test file is in exactly one, every pattern names a file, no
 * file of the unit lane reaches for what makes a test slow or non-hermetic (child processes, the provider
 * host, engine deploys, the sandbox CLI, npm), and CI runs lint, types and both lanes.
 */
import { globSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { E2E, UNIT } from "./support/lanes.mjs";
import { REPO_ROOT } from "./support/process";

/** Repository-relative files matching `patterns`, with `/` separators. */
function files(patterns: readonly string[]): Set<string> {
  return new Set(globSync([...patterns], { cwd: REPO_ROOT }).map((f) => f.split(path.sep).join("/")));
}

const ALL = [...files(["test/**/*.test.ts"])].sort();

/** What a unit-lane file may not import: a module, or names of a module, that start processes. */
const SPAWNING: { module: RegExp; names?: RegExp }[] = [
  { module: /^node:child_process$|^child_process$/ },
  { module: /\/support\/(cliSandbox|deploy|readme|realPulumi|reliabilityStack|schemathesis)$/ },
  { module: /\/support\/process$/, names: /\b(runProcess|runNpm|runNodeBin)\b/ },
  { module: /\/harness\/engine$/, names: /\b(up|preview|refresh|destroy|ProviderHost)\b/ },
];

/** The imports of a source file that start processes, as `module: names`. */
function spawningImports(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/^import\s+(type\s+)?([\s\S]*?)\s+from\s+"([^"]+)";/gm)) {
    const [, typeOnly, names = "", module = ""] = match;
    if (typeOnly) continue;
    const values = names.replace(/\btype\s+\w+(\s+as\s+\w+)?,?/g, "");
    for (const rule of SPAWNING) {
      if (rule.module.test(module) && (rule.names === undefined || rule.names.test(values)))
        found.push(`${module}: ${values.replace(/\s+/g, " ").trim()}`);
    }
  }
  return found;
}

describe("the test lanes", () => {
  it("put every test file in exactly one lane", () => {
    const unit = files(UNIT);
    const e2e = files(E2E);
    const lanesOf = (file: string) =>
      [unit.has(file) ? "unit" : "", e2e.has(file) ? "e2e" : ""].filter(Boolean);
    const misfiled = ALL.filter((f) => lanesOf(f).length !== 1).map(
      (f) => `${f}: ${lanesOf(f).join(", ") || "none"}`,
    );
    expect(misfiled).toEqual([]);
    expect([...unit, ...e2e].sort()).toEqual(ALL);
    expect(ALL.length).toBeGreaterThan(50);
    expect(unit.has("test/lanes.test.ts")).toBe(true);
  });

  it("have no pattern that names nothing", () => {
    const empty = [...UNIT, ...E2E].filter((pattern) => files([pattern]).size === 0);
    expect(empty).toEqual([]);
  });

  it("keep child processes, the provider host and engine deploys out of the unit lane", () => {
    const offenders = [...files(UNIT)].flatMap((file) =>
      spawningImports(readFileSync(path.join(REPO_ROOT, file), "utf8")).map(
        (what) => `${file} imports ${what}`,
      ),
    );
    expect(offenders).toEqual([]);
    // The rules see what they are meant to see: e2e files that deploy or spawn are caught by them.
    const caught = [
      "test/engine/host.test.ts",
      "test/package/start.test.ts",
      "test/sandbox/cli.test.ts",
    ].filter((file) => spawningImports(readFileSync(path.join(REPO_ROOT, file), "utf8")).length > 0);
    expect(caught).toEqual([
      "test/engine/host.test.ts",
      "test/package/start.test.ts",
      "test/sandbox/cli.test.ts",
    ]);
  });

  it("run together under npm test, which CI runs after lint", () => {
    const { scripts } = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    expect(scripts.test).toBe("npm run build && npm run typecheck && vitest run");
    expect(scripts["test:unit"]).toBe("vitest run --project unit");
    expect(scripts["test:e2e"]).toBe("npm run build && vitest run --project e2e");
    const ci = readFileSync(path.join(REPO_ROOT, ".ci", "run"), "utf8").split("\n");
    const lint = ci.indexOf("npm run lint");
    const test = ci.findIndex((line) => /^(\w+=\S+ )*npm test$/.test(line));
    const realCli = ci.indexOf("bash harness/real-pulumi/build.sh");
    expect(lint).toBeGreaterThan(0);
    expect(test).toBeGreaterThan(lint);
    // The real Pulumi CLI is built (or found in the cache) before the tests that run it.
    expect(realCli).toBeGreaterThan(0);
    expect(realCli).toBeLessThan(test);
    // The README's test command is the one CI runs.
    expect(readFileSync(path.join(REPO_ROOT, "README.md"), "utf8")).toMatch(/^npm test +# /m);
  });
});
