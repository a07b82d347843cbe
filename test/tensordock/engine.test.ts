import { readFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EngineOptions, Summary } from "../../harness/engine";
import { startTensorDockSandbox, type TensorDockSandbox } from "../../sandbox/tensordock";
import { TensorDockClient } from "../../sdk/tensordock";
import { canary, findLeak, publicKeyLine, readTree } from "./helpers";
import { type EngineCommand, ProgramStack } from "../support/deploy";
import type { Spec } from "../fixtures/tensordock";
import { deploymentFailure } from "../support/failures";

const PROGRAM = path.resolve(__dirname, "..", "fixtures", "tensordock");

/** One stack of the fixture against one sandbox, with every line the engine, host and sandbox wrote. */
class Stack extends ProgramStack {
  readonly dataDir = path.join(this.dir, "sandbox");
  readonly sandboxLines: string[] = [];
  sandbox!: TensorDockSandbox;

  constructor() {
    super({ programDir: PROGRAM });
  }

  async start(token: string): Promise<void> {
    this.sandbox = await startTensorDockSandbox({
      dataDir: this.dataDir,
      tokens: [token],
      log: (line) => this.sandboxLines.push(line),
    });
  }

  /** Runs `command` with the fixture declaring `spec`, against the sandbox. */
  deploy(command: EngineCommand, spec: Spec, extra: Partial<EngineOptions> = {}): Promise<Summary> {
    const { apiToken, baseUrl } = this.sandbox;
    const env = {
      TD_SPEC: JSON.stringify(spec),
      TENSORDOCK_API_TOKEN: apiToken,
      TENSORDOCK_BASE_URL: baseUrl,
    };
    return this.runWith(command, env, extra);
  }

  client(): TensorDockClient {
    return new TensorDockClient({ baseUrl: this.sandbox.baseUrl, apiToken: this.sandbox.apiToken });
  }

  async close(): Promise<void> {
    await this.sandbox?.close();
    this.remove();
  }
}

