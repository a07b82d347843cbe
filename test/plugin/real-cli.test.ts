/**
 * The YAML quickstart under the real Pulumi CLI (built from the Go module proxy by harness/real-pulumi; no
 * Node.js language host is involved), through the pulumi-resource-secretstack plugin, against a sandbox served
 * from this process: up, a plan with no changes, a change, a refresh with no changes, `pulumi import` of objects
 * made outside Pulumi (all five types), destroy, and a sandbox left empty. No secret (a planted value, the
 * sandbox's credentials, an imported value) reaches the state in plain text, `pulumi stack export`, the CLI's
 * output or the plugin's log. A second program takes its values from valueFrom (an environment variable and a
 * file), which the plugin reads as the classes' provider does.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canary, findLeak, readTree } from "../support/leaks";
import { REPO_ROOT } from "../support/process";
import { buildRealPulumi, RealPulumiProject } from "../support/realPulumi";
import { EMPTY_SANDBOX, withSandbox } from "../support/sandbox";

const EXAMPLE = path.join(REPO_ROOT, "examples", "yaml-quickstart", "Pulumi.yaml");
const PUBLIC_KEY =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBiklCBOkHnt0XIaL/k/aGdeygdaLHA1luvNP75tjibL legacy@secretstack";

const sandbox = withSandbox();
let project: RealPulumiProject;
let cliDir: string;
/** A second project: values read by the plugin from valueFrom (an environment variable, a file). */
let sourced: RealPulumiProject | undefined;
/** A third: an explicit provider resource whose properties are the settings. */
let explicit: RealPulumiProject | undefined;
const planted = canary("yamlvalue");
const rotated = canary("yamlrotated");
const importedValue = canary("imported");

/** Every secret that must never be seen: the values, and the sandbox's credentials. */
function secrets(): string[] {
  const { credentials } = sandbox.current;
  return [
    planted,
    rotated,
    importedValue,
    credentials.tensordockToken,
    credentials.netactuateApiKey,
    ...Object.values(credentials.walletcrewKeys),
  ];
}

/** The stack's outputs. */
async function outputs(): Promise<Record<string, string>> {
  return JSON.parse((await project.ok(["stack", "output", "--json"])).stdout) as Record<string, string>;
}

interface ExportedResource {
  type: string;
  id?: string;
  urn: string;
  outputs?: Record<string, unknown>;
}

async function exported(): Promise<{ text: string; resources: ExportedResource[] }> {
  const text = (await project.ok(["stack", "export"])).stdout;
  const state = JSON.parse(text) as { deployment: { resources: ExportedResource[] } };
  return { text, resources: state.deployment.resources };
}

beforeAll(async () => {
  // Fails, never skips, without the CLI: the build is cached, so only the first run on a machine is slow.
  cliDir = await buildRealPulumi();
  expect(existsSync(path.join(REPO_ROOT, "dist", "provider", "plugin", "main.js"))).toBe(true);
  const { sandbox: s } = sandbox.current;
  // The Wallet Crew and NetActuate from the environment, TensorDock from the provider's config (below).
  project = new RealPulumiProject(cliDir, {
    WALLETCREW_API_KEY: s.walletcrew.apiKey,
    WALLETCREW_BASE_URL: s.walletcrew.baseUrl,
    NETACTUATE_API_KEY: s.netactuate.apiKey,
    NETACTUATE_BASE_URL: s.netactuate.baseUrl,
  });
  const program = readFileSync(EXAMPLE, "utf8").replace("path: ../../bin", `path: ${project.pluginDir}`);
  expect(program).toContain(project.pluginDir);
  writeFileSync(path.join(project.projectDir, "Pulumi.yaml"), program);
  await project.ok(["stack", "init", "test"]);
  await project.ok(["config", "set", "--secret", "demoSecret", planted]);
  await project.ok(["config", "set", "--secret", "secretstack:tensordockApiToken", s.tensordock.apiToken]);
  await project.ok(["config", "set", "secretstack:tensordockBaseUrl", s.tensordock.baseUrl]);
  await project.ok(["config", "set", "secretstack:walletcrewTenantId", s.walletcrew.tenantId]);
}, 40 * 60_000);

afterAll(() => {
  project?.remove();
  sourced?.remove();
  explicit?.remove();
});

