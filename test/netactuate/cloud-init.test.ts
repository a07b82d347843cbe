import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { destroy, preview, up } from "../../harness/engine";
import { type NetActuateSandbox, startNetActuateSandbox } from "../../sandbox/netactuate";
import { canary, findLeak, readTree } from "./helpers";
import { deploymentFailure } from "../support/failures";

const EXAMPLE = path.resolve(__dirname, "..", "..", "examples", "netactuate-cloud-init");
const FIXTURE = path.resolve(__dirname, "..", "fixtures", "netactuate");

let sandbox: NetActuateSandbox;
let dir: string;
const sandboxLines: string[] = [];
const apiKey = canary("ApiKey");

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "na-cloud-init-"));
  sandbox = await startNetActuateSandbox({
    apiKeys: [apiKey],
    dataDir: path.join(dir, "sandbox"),
    log: (line) => sandboxLines.push(line),
  });
});
afterAll(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

const env = () => ({ NETACTUATE_API_KEY: sandbox.apiKey, NETACTUATE_BASE_URL: sandbox.baseUrl });

describe("examples/netactuate-cloud-init", () => {
  const dbPassword = canary("DbPassword");
  const apiToken = canary("ApiToken");
  const lines: string[] = [];
  const hostLines: string[] = [];
  const options = () => ({
    programDir: EXAMPLE,
    stateFile: path.join(dir, "example", "dev.json"),
    env: env(),
    config: { dbPassword, apiToken, appName: "shop" },
    log: (line: string) => lines.push(line),
    hostLog: (line: string) => hostLines.push(line),
  });

  it("builds a script that keeps the references and never the values", async () => {
    const summary = await up(options());
    expect(summary).toMatchObject({ created: 3, failed: 0 });
    const script = String(summary.outputs.script);

    expect(script).toContain("DB_PASSWORD=${{secret.DB_PASSWORD}}");

    expect(script).toContain("API_TOKEN=${{secret.API_TOKEN}}");
    const vmBuild = summary.outputs.vmBuild as { hostname: string; script_content: string };
    expect(Buffer.from(vmBuild.script_content, "base64").toString("utf8")).toBe(script);
    expect(findLeak(JSON.stringify(summary.outputs), [dbPassword, apiToken, apiKey])).toBeUndefined();
    expect(
      sandbox
        .values()
        .map((v) => v.key)
        .sort(),
    ).toEqual(["API_TOKEN", "DB_PASSWORD"]);
    expect(sandbox.lists().map((l) => l.name)).toEqual(["shop-secrets"]);
  });

  it("plans no change on a second up and leaves the account empty after destroy", async () => {
    expect(await up(options())).toMatchObject({ unchanged: 3, created: 0, updated: 0 });
    expect(await destroy(options())).toMatchObject({ deleted: 3, failed: 0 });
    expect(sandbox.values()).toEqual([]);
    expect(sandbox.lists()).toEqual([]);
  });

  it("kept the values and the key out of logs, host output, state and the sandbox's files", () => {
    const canaries = [dbPassword, apiToken, apiKey];
    expect(findLeak([...lines, ...hostLines, ...sandboxLines].join("\n"), canaries)).toBeUndefined();
    expect(findLeak(readFileSync(path.join(dir, "example", "dev.json"), "utf8"), canaries)).toBeUndefined();
    expect(findLeak(readTree(path.join(dir, "sandbox")), canaries)).toBeUndefined();
  });
});

describe("netactuate.cloudInit in a program", () => {
  const spec = (template: string) => ({
    lists: [{ resource: "list", name: "vm" }],
    values: [{ resource: "db", list: "list", key: "DB_PASSWORD", value: "v" }],
    cloudInit: { template, values: ["db"] },
  });
  const run = (command: typeof preview, template: string, name: string) =>
    command({
      programDir: FIXTURE,
      stateFile: path.join(dir, name, "dev.json"),
      env: { ...env(), NA_SPEC: JSON.stringify(spec(template)) },
    });

  it("fails at preview for a reference no given SecretValue declares, sending nothing", async () => {
    const before = sandbox.stats().total;
    const error = await deploymentFailure(
      run(preview, "A=${{secret.DB_PASSWORD}}\nB=${{secret.NOT_DECLARED}}", "undeclared"),
    );
    expect(error.message).toContain(
      'references key "NOT_DECLARED", which no SecretValue given to cloudInit declares',
    );
    expect(error.message).not.toContain('DB_PASSWORD"');
    expect(sandbox.stats().total).toBe(before);
  });

  it("fails at preview for a malformed reference", async () => {
    const error = await deploymentFailure(run(preview, "A=${{ secret.DB_PASSWORD }}", "malformed"));
    expect(error.message).toContain("is not a valid secret reference");
  });

  it("previews a sound script with its references intact", async () => {
    const summary = await run(preview, "A=${{secret.DB_PASSWORD}}", "sound");
    expect(summary).toMatchObject({ created: 2, failed: 0 });

    expect(summary.outputs.script).toBe("A=${{secret.DB_PASSWORD}}");
  });
});