// One stack through its whole life, in order: each test starts from what the previous one left.
describe("three SshKeys and three GenericSecrets through the engine and the sandbox", () => {
  const stack = new Stack();
  const token = canary("Token");
  const values = [canary("ValueA"), canary("ValueB"), canary("ValueC")];
  const changed = canary("ValueChanged");
  const keys = [
    publicKeyLine("ed25519", "ops@fleet"),
    publicKeyLine("rsa2048", "ci@fleet"),
    publicKeyLine("ecdsa"),
  ];
  const spec = (secretValues: string[]): Spec => ({
    keys: keys.map((publicKey, i) => ({ resource: `key${i}`, name: `fleet-key-${i}`, publicKey })),
    secrets: secretValues.map((value, i) => ({
      resource: `secret${i}`,
      name: `app-secret-${i}`,
      value,
      ...(i === 2 ? { secretType: "SECRET" as const } : {}),
    })),
  });
  const current = [changed, values[1] as string, values[2] as string];

  beforeAll(async () => {
    await stack.start(token);
  });
  afterAll(async () => {
    await stack.close();
  });

  it("creates all six on the first up", async () => {
    const summary = await stack.deploy("up", spec(values));
    expect(summary).toMatchObject({ created: 6, failed: 0 });
    const stored = stack.sandbox.secrets();
    expect(stored.map((s) => `${s.type} ${s.name}`).sort()).toEqual([
      "GENERIC app-secret-0",
      "GENERIC app-secret-1",
      "SECRET app-secret-2",
      "SSHKEY fleet-key-0",
      "SSHKEY fleet-key-1",
      "SSHKEY fleet-key-2",
    ]);
    expect(summary.outputs.secretIds).toEqual(
      ["app-secret-0", "app-secret-1", "app-secret-2"].map((n) => stored.find((s) => s.name === n)?.id),
    );
    expect(summary.outputs.fingerprints).toEqual([
      expect.stringMatching(/^SHA256:/),
      expect.stringMatching(/^SHA256:/),
      expect.stringMatching(/^SHA256:/),
    ]);
    expect(summary.outputs.secretValues).toBe("[secret]");
  });

  it("serializes each provider as a short require() of the installed package", async () => {
    const state = await stack.state();
    const providers = new Set(
      state.resources.filter((r) => r.type.includes("tensordock")).map((r) => String(r.inputs.__provider)),
    );
    expect(providers.size).toBe(2);
    for (const text of providers) {
      expect(text.length).toBeLessThan(400);
      expect(text).toMatch(/require\("pulumi-secretstack\/providers\/tensordock\/(sshKey|genericSecret)"\)/);
    }
  });

  it("plans and sends nothing on a second up", async () => {
    const before = stack.sandbox.stats().total;
    const summary = await stack.deploy("up", spec(values));
    expect(summary).toMatchObject({ created: 0, updated: 0, replaced: 0, deleted: 0, unchanged: 6 });
    expect(stack.sandbox.stats().total).toBe(before);
  });

  it("replaces a secret whose value changed, deleting the old one first", async () => {
    const oldId = stack.sandbox.secrets().find((s) => s.name === "app-secret-0")?.id;
    const summary = await stack.deploy("up", spec(current));
    expect(summary).toMatchObject({ replaced: 1, unchanged: 5, failed: 0 });
    const now = stack.sandbox.secrets();
    expect(now).toHaveLength(6);
    const fresh = now.find((s) => s.name === "app-secret-0")?.id;
    expect(fresh).toBeDefined();
    expect(fresh).not.toBe(oldId);
    expect(summary.outputs.secretIds).toContain(fresh);
    const deleteLine = stack.sandboxLines.findIndex((l) => l.startsWith("DELETE /api/v2/secrets/:id 200"));
    const postLine = stack.sandboxLines.findLastIndex((l) => l.startsWith("POST /api/v2/secrets 201"));
    expect(deleteLine).toBeGreaterThanOrEqual(0);
    expect(deleteLine).toBeLessThan(postLine);
  });

  it("drops on refresh a secret deleted behind Pulumi's back", async () => {
    const victim = stack.sandbox.secrets().find((s) => s.name === "fleet-key-1");
    await stack.client().delete(victim?.id as string);
    const summary = await stack.deploy("refresh", spec(current));
    expect(summary).toMatchObject({ dropped: 1, drifted: 0, unchanged: 5 });
    const names = (await stack.state()).resources
      .filter((r) => r.type.includes("tensordock"))
      .map((r) => r.name);
    expect(names).not.toContain("key1");
    expect(names).toHaveLength(5);
  });

  it("recreates it on the next up", async () => {
    const summary = await stack.deploy("up", spec(current));
    expect(summary).toMatchObject({ created: 1, unchanged: 5 });
    expect(stack.sandbox.secrets().filter((s) => s.name === "fleet-key-1")).toHaveLength(1);
  });

  it("keeps every value and the connection out of the state's plain outputs", async () => {
    const state = await stack.state();
    for (const resource of state.resources.filter((r) => r.type.includes("tensordock"))) {
      const plain = Object.entries(resource.outputs).filter(
        ([k]) => !(resource.secretOutputs ?? []).includes(k),
      );
      expect(findLeak(JSON.stringify(plain), [token, ...values, changed])).toBeUndefined();
      if (resource.type.endsWith(":GenericSecret")) expect(resource.secretOutputs).toContain("value");
    }
  });

  it("destroys everything, leaving the sandbox empty", async () => {
    const summary = await stack.deploy("destroy", spec(current));
    expect(summary).toMatchObject({ deleted: 6, failed: 0 });
    expect(stack.sandbox.secrets()).toEqual([]);
    expect((await stack.state()).resources).toEqual([]);
  });

  it("never let the token or a value reach the provider text, plain outputs, logs, host output or the database", async () => {
    const canaries = [token, ...values, changed];
    expect(findLeak(stack.lines.join("\n"), canaries)).toBeUndefined();
    expect(findLeak(stack.hostLines.join("\n"), canaries)).toBeUndefined();
    expect(findLeak(stack.sandboxLines.join("\n"), canaries)).toBeUndefined();
    expect(findLeak(readTree(stack.dataDir), canaries)).toBeUndefined();
    const raw = readFileSync(stack.stateFile, "utf8");
    expect(findLeak(raw, canaries)).toBeUndefined();
  });
});

