/**
 * The `secretstack-sandbox` command as users run it: the built sandbox/dist/cli.js (the bin of the package
 * secretstack-sandbox) in its own Node process, talked to over loopback with the sdk clients.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseEnv } from "node:util";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { SandboxEndpoints } from "../../sandbox/index";
import { NetActuateClient } from "../../sdk";
import { CliRun, SANDBOX_CLI } from "../support/cliSandbox";
import { canary, findLeak, readTree } from "../support/leaks";
import { runProcess } from "../support/process";
import { canaryCredentials, sandboxClients, sandboxContents } from "../support/sandbox";

const work = mkdtempSync(path.join(tmpdir(), "secretstack-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

afterEach(() => CliRun.killAll());

function listen(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(undefined));
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

/** A port N such that N, N+1 and N+2 are free on loopback right now. */
async function freePortTriple(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const first = await listen(0);
    const base = (first?.address() as { port: number } | null)?.port;
    const servers = [
      first,
      ...(base && base < 65533 ? [await listen(base + 1), await listen(base + 2)] : []),
    ];
    await Promise.all(
      servers.map((s) => new Promise((resolve) => (s ? s.close(resolve) : resolve(undefined)))),
    );
    if (base && servers.length === 3 && servers.every((s) => s !== undefined)) return base;
  }
  throw new Error("no three consecutive free ports on loopback");
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** Writes one object into each API of a sandbox, values taken from `values`. */
async function writeOneOfEach(endpoints: SandboxEndpoints, values: { td: string; wc: string; na: string }) {
  const clients = sandboxClients(endpoints);
  const secret = await clients.tensordock.create({ name: "cli-generic", type: "GENERIC", value: values.td });
  await clients.walletcrew[endpoints.walletcrew.tenantId]?.put("cli-key", { value: values.wc });
  const list = await clients.netactuate.lists.create({ name: "cli-list" });
  const value = await clients.netactuate.values.create(list.id, { key: "CLI_VALUE", value: values.na });
  return { secretId: secret.id, listId: list.id, valueId: value.id };
}

