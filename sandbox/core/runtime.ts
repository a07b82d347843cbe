/**
 * The Node.js the sandbox runs on: the oldest release it accepts, the one-line refusal on anything older, and
 * the loading of `node:sqlite`, which happens here only, on first use, so that importing the sandbox never
 * loads it and an old Node.js is refused before it could fail.
 */
import type * as Sqlite from "node:sqlite";

/**
 * The oldest Node.js whose `node:sqlite` loads without `--experimental-sqlite` (22.12.0 has it only behind the
 * flag). `engines.node` in package.json says the same.
 */
export const MIN_NODE_VERSION = "22.13.0";

/** True when dotted version `found` is `minimum` or later (numeric comparison, pre-release tags ignored). */
function atLeast(found: string, minimum: string): boolean {
  const parts = (v: string) => v.split(/[.-]/, 3).map((p) => Number.parseInt(p, 10) || 0);
  const [a, b] = [parts(found), parts(minimum)];
  for (let i = 0; i < 3; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

/** Why Node.js `found` cannot run the sandbox, in one line; `undefined` when it can. */
export function unsupportedNode(found: string = process.versions.node): string | undefined {
  if (atLeast(found, MIN_NODE_VERSION)) return undefined;
  return `Node.js ${MIN_NODE_VERSION} or newer is required (the sandbox stores its data with node:sqlite); this is Node.js ${found}`;
}

/** Throws a one-line `Error` (see {@link unsupportedNode}) on a Node.js too old for the sandbox. */
export function assertSupportedNode(): void {
  const problem = unsupportedNode();
  if (problem !== undefined) throw new Error(problem);
}

/**
 * For command entry points: on a Node.js too old for the sandbox, writes `<command>: <why>` as one line to
 * stderr and exits with status 2, before anything else runs (no stack trace).
 */
export function exitOnUnsupportedNode(command: string): void {
  const problem = unsupportedNode();
  if (problem === undefined) return;
  process.stderr.write(`${command}: ${problem}\n`);
  process.exit(2);
}

/** The one warning {@link loadSqlite} silences, printed when `node:sqlite` loads on releases that mark it experimental. */
function isSqliteExperimentalWarning(warning: unknown, typeOrOptions: unknown): boolean {
  const type =
    typeof typeOrOptions === "string"
      ? typeOrOptions
      : (typeOrOptions as { type?: unknown } | undefined)?.type;
  const message = warning instanceof Error ? warning.message : warning;
  const name = warning instanceof Error ? warning.name : type;
  return (
    name === "ExperimentalWarning" &&
    typeof message === "string" &&
    message.startsWith("SQLite is an experimental feature")
  );
}

let sqlite: typeof Sqlite | undefined;

/**
 * `node:sqlite`, loaded on first call. Throws the one-line error of {@link assertSupportedNode} on an older
 * Node.js. While it loads, `process.emitWarning` drops exactly the SQLite ExperimentalWarning (the sandbox's
 * output is a JSON line and a request log; the feature's status is ours to track, not the user's) and passes
 * every other warning on; it is restored as soon as the module has loaded.
 */
export function loadSqlite(): typeof Sqlite {
  if (sqlite !== undefined) return sqlite;
  assertSupportedNode();
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: unknown, ...rest: unknown[]): void {
    if (isSqliteExperimentalWarning(warning, rest[0])) return;
    Reflect.apply(emitWarning, this, [warning, ...rest]);
  } as typeof process.emitWarning;
  try {
    sqlite = process.getBuiltinModule("node:sqlite");
  } finally {
    process.emitWarning = emitWarning;
  }
  return sqlite;
}
