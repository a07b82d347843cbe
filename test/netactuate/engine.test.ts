import { readFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EngineOptions, Summary } from "../../harness/engine";
import { type NetActuateSandbox, startNetActuateSandbox } from "../../sandbox/netactuate";
import { NetActuateClient } from "../../sdk/netactuate";
import { canary, findLeak, readTree } from "./helpers";
import { type EngineCommand, ProgramStack } from "../support/deploy";
import type { Spec } from "../fixtures/netactuate";
import { deploymentFailure } from "../support/failures";

const PROGRAM = path.resolve(__dirname, "..", "fixtures", "netactuate");

/** One stack of the fixture against one sandbox, with every line the engine, host and sandbox wrote. */
class Stack extends ProgramStack {
  readonly dataDir = path.join(this.dir, "sandbox");
  readonly sandboxLines: string[] = [];
  sandbox!: NetActuateSandbox;

  constructor() {
    super({ programDir: PROGRAM });
  }

  async start(apiKey: string): Promise<this> {
    this.sandbox = await startNetActuateSandbox({
      dataDir: this.dataDir,
      apiKeys: [apiKey],
      log: (line) => this.sandboxLines.push(line),
    });
    return this;
  }

  /** Runs `command` with the fixture declaring `spec`, against the sandbox. */
  deploy(command: EngineCommand, spec: Spec, extra: Partial<EngineOptions> = {}): Promise<Summary> {
    const { apiKey, baseUrl } = this.sandbox;
    const env = { NA_SPEC: JSON.stringify(spec), NETACTUATE_API_KEY: apiKey, NETACTUATE_BASE_URL: baseUrl };
    return this.runWith(command, env, extra);
  }

  client(): NetActuateClient {
    return new NetActuateClient({ baseUrl: this.sandbox.baseUrl, apiKey: this.sandbox.apiKey });
  }

