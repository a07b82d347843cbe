/**
 * The `secretstack-sandbox` command as users run it: the built dist/sandbox/cli.js in its own Node process,
 * talked to over loopback with the sdk clients.
 */
import { type ChildProcessByStdio, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Readable } from "node:stream";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { SandboxEndpoints } from "../../sandbox";
import { NetActuateClient } from "../../sdk";
import { canary, findLeak, readTree } from "../support/leaks";
import { REPO_ROOT } from "../support/process";
import { canaryCredentials, sandboxClients, sandboxContents } from "../support/sandbox";

const CLI = path.join(REPO_ROOT, "dist", "sandbox", "cli.js");
const work = mkdtempSync(path.join(tmpdir(), "secretstack-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** One run of the CLI: its output so far, the JSON line once printed, and how it exited. */
class CliRun {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  stdout = "";
  stderr = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The first stdout line, parsed; rejects if the process exits before printing one. */
  readonly ready: Promise<SandboxEndpoints>;

  constructor(args: string[], env: Record<string, string> = {}) {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    if (!("SECRETSTACK_SANDBOX_KEY" in env)) delete childEnv.SECRETSTACK_SANDBOX_KEY;
    this.child = spawn(process.execPath, [CLI, ...args], {
      env: childEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child.stdout.setEncoding("utf8");
    this.child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) =>
      this.child.once("exit", (code, signal) => resolve({ code, signal })),
    );
    this.ready = new Promise((resolve, reject) => {
      this.child.stdout.on("data", (chunk: string) => {
        const before = this.stdout;
        this.stdout += chunk;
        if (!before.includes("\n") && this.stdout.includes("\n")) {
          resolve(JSON.parse(this.stdout.slice(0, this.stdout.indexOf("\n"))) as SandboxEndpoints);
        }
      });
      void this.exited.then(({ code }) =>
        reject(new Error(`the sandbox exited (${code}) before it was ready: ${this.stderr}`)),
      );
    });
    this.ready.catch(() => undefined);
    running.add(this);
  }

  /** Sends `signal` and resolves with the exit code. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    this.child.kill(signal);
    const { code } = await this.exited;
    running.delete(this);
    return code;
  }
}

const running = new Set<CliRun>();
afterEach(async () => {
  // A failed test may leave its sandbox running; end exactly the processes this file started.
  for (const run of running) {
    run.child.kill("SIGKILL");
    await run.exited;
  }
  running.clear();
});

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
    expect(endpoints.netactuate.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/);
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
