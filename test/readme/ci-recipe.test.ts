/**
 * The README's "Using it in CI" sandbox recipe, run as written: the block after `<!-- ci-recipe -->`, verbatim,
 * in a project directory whose Pulumi.yaml points at the root program (examples/quickstart), with `npx
 * secretstack-sandbox` installed as `npm ci` would and the test `pulumi` on PATH.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/process";
import {
  type BlockRun,
  markedShellBlock,
  readmeEnv,
  resourceRows,
  runShellBlock,
  SANDBOX_CREDENTIAL,
  sectionsOf,
  writeSandboxBin,
} from "../support/readme";

const work = mkdtempSync(path.join(tmpdir(), "secretstack-ci-recipe-"));
const project = path.join(work, "project");
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the README's CI recipe", () => {
  const readme = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
  let run: BlockRun;

  beforeAll(async () => {
    const block = markedShellBlock(readme, "ci-recipe");
    mkdirSync(path.join(project, "node_modules", ".bin"), { recursive: true });
    writeSandboxBin(path.join(project, "node_modules", ".bin"));
    // The root project file, its program given by absolute path: the project directory stands for a checkout.
    const rootProject = readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8");
    writeFileSync(
      path.join(project, "Pulumi.yaml"),
      rootProject.replace(/^main: .*$/m, `main: ${path.join(REPO_ROOT, "examples", "quickstart")}/`),
    );
    run = await runShellBlock(block, {
      cwd: project,
      env: readmeEnv({ backendDir: path.join(work, "backend") }),
    });
  }, 240_000);

  it("runs to the end with exit code 0", () => {
    expect(run.output).toContain("Destroying (ci)");
    expect({ code: run.code, output: run.code === 0 ? "" : run.output }).toEqual({ code: 0, output: "" });
  });

  it("creates the root program's six resources (and the stack) with up", () => {
    const up = sectionsOf(run.output).filter((s) => s.heading === "Updating");
    expect(up).toHaveLength(1);
    expect(resourceRows(up[0]?.text ?? "")).toEqual(["+ 7 created"]);
  });

  it("refreshes with no change, then destroys all of it", () => {
    const sections = sectionsOf(run.output);
    const refresh = sections.filter((s) => s.heading === "Refreshing");
    expect(refresh).toHaveLength(1);
    expect(resourceRows(refresh[0]?.text ?? "")).toEqual(["7 unchanged"]);
    const destroy = sections.filter((s) => s.heading === "Destroying");
    expect(resourceRows(destroy[0]?.text ?? "")).toEqual(["- 7 deleted"]);
  });

  it("stops the sandbox, which deletes its env file, leaving no process running", () => {
    expect(run.leftovers).toEqual([]);
    expect(existsSync(path.join(project, "sandbox.env"))).toBe(false);
    expect(readdirSync(project).sort()).toEqual(["Pulumi.yaml", "node_modules"]);
  });

  it("keeps the sandbox's credentials out of the job's log", () => {
    expect(run.output).not.toMatch(SANDBOX_CREDENTIAL);
  });
});