describe("secretstack-sandbox", () => {
  it("prints exactly one JSON line with the documented endpoints and credentials, which work", async () => {
    const run = new CliRun([]);
    const endpoints = await run.ready;
    expect(Object.keys(endpoints).sort()).toEqual(["netactuate", "tensordock", "walletcrew"]);
    expect(Object.keys(endpoints.tensordock).sort()).toEqual(["apiToken", "baseUrl"]);
    expect(Object.keys(endpoints.walletcrew).sort()).toEqual(["apiKey", "baseUrl", "tenantId"]);
    expect(Object.keys(endpoints.netactuate).sort()).toEqual(["apiKey", "baseUrl"]);
    expect(endpoints.tensordock.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v2$/);
    expect(endpoints.walletcrew.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(endpoints.netactuate.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
    for (const credential of [
      endpoints.tensordock.apiToken,
      endpoints.walletcrew.apiKey,
      endpoints.netactuate.apiKey,
    ])
      expect(credential).toMatch(/^\S{16,}$/);
    expect(endpoints.walletcrew.tenantId).toBe("demo");
    // Every API answers with the printed credentials.
    expect(await sandboxContents(sandboxClients(endpoints))).toEqual({
      tensordock: [],
      walletcrew: [],
      netactuateLists: [],
      netactuateValues: [],
    });
    expect(await run.stop()).toBe(0);
    expect(run.stdout.split("\n")).toEqual([JSON.stringify(endpoints), ""]);
  });

  it("listens on N, N+1 and N+2 with --port N", async () => {
    const base = await freePortTriple();
    const run = new CliRun(["--port", String(base), "--quiet"]);
    const endpoints = await run.ready;
    expect(
      [endpoints.tensordock.baseUrl, endpoints.walletcrew.baseUrl, endpoints.netactuate.baseUrl].map(portOf),
    ).toEqual([base, base + 1, base + 2]);
    expect(await sandboxContents(sandboxClients(endpoints))).toMatchObject({ tensordock: [] });
    expect(await run.stop()).toBe(0);
  });

  it.each(["SIGTERM", "SIGINT"] as const)("exits 0 on %s", async (signal) => {
    const run = new CliRun(["--quiet"]);
    await run.ready;
    expect(await run.stop(signal)).toBe(0);
    expect(run.stderr).toBe("");
  });

  it("keeps data and credentials across restarts with --data-dir, in files holding no value", async () => {
    const dataDir = path.join(work, "persist");
    const values = { td: canary("tdvalue"), wc: canary("wcvalue"), na: canary("navalue") };
    const first = new CliRun(["--data-dir", dataDir, "--quiet"]);
    const before = await first.ready;
    const ids = await writeOneOfEach(before, values);
    expect(await first.stop()).toBe(0);
    expect(statSync(path.join(dataDir, "sandbox.key")).mode & 0o777).toBe(0o600);
    expect(findLeak(readTree(dataDir), Object.values(values))).toBe(undefined);

    const second = new CliRun(["--data-dir", dataDir, "--quiet"]);
    const after = await second.ready;
    expect({
      tensordock: after.tensordock.apiToken,
      walletcrew: after.walletcrew.apiKey,
      netactuate: after.netactuate.apiKey,
    }).toEqual({
      tensordock: before.tensordock.apiToken,
      walletcrew: before.walletcrew.apiKey,
      netactuate: before.netactuate.apiKey,
    });
    const clients = sandboxClients(after);
    const contents = await sandboxContents(clients);
    expect(contents.tensordock).toEqual([`cli-generic (${ids.secretId})`]);
    expect(await clients.walletcrew.demo?.retrieve("cli-key")).toBe(values.wc);
    expect((await clients.netactuate.values.retrieve(ids.listId, ids.valueId)).value).toBe(values.na);
    expect(await second.stop()).toBe(0);
  });

  it("refuses an existing data directory under a wrong SECRETSTACK_SANDBOX_KEY, saying so without a stack trace", async () => {
    const dataDir = path.join(work, "wrong-key");
    const first = new CliRun(["--data-dir", dataDir, "--quiet"]);
    await writeOneOfEach(await first.ready, { td: canary("a"), wc: canary("b"), na: canary("c") });
    expect(await first.stop()).toBe(0);

    const wrongKey = randomBytes(32).toString("base64");
    const second = new CliRun(["--data-dir", dataDir], { SECRETSTACK_SANDBOX_KEY: wrongKey });
    await expect(second.ready).rejects.toThrow(/exited/);
    const { code } = await second.exited;
    expect(code).not.toBe(0);
    expect(code).not.toBe(null);
    expect(second.stdout).toBe("");
    expect(second.stderr).toMatch(/sandbox key does not match/);
    expect(second.stderr).toContain("SECRETSTACK_SANDBOX_KEY");
    expect(second.stderr).not.toMatch(/^\s+at /m);
    expect(second.stderr).not.toContain(wrongKey);
    expect(second.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("logs one line per request on stderr, without any token, key or value, and stores none in its files", async () => {
    const dataDir = path.join(work, "log");
    const credentials = canaryCredentials();
    const configFile = path.join(work, "log-config.json");
    writeFileSync(
      configFile,
      JSON.stringify({
        tensordockTokens: [credentials.tensordockToken],
        netactuateApiKeys: [credentials.netactuateApiKey],
        walletcrewTenants: Object.entries(credentials.walletcrewKeys).map(([id, key]) => ({
          id,
          keys: [{ key, scopes: ["Secret.Read", "Secret.Write"] }],
        })),
      }),
    );
    const values = { td: canary("tdlog"), wc: canary("wclog"), na: canary("nalog") };
    const wrongToken = canary("wrongtoken");
    const run = new CliRun(["--data-dir", dataDir, "--config", configFile]);
    const endpoints = await run.ready;
    expect(endpoints.tensordock.apiToken).toBe(credentials.tensordockToken);
    const ids = await writeOneOfEach(endpoints, values);
    // The key sent as ?key=, the way the vendor's SDKs do it, must not reach the log either.
    const byQuery = new NetActuateClient({ ...endpoints.netactuate, auth: "query" });
    expect((await byQuery.values.retrieve(ids.listId, ids.valueId)).value).toBe(values.na);
    const wrong = sandboxClients({
      ...endpoints,
      tensordock: { ...endpoints.tensordock, apiToken: wrongToken },
    });
    await expect(wrong.tensordock.list()).rejects.toThrow(/401|authenticat/i);
    expect(await run.stop()).toBe(0);

    const lines = run.stderr.trim().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(6);
    for (const line of lines)
      expect(line).toMatch(/^(tensordock|walletcrew|netactuate) (GET|POST|PUT|DELETE) \/\S* \d{3} \d+ms$/);
    expect(lines.some((line) => line.startsWith("tensordock GET") && line.includes(" 401 "))).toBe(true);
    const secrets = [
      ...Object.values(values),
      wrongToken,
      credentials.tensordockToken,
      credentials.netactuateApiKey,
    ];
    secrets.push(...Object.values(credentials.walletcrewKeys));
    expect(findLeak(run.stderr, secrets)).toBe(undefined);
    expect(findLeak(readTree(dataDir), secrets)).toBe(undefined);
  });
});

/** What `bash` sees after `set -a; . FILE; set +a`: the value of each of `names`. */
async function sourcedByBash(file: string, names: readonly string[]): Promise<Record<string, string>> {
  const script = 'set -a; . "$1"; set +a; shift; for n in "$@"; do printf "%s=%s\\0" "$n" "${!n}"; done';
  const result = await runProcess("bash", ["-c", script, "_", file, ...names]);
  expect(result.code).toBe(0);
  return Object.fromEntries(
    result.stdout
      .split("\0")
      .filter((entry) => entry !== "")
      .map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]),
  );
}

/** The variables of an env file, by the names the resources read, for a sandbox's endpoints. */
function variablesOf(endpoints: SandboxEndpoints): Record<string, string> {
  return {
    TENSORDOCK_BASE_URL: endpoints.tensordock.baseUrl,
    TENSORDOCK_API_TOKEN: endpoints.tensordock.apiToken,
    WALLETCREW_BASE_URL: endpoints.walletcrew.baseUrl,
    WALLETCREW_API_KEY: endpoints.walletcrew.apiKey,
    WALLETCREW_TENANT_ID: endpoints.walletcrew.tenantId,
    NETACTUATE_BASE_URL: endpoints.netactuate.baseUrl,
    NETACTUATE_API_KEY: endpoints.netactuate.apiKey,
  };
}

describe("secretstack-sandbox --write-env", () => {
  it("writes the file, whole and mode 0600, before the JSON line; bash and dotenv read the printed settings", async () => {
    const dir = mkdtempSync(path.join(work, "env-"));
    const file = path.join(dir, "sandbox.env");
    const run = new CliRun(["--quiet", "--write-env", file]);
    const endpoints = await run.ready;
    // Read the moment the JSON line arrives: the file must already be complete.
    const text = readFileSync(file, "utf8");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(["sandbox.env"]); // no temporary file left beside it
    const expected = { ...variablesOf(endpoints), SECRETSTACK_SANDBOX_PID: String(run.child.pid) };
    expect(parseEnv(text)).toEqual(expected);
    expect(await sourcedByBash(file, Object.keys(expected))).toEqual(expected);
    expect(run.stdout.split("\n")).toEqual([JSON.stringify(endpoints), ""]);
    expect(await run.stop()).toBe(0);
  });

  it("quotes every value for the shell, so quotes, $, backticks and spaces in a credential stay as they are", async () => {
    const apiKey = `it's "$HOME" \`id\` \\ $(id) a key`;
    const configFile = path.join(work, "quoting.json");
    writeFileSync(configFile, JSON.stringify({ netactuateApiKeys: [apiKey] }));
    const file = path.join(mkdtempSync(path.join(work, "env-")), "sandbox.env");
    const run = new CliRun(["--quiet", "--config", configFile, "--write-env", file]);
    const endpoints = await run.ready;
    expect(endpoints.netactuate.apiKey).toBe(apiKey);
    expect(await sourcedByBash(file, ["NETACTUATE_API_KEY", "WALLETCREW_TENANT_ID"])).toEqual({
      NETACTUATE_API_KEY: apiKey,
      WALLETCREW_TENANT_ID: "demo",
    });
    expect(await run.stop()).toBe(0);
  });

  it("refuses a credential with a line break, naming the variable but not the value, and writes nothing", async () => {
    const apiKey = canary("line\nbreak");
    const configFile = path.join(work, "linebreak.json");
    writeFileSync(configFile, JSON.stringify({ netactuateApiKeys: [apiKey] }));
    const dir = mkdtempSync(path.join(work, "env-"));
    const file = path.join(dir, "sandbox.env");
    const run = new CliRun(["--quiet", "--config", configFile, "--write-env", file]);
    await expect(run.ready).rejects.toThrow(/exited/);
    expect((await run.exited).code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      `secretstack-sandbox: cannot write --write-env ${file}: NETACTUATE_API_KEY holds a control character; it cannot be written to an env file\n`,
    );
    expect(findLeak(run.stderr, apiKey.split("\n"))).toBe(undefined);
    expect(readdirSync(dir)).toEqual([]);
  });

  it.each(["SIGTERM", "SIGINT"] as const)("deletes the file on %s, then exits 0", async (signal) => {
    const file = path.join(mkdtempSync(path.join(work, "env-")), "sandbox.env");
    const run = new CliRun(["--quiet", "--write-env", file]);
    await run.ready;
    expect(existsSync(file)).toBe(true);
    expect(await run.stop(signal)).toBe(0);
    expect(existsSync(file)).toBe(false);
  });
});

describe("secretstack-sandbox wait", () => {
  const wait = (args: string[]) => runProcess(process.execPath, [SANDBOX_CLI, "wait", ...args]);

  it("returns 0 once a sandbox started after it has written the file", async () => {
    const file = path.join(mkdtempSync(path.join(work, "wait-")), "sandbox.env");
    const waiting = wait([file, "--timeout", "50"]);
    const run = new CliRun(["--quiet", "--write-env", file]);
    const result = await waiting;
    expect(result).toMatchObject({ code: 0, stdout: "", stderr: "" });
    expect(existsSync(file)).toBe(true);
    await run.ready;
    expect(await run.stop()).toBe(0);
  });

  it("exits 1 with one line when the file does not appear in time", async () => {
    const file = path.join(work, "never.env");
    const result = await wait([file, "--timeout", "0.2"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`secretstack-sandbox wait: ${file} did not appear within 0.2 s\n`);
  });

  it("exits 1 with one line as soon as the --pid process exits without writing the file", async () => {
    const file = path.join(work, "failed.env");
    const run = new CliRun(["--config", path.join(work, "missing.json"), "--write-env", file]);
    const pid = String(run.child.pid);
    const result = await wait([file, "--pid", pid, "--timeout", "600"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `secretstack-sandbox wait: the sandbox (pid ${pid}) exited before writing ${file}\n`,
    );
    expect((await run.exited).code).toBe(2);
  });

  it("does not count a file left by a sandbox that is no longer running", async () => {
    const file = path.join(work, "stale.env");
    const gone = await runProcess(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
    writeFileSync(
      file,
      `TENSORDOCK_BASE_URL='http://127.0.0.1:9/api/v2'\nSECRETSTACK_SANDBOX_PID='${gone.stdout}'\n`,
    );
    const result = await wait([file, "--timeout", "0.3"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/did not appear within 0\.3 s/);
  });
});