describe("the TensorDock resources through the engine", () => {
  const stacks: Stack[] = [];
  async function newStack(): Promise<Stack> {
    const stack = new Stack();
    stacks.push(stack);
    await stack.start(canary("Token"));
    return stack;
  }
  afterAll(async () => {
    await Promise.all(stacks.map((s) => s.close()));
  });

  it("leaves exactly one secret, the one in state, when the sandbox commits a create and drops the answer", async () => {
    const stack = await newStack();
    stack.sandbox.faults.dropAfterCommit(1, { method: "POST" });
    const summary = await stack.deploy("up", {
      secrets: [{ resource: "s", name: "dropped-answer", value: "v" }],
    });
    expect(summary).toMatchObject({ created: 1, failed: 0 });
    const stored = stack.sandbox.secrets();
    expect(stored).toHaveLength(1);
    const state = await stack.state();
    expect(state.resources.find((r) => r.name === "s")?.id).toBe(stored[0]?.id);
    expect(stack.sandbox.stats().requests["POST /api/v2/secrets"]).toEqual({ dropped: 1 });
  });

  it("fails at check naming the property for a bad key, an empty name and an unknown type, sending nothing", async () => {
    const stack = await newStack();
    const error = await deploymentFailure(
      stack.deploy("up", {
        keys: [{ resource: "bad-key", name: "k", publicKey: "ssh-ed25519 not-a-key" }],
        secrets: [
          { resource: "no-name", name: "", value: "v" },
          { resource: "bad-type", name: "n", value: "v", secretType: "SSHKEY" as "SECRET" },
        ],
      }),
    );
    const failures = error.summary.failures.join("\n");
    expect(failures).toContain("tensordock:SshKey bad-key: check failed: publicKey:");
    expect(failures).toContain("tensordock:GenericSecret no-name: check failed: name: must not be empty");
    expect(failures).toContain("tensordock:GenericSecret bad-type: check failed: secretType:");
    expect(error.summary.failed).toBe(3);
    expect(stack.sandbox.stats().total).toBe(0);
  });

  it("reports a rejected token by where to set it, never the token itself", async () => {
    const stack = await newStack();
    const wrong = canary("WrongToken");
    const error = await deploymentFailure(
      stack.deploy(
        "up",
        { secrets: [{ resource: "s", name: "n", value: "v" }] },
        {
          env: {
            TD_SPEC: JSON.stringify({ secrets: [{ resource: "s", name: "n", value: "v" }] }),
            TENSORDOCK_API_TOKEN: wrong,
            TENSORDOCK_BASE_URL: stack.sandbox.baseUrl,
          },
        },
      ),
    );
    expect(error.message).toContain("401 from TensorDock GET /secrets");
    expect(error.message).toContain("TENSORDOCK_API_TOKEN");
    const text = [
      error.message,
      ...error.summary.failures,
      ...stack.lines,
      ...stack.hostLines,
      ...stack.sandboxLines,
    ].join("\n");
    expect(findLeak(text, [wrong, stack.sandbox.apiToken])).toBeUndefined();
    expect(stack.sandbox.secrets()).toEqual([]);
  });

  it("imports a generic secret with its value ignored, then adopts the declared value without calling the API", async () => {
    const stack = await newStack();
    const existing = await stack
      .client()
      .create({ name: "legacy-token", type: "SECRET", value: "remote-value" });
    const declared = {
      resource: "s",
      name: "legacy-token",
      value: "declared-value",
      secretType: "SECRET" as const,
    };
    const strict = await deploymentFailure(
      stack.deploy("up", { secrets: [{ ...declared, import: existing.id }] }),
    );
    expect(strict.message).toContain("inputs to import do not match the existing resource");
    const imported = await stack.deploy("up", {
      secrets: [{ ...declared, import: existing.id, ignoreValue: true }],
    });
    expect(imported).toMatchObject({ imported: 1, failed: 0 });
    const before = stack.sandbox.stats().total;
    const adopted = await stack.deploy("up", { secrets: [declared] });
    expect(adopted).toMatchObject({ updated: 1, replaced: 0 });
    expect(stack.sandbox.stats().total).toBe(before);
    expect((await stack.state()).resources.find((r) => r.name === "s")?.outputs.value).toBe("declared-value");
    const rotated = await stack.deploy("up", { secrets: [{ ...declared, value: "rotated" }] });
    expect(rotated).toMatchObject({ replaced: 1 });
    expect(stack.sandbox.secrets().map((s) => s.id)).not.toContain(existing.id);
    await stack.deploy("destroy", { secrets: [declared] });
    expect(stack.sandbox.secrets()).toEqual([]);
  });

  it("adopts an existing SSH key with the import option and then manages it", async () => {
    const stack = await newStack();
    const key = publicKeyLine("ed25519", "legacy");
    const existing = await stack.client().create({ name: "legacy-key", type: "SSHKEY", value: key });
    const declared = { resource: "k", name: "legacy-key", publicKey: key };
    const imported = await stack.deploy("up", { keys: [{ ...declared, import: existing.id }] });
    expect(imported).toMatchObject({ imported: 1, failed: 0 });
    const again = await stack.deploy("up", { keys: [declared] });
    expect(again).toMatchObject({ unchanged: 1 });
    await stack.deploy("destroy", { keys: [declared] });
    expect(stack.sandbox.secrets()).toEqual([]);
  });
});