  /** Lists and values as `list name: KEY…`, from the sandbox's in-process view. */
  contents(): Record<string, string[]> {
    const lists = this.sandbox.lists();
    const out: Record<string, string[]> = {};
    for (const list of lists) out[list.name] = [];
    for (const value of this.sandbox.values()) {
      const name = lists.find((l) => l.id === value.listId)?.name ?? `?${value.listId}`;
      out[name]?.push(value.key);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.sandbox?.close();
    this.remove();
  }
}

// One stack through its whole life, in order: each test starts from what the previous one left.
describe("secret lists and values through the engine and the sandbox", () => {
  const stack = new Stack();
  const apiKey = canary("ApiKey");
  const [one, two, changed, behind] = [canary("One"), canary("Two"), canary("Changed"), canary("Behind")];
  const spec = (o: { listA?: string; valueOne?: string; twoIn?: string } = {}): Spec => ({
    lists: [
      { resource: "listA", name: o.listA ?? "app-a" },
      { resource: "listB", name: "app-b" },
    ],
    values: [
      { resource: "one", list: "listA", key: "KEY_ONE", value: o.valueOne ?? one },
      { resource: "two", list: o.twoIn ?? "listA", key: "KEY_TWO", value: two },
    ],
  });
  const renamed = { listA: "app-a-renamed", valueOne: changed };

  beforeAll(async () => {
    await stack.start(apiKey);
  });
  afterAll(async () => {
    await stack.close();
  });

  it("creates two lists and two values on the first up", async () => {
    const summary = await stack.deploy("up", spec());
    expect(summary).toMatchObject({ created: 4, failed: 0 });
    expect(stack.contents()).toEqual({ "app-a": ["KEY_ONE", "KEY_TWO"], "app-b": [] });
    // The two lists are created concurrently: their ids follow whichever POST arrived first.
    const idOf = (name: string) => String(stack.sandbox.lists().find((l) => l.name === name)?.id);
    expect(summary.outputs.listIds).toEqual({ listA: idOf("app-a"), listB: idOf("app-b") });

    expect(summary.outputs.references).toEqual({ one: "${{secret.KEY_ONE}}", two: "${{secret.KEY_TWO}}" });
    expect(summary.outputs.secretValues).toBe("[secret]");
  });

  it("serializes each provider as a short require() of the installed package", async () => {
    const state = await stack.state();
    const providers = new Set(
      state.resources.filter((r) => r.type.includes("netactuate")).map((r) => String(r.inputs.__provider)),
    );
    expect(providers.size).toBe(2);
    for (const text of providers) {
      expect(text.length).toBeLessThan(400);
      expect(text).toMatch(
        /require\("pulumi-secretstack\/providers\/netactuate\/(secretList|secretValue)"\)/,
      );
    }
  });

  it("plans and sends nothing on a second up", async () => {
    const before = stack.sandbox.stats().total;
    const summary = await stack.deploy("up", spec());
    expect(summary).toMatchObject({ created: 0, updated: 0, replaced: 0, deleted: 0, unchanged: 4 });
    expect(stack.sandbox.stats().total).toBe(before);
  });

  it("renames a list and changes a value in place", async () => {
    const ids = stack.sandbox.values().map((v) => v.id);
    const summary = await stack.deploy("up", spec(renamed));
    expect(summary).toMatchObject({ updated: 2, replaced: 0, created: 0, unchanged: 2, failed: 0 });
    expect(stack.contents()).toEqual({ "app-a-renamed": ["KEY_ONE", "KEY_TWO"], "app-b": [] });
    expect(stack.sandbox.values().map((v) => v.id)).toEqual(ids);
    const stored = await stack.client().values.listAll();
    expect(stored.find((v) => v.key === "KEY_ONE")?.value).toBe(changed);
  });

  it("shows a value edited behind Pulumi's back as drift on refresh, and restores it on the next up", async () => {
    const target = stack.sandbox.values().find((v) => v.key === "KEY_TWO");
    await stack
      .client()
      .values.update(target?.listId as number, target?.id as number, { key: "KEY_TWO", value: behind });
    const refreshed = await stack.deploy("refresh", spec(renamed));
    expect(refreshed).toMatchObject({ drifted: 1, dropped: 0, failed: 0 });
    const inState = (await stack.state()).resources.find((r) => r.name === "two");
    expect(inState?.outputs.value).toBe(behind);
    const restored = await stack.deploy("up", spec(renamed));
    expect(restored).toMatchObject({ updated: 1, unchanged: 3 });
    expect((await stack.client().values.listAll()).find((v) => v.key === "KEY_TWO")?.value).toBe(two);
  });

  it("moves a value to another list by deleting it first, then creating it with the same key", async () => {
    const oldId = stack.sandbox.values().find((v) => v.key === "KEY_TWO")?.id;
    const mark = stack.sandboxLines.length;
    const summary = await stack.deploy("up", { ...spec({ ...renamed, twoIn: "listB" }) });
    expect(summary).toMatchObject({ replaced: 1, unchanged: 3, failed: 0 });
    expect(stack.contents()).toEqual({ "app-a-renamed": ["KEY_ONE"], "app-b": ["KEY_TWO"] });
    expect(stack.sandbox.values().find((v) => v.key === "KEY_TWO")?.id).not.toBe(oldId);
    const lines = stack.sandboxLines.slice(mark);
    const deleted = lines.findIndex((l) =>
      l.startsWith("DELETE /api/secrets/lists/:secretList/values/:secretListValue 200"),
    );
    const created = lines.findIndex((l) => l.startsWith("POST /api/secrets/lists/:secretList/values 200"));
    expect(deleted).toBeGreaterThanOrEqual(0);
    expect(deleted).toBeLessThan(created);
  });

  it("keeps every value and the key out of the state's plain outputs", async () => {
    const state = await stack.state();
    for (const resource of state.resources.filter((r) => r.type.includes("netactuate"))) {
      const plain = Object.entries(resource.outputs).filter(
        ([k]) => !(resource.secretOutputs ?? []).includes(k),
      );
      expect(findLeak(JSON.stringify(plain), [apiKey, one, two, changed, behind])).toBeUndefined();
      if (resource.type.endsWith(":SecretValue")) expect(resource.secretOutputs).toContain("value");
    }
  });

  it("destroys everything, leaving the account empty", async () => {
    const summary = await stack.deploy("destroy", spec({ ...renamed, twoIn: "listB" }));
    expect(summary).toMatchObject({ deleted: 4, failed: 0 });
    expect(stack.sandbox.lists()).toEqual([]);
    expect(stack.sandbox.values()).toEqual([]);
    expect((await stack.state()).resources).toEqual([]);
  });

  it("never let the key or a value reach the provider text, logs, host output, state file or database", () => {
    const canaries = [apiKey, one, two, changed, behind];
    expect(findLeak(stack.lines.join("\n"), canaries)).toBeUndefined();
    expect(findLeak(stack.hostLines.join("\n"), canaries)).toBeUndefined();
    expect(findLeak(stack.sandboxLines.join("\n"), canaries)).toBeUndefined();
    expect(findLeak(readTree(stack.dataDir), canaries)).toBeUndefined();
    expect(findLeak(readFileSync(stack.stateFile, "utf8"), canaries)).toBeUndefined();
  });
});

describe("NetActuate rules and recoveries through the engine", () => {
  const stacks: Stack[] = [];
  const newStack = async () => {
    const stack = await new Stack().start(canary("Key"));
    stacks.push(stack);
    return stack;
  };
  afterAll(async () => {
    await Promise.all(stacks.map((s) => s.close()));
  });

  it("fails a preview and an up declaring one key in two lists, naming both resources, creating nothing", async () => {
    const stack = await newStack();
    const duplicate: Spec = {
      lists: [
        { resource: "first", name: "first" },
        { resource: "second", name: "second" },
      ],
      values: [
        { resource: "token-a", list: "first", key: "API_TOKEN", value: "a" },
        { resource: "token-b", list: "second", key: "API_TOKEN", value: "b" },
      ],
    };
    const planned = await deploymentFailure(stack.deploy("preview", duplicate));
    expect(planned.message).toMatch(/"token-a" and "token-b" declare the same key "API_TOKEN"/);
    const applied = await deploymentFailure(stack.deploy("up", duplicate));
    expect(applied.message).toMatch(/"token-a" and "token-b" declare the same key "API_TOKEN"/);
    expect(applied.summary.rpc.Create).toBe(0);
    expect(stack.sandbox.lists()).toEqual([]);
    expect(stack.sandbox.values()).toEqual([]);
  });

  it("fails a create whose key already exists in the account, offering the import option", async () => {
    const stack = await newStack();
    const outside = await stack.client().lists.create({ name: "made-elsewhere" });
    const [theirs, ours] = [canary("Theirs"), canary("Ours")];
    const existing = await stack.client().values.create(outside.id, { key: "LEGACY", value: theirs });
    const error = await deploymentFailure(
      stack.deploy("up", {
        lists: [{ resource: "list", name: "managed" }],
        values: [{ resource: "legacy", list: "list", key: "LEGACY", value: ours }],
      }),
    );
    expect(error.message).toContain(
      `key "LEGACY" already exists in the NetActuate account (value ${existing.id}`,
    );
    expect(error.message).toContain(`{ import: "${existing.id}" }`);
    expect(stack.sandbox.values()).toHaveLength(1);
    const text = [
      error.message,
      ...error.summary.failures,
      ...stack.lines,
      ...stack.hostLines,
      ...stack.sandboxLines,
    ];
    expect(findLeak(text.join("\n"), [theirs, ours, stack.sandbox.apiKey])).toBeUndefined();
  });

  it("leaves exactly one value, the one in state, when the sandbox commits a create and drops the answer", async () => {
    const stack = await newStack();
    stack.sandbox.faults.dropAfterCommit(1, {
      method: "POST",
      route: "/api/secrets/lists/:secretList/values",
    });
    const summary = await stack.deploy("up", {
      lists: [{ resource: "list", name: "flaky" }],
      values: [{ resource: "value", list: "list", key: "DROPPED_ANSWER", value: "v" }],
    });
    expect(summary).toMatchObject({ created: 2, failed: 0 });
    const stored = stack.sandbox.values();
    expect(stored).toHaveLength(1);
    expect((await stack.state()).resources.find((r) => r.name === "value")?.id).toBe(String(stored[0]?.id));
    expect(stack.sandbox.stats().requests["POST /api/secrets/lists/:secretList/values"]).toEqual({
      dropped: 1,
    });
  });

  it("adopts an existing value with the import option, then manages it", async () => {
    const stack = await newStack();
    const list = await stack.client().lists.create({ name: "legacy-list" });
    const existing = await stack.client().values.create(list.id, { key: "ADOPTED", value: "same" });
    const declared = { resource: "adopted", listId: String(list.id), key: "ADOPTED", value: "same" };
    const imported = await stack.deploy("up", { values: [{ ...declared, import: String(existing.id) }] });
    expect(imported).toMatchObject({ imported: 1, failed: 0 });
    const again = await stack.deploy("up", { values: [declared] });
    expect(again).toMatchObject({ unchanged: 1 });
    const rotated = await stack.deploy("up", { values: [{ ...declared, value: "rotated" }] });
    expect(rotated).toMatchObject({ updated: 1 });
    await stack.deploy("destroy", { values: [declared] });
    expect(stack.sandbox.values()).toEqual([]);
  });
});
