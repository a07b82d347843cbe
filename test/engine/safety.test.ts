import { existsSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { type ProviderHost, readState } from "../../harness/engine";
import { TrivialStack, urnOf } from "./fixture";
import { deploymentFailure } from "../support/failures";

const stacks: TrivialStack[] = [];
function newStack(): TrivialStack {
  const stack = new TrivialStack();
  stacks.push(stack);
  return stack;
}
afterEach(() => {
  for (const stack of stacks.splice(0)) stack.remove();
});

describe("secrets in the engine's state", () => {
  it("keeps a secret input encrypted in the state file while its value round-trips to the provider", async () => {
    const stack = newStack();
    const canary = `canary-${Math.random().toString(36).slice(2)}-value`;
    let host: ProviderHost | undefined;
    const first = await stack.run("up", { TRIVIAL_SECRET: canary }, { onHost: (h) => (host = h) });
    expect(first.created).toBe(3);
    const text = stack.stateText();
    for (const form of [
      canary,
      Buffer.from(canary).toString("base64"),
      Buffer.from(JSON.stringify(canary)).toString("base64"),
    ]) {
      expect(text).not.toContain(form);
    }
    expect(text).toContain('"ciphertext": "v1:');
    const item = (await readState(stack.stateFile)).resources.find((r) => r.name === "item");
    expect(item?.inputs.value).toBe(canary);
    expect(item?.outputs.value).toBe(canary);
    expect(item?.secretInputs).toEqual(["value"]);
    expect(item?.secretOutputs).toEqual(["value"]);
    expect(Object.values(stack.store().records).some((r) => r.value === canary)).toBe(true);
    expect(first.outputs.itemValue).toBe("[secret]");
    expect(host?.stderr ?? "").not.toContain(canary);
    expect(stack.lines.join("\n")).not.toContain(canary);
    // The decrypted value reaches the provider's diff unchanged: nothing to do.
    const second = await stack.run("up", { TRIVIAL_SECRET: canary });
    expect(second).toMatchObject({ unchanged: 3, updated: 0 });
  });

  it("refuses a state file written with another passphrase", async () => {
    const stack = newStack();
    await stack.run("up");
    const run = stack.run("up", { SECRETSTACK_ENGINE_PASSPHRASE: "another-passphrase" });
    await expect(run).rejects.toThrow(/passphrase differs/);
  });
});

describe("failures", () => {
  it("fails the run naming the property when check rejects an input, and still deploys the rest", async () => {
    const stack = newStack();
    const error = await deploymentFailure(stack.run("up", { TRIVIAL_ITEM_NAME: "bad name" }));
    expect(error.message).toContain(
      "create trivial:Record item: check failed: name: must be a string without spaces",
    );
    expect(error.summary).toMatchObject({ created: 2, failed: 1 });
    const names = (await readState(stack.stateFile)).resources.map((r) => r.name).sort();
    expect(names).toEqual(["extra", "group"]);
  });

  it("leaves no state entry for a failed create and reports the provider's message", async () => {
    const stack = newStack();
    const error = await deploymentFailure(stack.run("up", { TRIVIAL_FAIL_CREATE: "extra" }));
    expect(error.summary.failures).toEqual(["create trivial:Record extra: create refused for extra"]);
    expect(error.summary.operations).toContainEqual({
      urn: urnOf("extra"),
      op: "create",
      error: "create refused for extra",
    });
    const names = (await readState(stack.stateFile)).resources.map((r) => r.name).sort();
    expect(names).toEqual(["group", "item"]);
  });

  it("reports a program exception and deletes nothing the program did not reach", async () => {
    const stack = newStack();
    await stack.run("up");
    const error = await deploymentFailure(stack.run("up", { TRIVIAL_THROW: "1" }));
    expect(error.message).toContain("program: the fixture program failed on purpose");
    expect(error.summary.deleted).toBe(0);
    expect((await readState(stack.stateFile)).resources).toHaveLength(3);
    expect(Object.keys(stack.store().records)).toHaveLength(3);
  });

  it("fails every operation with a clear message when the provider host dies", async () => {
    const stack = newStack();
    const error = await deploymentFailure(stack.run("up", {}, { onHost: (h) => h.kill("SIGKILL") }));
    expect(error.message).toMatch(/the provider host exited \(signal SIGKILL\)/);
    expect(error.summary.created).toBe(0);
    expect((await readState(stack.stateFile)).resources).toEqual([]);
  });
});

describe("stack config", () => {
  it("reaches the program through pulumi.Config and the provider through configure", async () => {
    const stack = newStack();
    const config = { groupName: "from-config", "trivial:label": "configured-label" };
    await stack.run("up", {}, { config });
    const group = Object.values(stack.store().records).find((r) => r.kind === "group");
    expect(group).toMatchObject({ name: "from-config", label: "configured-label" });
  });
});

describe("concurrency", () => {
  it("runs independent operations at once, never more than the parallel limit", async () => {
    const stack = newStack();
    const summary = await stack.run("up", { TRIVIAL_NOTES: "6", TRIVIAL_BARRIER: "3" }, { parallel: 3 });
    expect(summary.created).toBe(9);
    expect(stack.store().peak).toBe(3);
  });
});

describe("preview", () => {
  it("plans the creates without creating anything or writing state", async () => {
    const stack = newStack();
    const summary = await stack.run("preview");
    expect(summary).toMatchObject({ command: "preview", created: 3, failed: 0 });
    expect(summary.rpc).toMatchObject({ Check: 3, Create: 0, Read: 0, Update: 0, Delete: 0 });
    expect(summary.outputs.groupId).toBe("[unknown]");
    expect(existsSync(stack.storeFile)).toBe(false);
    expect(existsSync(stack.stateFile)).toBe(false);
    expect(stack.lines.at(-1)).toBe(
      "preview: 3 to create, 0 to update, 0 to replace, 0 to delete, 0 unchanged",
    );
  });
});

describe("the import option", () => {
  const seeded = (stack: TrivialStack, value: string) =>
    writeFileSync(
      stack.storeFile,
      JSON.stringify({ next: 100, records: { "note-42": { kind: "note", name: "extra", value } }, log: [] }),
    );

  it("adopts an existing object through Read when the declared inputs match it", async () => {
    const stack = newStack();
    seeded(stack, "plain");
    const summary = await stack.run("up", { TRIVIAL_IMPORT_EXTRA: "note-42" });
    expect(summary).toMatchObject({ imported: 1, created: 2 });
    expect(stack.store().log).toContain("read note-42");
    expect(stack.store().log.some((l) => l.endsWith(" extra"))).toBe(false);
    const extra = (await readState(stack.stateFile)).resources.find((r) => r.name === "extra");
    expect(extra?.id).toBe("note-42");
  });

  it("refuses to adopt an object whose inputs differ, changing nothing", async () => {
    const stack = newStack();
    seeded(stack, "something else");
    const error = await deploymentFailure(stack.run("up", { TRIVIAL_IMPORT_EXTRA: "note-42" }));
    expect(error.message).toContain(
      "import trivial:Record extra: inputs to import do not match the existing resource",
    );
    expect(stack.store().records["note-42"]).toEqual({
      kind: "note",
      name: "extra",
      value: "something else",
    });
  });
});
