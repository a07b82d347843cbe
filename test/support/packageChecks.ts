/**
 * The checks every package we publish passes, written once for the library and the sandbox package: what an
 * install of it holds, publint, and arethetypeswrong's report.
 */
import * as path from "node:path";
import { expect } from "vitest";
import { runNodeBin, runNpm } from "./process";

/** The package folders `npm ls` lists under `dir` (with `args`, e.g. `--omit=dev`), relative to `dir`. */
export async function installedPackages(dir: string, args: readonly string[] = []): Promise<string[]> {
  const tree = await runNpm(["ls", ...args, "--all", "--parseable"], { cwd: dir });
  expect(tree.code, tree.stderr).toBe(0);
  return tree.stdout
    .trim()
    .split("\n")
    .map((folder) => path.relative(dir, folder));
}

/** Fails unless publint, strict, finds neither an error nor a warning in the package at `dir`. */
export async function expectPublintClean(dir: string): Promise<void> {
  const result = await runNodeBin("publint/src/cli.js", ["run", dir, "--strict"]);
  expect(`${result.stdout}${result.stderr}`).not.toMatch(/Errors?:|Warnings?:/);
  expect(result.code).toBe(0);
}

/** What arethetypeswrong reports of a tarball: its entrypoints and the file each mode resolves. */
export interface TypesReport {
  entrypoints: Record<string, { resolutions: Record<string, { resolution?: { fileName: string } }> }>;
}

/** arethetypeswrong's analysis of `tarball`, after failing on any problem it reports or a non-zero exit. */
export async function typesReport(tarball: string): Promise<TypesReport> {
  const result = await runNodeBin("@arethetypeswrong/cli/dist/index.js", [tarball, "--format", "json"]);
  const report = JSON.parse(result.stdout) as { problems?: unknown; analysis: TypesReport };
  // Grouped by kind (e.g. { NamedExports: [...] }) when there are any.
  expect(Object.values(report.problems ?? {}).flat()).toEqual([]);
  expect(result.code).toBe(0);
  return report.analysis;
}
