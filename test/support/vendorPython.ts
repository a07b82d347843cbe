/**
 * NetActuate's own Python SDK (PyPI `netactuate`, pinned), provisioned on first use into a virtualenv under
 * `.test-work/` (ignored by git), so a fresh clone running `npm test` gets it without a manual step. An
 * install that cannot reach PyPI fails the test that needs it, naming what could not be installed: the
 * vendor-code lane never passes by skipping.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { REPO_ROOT, runProcess } from "./process";

/** The pinned version: the only release on PyPI when this lane was written. */
export const NETACTUATE_PY_VERSION = "0.1.0";

const VENV = path.join(REPO_ROOT, ".test-work", "venv-netactuate");
const PYTHON = path.join(VENV, "bin", "python");
/** Written after a complete install, so an interrupted one is redone. */
const MARKER = path.join(VENV, `.netactuate-${NETACTUATE_PY_VERSION}`);

/** Returns the venv's python with `netactuate==0.1.0` installed, creating the venv when missing. */
export async function ensureNetActuatePython(): Promise<string> {
  if (existsSync(MARKER) && existsSync(PYTHON)) return PYTHON;
  rmSync(VENV, { recursive: true, force: true });
  mkdirSync(path.dirname(VENV), { recursive: true });
  const steps: [string, string[]][] = [
    ["python3", ["-m", "venv", VENV]],
    [
      PYTHON,
      [
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        `netactuate==${NETACTUATE_PY_VERSION}`,
      ],
    ],
  ];
  for (const [command, args] of steps) {
    const result = await runProcess(command, args, { timeoutMs: 600_000 }).catch((error: unknown) => ({
      code: -1,
      stdout: "",
      stderr: String(error),
    }));
    if (result.code !== 0) {
      throw new Error(
        `could not install the vendor's Python SDK netactuate==${NETACTUATE_PY_VERSION} from PyPI ` +
          `(${path.basename(command)} ${args.slice(0, 3).join(" ")} exited ${result.code}); this lane needs ` +
          `python3 with venv and pip, and PyPI reachable: ${result.stderr.slice(-1500)}`,
      );
    }
  }
  writeFileSync(MARKER, `${NETACTUATE_PY_VERSION}\n`);
  return PYTHON;
}