// Each CLI command takes seconds, and CI runs this file beside the rest of the e2e lane on two cores: every test
// here has four minutes.
describe("the plugin's schema under the real Pulumi CLI", { timeout: 240_000 }, () => {
  it("is what the build wrote, and binds: every resource listed with its required arguments", async () => {
    const plugin = path.join(REPO_ROOT, "bin", "pulumi-resource-secretstack");
    const served = await project.ok(["package", "get-schema", plugin]);
    const built = readFileSync(path.join(REPO_ROOT, "dist", "provider", "plugin", "schema.json"), "utf8");
    expect(JSON.parse(served.stdout)).toEqual(JSON.parse(built));
    const info = await project.ok(["package", "info", plugin]);
    expect(info.stdout).toMatch(/Total resources 5/);
    expect(info.stdout).toMatch(/Modules: netactuate, tensordock, walletcrew/);
    const tenant = await project.ok([
      "package",
      "info",
      plugin,
      "--module",
      "walletcrew",
      "--resource",
      "TenantSecret",
    ]);
    expect(tenant.stdout).toMatch(/- key \(string\*\)/);
    expect(tenant.stdout).toMatch(/- connection \(secretstack:walletcrew:Connection/);
    expect(tenant.stdout).toMatch(/- expired \(boolean\*\)/);
  });
});

describe("the YAML quickstart under the real Pulumi CLI", { timeout: 240_000 }, () => {
  let firstOutputs: Record<string, string>;

  it("deploys all five resources through the plugin", async () => {
    const up = await project.ok(["up", "--yes"]);
    expect(up.stdout).toMatch(/\+ 6 created/);
    const contents = await sandbox.current.contents();
    expect(contents.tensordock.map((s) => s.replace(/ \(.*\)$/, "")).sort()).toEqual([
      "yaml-gpu-fleet",
      "yaml-huggingface-token",
    ]);
    expect(contents.walletcrew).toEqual(["demo/yaml-pass-signing-key"]);
    expect(contents.netactuateLists.map((l) => l.replace(/ \(.*\)$/, ""))).toEqual(["yaml-quickstart-app"]);
    expect(contents.netactuateValues.map((v) => v.replace(/ \(.*\)$/, ""))).toEqual(["DB_PASSWORD"]);
    expect(await sandbox.current.clients.walletcrew.demo?.retrieve("yaml-pass-signing-key")).toBe(planted);
    firstOutputs = await outputs();
    expect(firstOutputs.reference).toBe("${{secret.DB_PASSWORD}}");
    expect(firstOutputs.tenantSecretId).toBe("demo/yaml-pass-signing-key");
    expect(firstOutputs.sshKeyFingerprint).toMatch(/^SHA256:/);
  });

  it("plans no change for the same program", async () => {
    const preview = await project.run(["preview", "--expect-no-changes"]);
    expect(preview.code).toBe(0);
    expect(preview.stdout).toMatch(/6 unchanged/);
  });

  it("updates in place what changes in place and replaces what cannot, as the detailed diff says", async () => {
    await project.ok(["config", "set", "--secret", "demoSecret", rotated]);
    const preview = await project.ok(["preview", "--diff"]);
    // The GenericSecret's value has no update: replaced; the others' values change in place.
    expect(preview.stdout).toMatch(/\+-\s*secretstack:tensordock:GenericSecret/);
    expect(preview.stdout).toMatch(/~\s*secretstack:walletcrew:TenantSecret/);
    expect(preview.stdout).toMatch(/~\s*secretstack:netactuate:SecretValue/);
    const up = await project.ok(["up", "--yes"]);
    expect(up.stdout).toMatch(/~ 2 updated/);
    expect(up.stdout).toMatch(/\+-1 replaced/);
    expect(await sandbox.current.clients.walletcrew.demo?.retrieve("yaml-pass-signing-key")).toBe(rotated);
    const now = await outputs();
    expect(now.genericSecretId).not.toBe(firstOutputs.genericSecretId);
    expect(now.sshKeyId).toBe(firstOutputs.sshKeyId);
    expect((await sandbox.current.contents()).tensordock).toHaveLength(2);
  });

  it("refreshes with no changes", async () => {
    const refresh = await project.run(["refresh", "--yes", "--expect-no-changes"]);
    expect(refresh.code).toBe(0);
  });

  it("imports objects of all five types made outside Pulumi with pulumi import", async () => {
    const { tensordock, netactuate, walletcrew } = sandbox.current.clients;
    const key = await tensordock.create({ name: "legacy-key", type: "SSHKEY", value: PUBLIC_KEY });
    const generic = await tensordock.create({
      name: "legacy-generic",
      type: "GENERIC",
      value: importedValue,
    });
    await walletcrew.demo?.put("legacy-signing-key", { value: importedValue });
    const list = await netactuate.lists.create({ name: "legacy-list" });
    const value = await netactuate.values.create(list.id, { key: "LEGACY_VALUE", value: importedValue });
    const imports: Array<[string, string, string]> = [
      ["secretstack:tensordock:SshKey", "legacyKey", key.id],
      ["secretstack:tensordock:GenericSecret", "legacyGeneric", generic.id],
      ["secretstack:walletcrew:TenantSecret", "legacySigning", "demo/legacy-signing-key"],
      ["secretstack:netactuate:SecretList", "legacyList", String(list.id)],
      ["secretstack:netactuate:SecretValue", "legacyValue", String(value.id)],
    ];
    for (const [type, name, id] of imports) {
      // The generated code holds what was read (a value too): written to a file, not printed.
      const out = path.join(project.root, `${name}.yaml`);
      const result = await project.ok(["import", type, name, id, "--yes", "--protect=false", "--out", out]);
      expect(result.stdout).toMatch(/= 1 imported/);
      expect(readFileSync(out, "utf8")).toContain(`type: ${type}`);
    }
    const { resources } = await exported();
    const byName = new Map(resources.map((r) => [r.urn.split("::").pop(), r]));
    expect(byName.get("legacyKey")?.outputs?.fingerprint).toMatch(/^SHA256:/);
    expect(byName.get("legacySigning")?.id).toBe("demo/legacy-signing-key");
    expect(byName.get("legacyList")?.outputs?.name).toBe("legacy-list");
    expect(byName.get("legacyValue")?.outputs?.key).toBe("LEGACY_VALUE");
    // The imported values are secrets in the state (ciphertext), as the managed ones are.
    for (const name of ["legacySigning", "legacyValue"]) {
      expect(JSON.stringify(byName.get(name)?.outputs?.value)).toContain("ciphertext");
    }
    const refresh = await project.run(["refresh", "--yes", "--expect-no-changes"]);
    expect(refresh.code).toBe(0);
  });

  it("keeps every secret out of the state, stack export, the CLI's output and the plugin's log", async () => {
    const { text } = await exported();
    const files = readTree(project.backendDir);
    expect(files.length).toBeGreaterThan(1000);
    expect(text).toContain("ciphertext");
    expect(findLeak(text, secrets())).toBeUndefined();
    expect(findLeak(files, secrets())).toBeUndefined();
    expect(findLeak(project.output(), secrets())).toBeUndefined();
    expect(existsSync(project.pluginLog)).toBe(true);
    expect(findLeak(readFileSync(project.pluginLog, "utf8"), secrets())).toBeUndefined();
  });

  it("destroys everything it manages, imports included, leaving the sandbox empty", async () => {
    const destroy = await project.ok(["destroy", "--yes"]);
    expect(destroy.stdout).toMatch(/- 11 deleted/);
    expect(await sandbox.current.contents()).toEqual(EMPTY_SANDBOX);
    expect(findLeak(project.output(), secrets())).toBeUndefined();
  });
});

describe("values from valueFrom through the plugin under the real Pulumi CLI", { timeout: 240_000 }, () => {
  const fromEnv = canary("vfenv");
  const fromFile = canary("vffile");
  const changed = canary("vfchanged");

  function program(pluginDir: string): string {
    return [
      "name: secretstack-value-from-yaml",
      "runtime: yaml",
      "plugins:",
      "  providers:",
      "    - name: secretstack",
      `      path: ${pluginDir}`,
      "resources:",
      "  fromEnv:",
      "    type: secretstack:walletcrew:TenantSecret",
      "    properties:",
      "      key: yaml-from-env",
      "      valueFrom:",
      "        env: YAML_SOURCED_VALUE",
      "  fromFile:",
      "    type: secretstack:netactuate:SecretList",
      "    properties:",
      "      name: yaml-sourced",
      "  fileValue:",
      "    type: secretstack:netactuate:SecretValue",
      "    properties:",
      "      listId: ${fromFile.id}",
      "      key: YAML_FROM_FILE",
      "      valueFrom:",
      "        file: sourced.txt",
      "",
    ].join("\n");
  }

  it("sends what the source holds, keeps it out of the state, and plans an update when the source changes", async () => {
    const { sandbox: s } = sandbox.current;
    const env = {
      WALLETCREW_API_KEY: s.walletcrew.apiKey,
      WALLETCREW_BASE_URL: s.walletcrew.baseUrl,
      WALLETCREW_TENANT_ID: s.walletcrew.tenantId,
      NETACTUATE_API_KEY: s.netactuate.apiKey,
      NETACTUATE_BASE_URL: s.netactuate.baseUrl,
    };
    sourced = new RealPulumiProject(cliDir, { ...env, YAML_SOURCED_VALUE: fromEnv });
    writeFileSync(path.join(sourced.projectDir, "Pulumi.yaml"), program(sourced.pluginDir));
    // Relative to the project's directory, as for a program's classes.
    writeFileSync(path.join(sourced.projectDir, "sourced.txt"), fromFile);
    await sourced.ok(["stack", "init", "sourced"]);
    await sourced.ok(["up", "--yes"]);
    const { walletcrew, netactuate } = sandbox.current.clients;
    expect(await walletcrew.demo?.retrieve("yaml-from-env")).toBe(fromEnv);
    const value = (await netactuate.values.listAll()).find((v) => v.key === "YAML_FROM_FILE");
    expect(value?.value).toBe(fromFile);
    const state = (await sourced.ok(["stack", "export", "--show-secrets"])).stdout;
    expect(state).toContain("valueFingerprint");
    expect(findLeak(state, [fromEnv, fromFile])).toBeUndefined();

    expect((await sourced.run(["preview", "--expect-no-changes"])).code).toBe(0);
    // The variable changed: the plan shows an update of value (sending nothing), and up sends the new one.
    const requestsBefore = sandbox.current.log.length;
    const preview = await sourced.ok(["preview", "--diff"], { env: { YAML_SOURCED_VALUE: changed } });
    expect(preview.stdout).toMatch(/~ secretstack:walletcrew:TenantSecret/);
    expect(preview.stdout).toMatch(/~ 1 to update/);
    expect(sandbox.current.log.length).toBe(requestsBefore);
    await sourced.ok(["up", "--yes"], { env: { YAML_SOURCED_VALUE: changed } });
    expect(await walletcrew.demo?.retrieve("yaml-from-env")).toBe(changed);
    await sourced.ok(["destroy", "--yes"], { env: { YAML_SOURCED_VALUE: changed } });
    expect(await sandbox.current.contents()).toEqual(EMPTY_SANDBOX);
    const seen = `${sourced.output()}\n${readFileSync(sourced.pluginLog, "utf8")}`;
    expect(findLeak(seen, [fromEnv, fromFile, changed])).toBeUndefined();
  });
});

describe("an explicit secretstack provider under the real Pulumi CLI", { timeout: 240_000 }, () => {
  it("takes its settings from its properties (no environment), and keeps its credential encrypted", async () => {
    const { sandbox: s, credentials } = sandbox.current;
    const value = canary("explicit");
    explicit = new RealPulumiProject(cliDir, {});
    writeFileSync(
      path.join(explicit.projectDir, "Pulumi.yaml"),
      [
        "name: secretstack-explicit-provider",
        "runtime: yaml",
        "plugins:",
        "  providers:",
        "    - name: secretstack",
        `      path: ${explicit.pluginDir}`,
        "config:",
        "  walletcrewKey:",
        "    type: string",
        "    secret: true",
        "resources:",
        "  eu:",
        "    type: pulumi:providers:secretstack",
        "    properties:",
        "      walletcrewApiKey: ${walletcrewKey}",
        `      walletcrewBaseUrl: ${s.walletcrew.baseUrl}`,
        "      walletcrewTenantId: demo-eu",
        "  signing:",
        "    type: secretstack:walletcrew:TenantSecret",
        "    properties:",
        "      key: explicit-signing-key",
        "      value:",
        "        fn::secret: ${secretValue}",
        "    options:",
        "      provider: ${eu}",
        "variables:",
        "  secretValue:",
        "    fn::secret: " + value,
        "",
      ].join("\n"),
    );
    const key = credentials.walletcrewKeys["demo-eu"] ?? "";
    expect(key).not.toBe("");
    await explicit.ok(["stack", "init", "explicit"]);
    await explicit.ok(["config", "set", "--secret", "walletcrewKey", key]);
    await explicit.ok(["up", "--yes"]);
    expect(await sandbox.current.clients.walletcrew["demo-eu"]?.retrieve("explicit-signing-key")).toBe(value);
    const { stdout } = await explicit.ok(["stack", "export"]);
    expect(stdout).toContain("pulumi:providers:secretstack");
    expect(findLeak(stdout, [key, value])).toBeUndefined();
    expect(findLeak(readTree(explicit.backendDir), [key, value])).toBeUndefined();
    await explicit.ok(["destroy", "--yes"]);
    expect(await sandbox.current.contents()).toEqual(EMPTY_SANDBOX);
    expect(
      findLeak(`${explicit.output()}\n${readFileSync(explicit.pluginLog, "utf8")}`, [key, value]),
    ).toBeUndefined();
  });
});
