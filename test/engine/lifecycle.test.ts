import { writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { readState } from "../../harness/engine";
import { TrivialStack, urnOf } from "./fixture";

// One stack taken through its whole life, in order: each test starts from the state the previous one left.
describe("the engine over the real dynamic-provider host, through a stack's life", () => {
  const stack = new TrivialStack();
  const renamed = { TRIVIAL_GROUP_NAME: "beta" };
  afterAll(() => stack.remove());

  it("creates every resource on the first up, feeding the group's id into the item", async () => {
    const summary = await stack.run("up");
    expect(summary).toMatchObject({
      created: 3,
      updated: 0,
      replaced: 0,
      deleted: 0,
      unchanged: 0,
      failed: 0,
    });
    const { records } = stack.store();
    const group = Object.entries(records).find(([, r]) => r.kind === "group");
    expect(group).toBeDefined();
    expect(records[String(summary.outputs.itemId)]?.groupId).toBe(group?.[0]);
    expect(summary.outputs).toMatchObject({ groupId: group?.[0], itemValue: "[secret]" });
    expect(stack.lines).toContain("+ create trivial:Record group");
    expect(stack.lines.at(-1)).toBe("up: 3 created, 0 updated, 0 replaced, 0 deleted, 0 unchanged");
    const state = await readState(stack.stateFile);
    expect(state.resources.map((r) => r.name).sort()).toEqual(["extra", "group", "item"]);
    expect(state.resources.find((r) => r.name === "item")?.dependencies).toEqual([urnOf("group")]);
  });

  it("changes nothing on a second up", async () => {
    const summary = await stack.run("up");
    expect(summary).toMatchObject({
      created: 0,
      updated: 0,
      replaced: 0,
      deleted: 0,
      unchanged: 3,
      operations: [],
    });
    expect(summary.rpc).toMatchObject({ Check: 3, Diff: 3, Create: 0, Update: 0, Delete: 0 });
  });

  it("updates the item in place when its secret value changes", async () => {
    const summary = await stack.run("up", { TRIVIAL_SECRET: "second-value" });
    expect(summary).toMatchObject({
      updated: 1,
      unchanged: 2,
      operations: [{ urn: urnOf("item"), op: "update" }],
    });
    const item = Object.values(stack.store().records).find((r) => r.kind === "item");
    expect(item?.value).toBe("second-value");
  });

  it("leaves an ignored property alone when only it changes", async () => {
    const summary = await stack.run("up", { TRIVIAL_SECRET: "third-value", TRIVIAL_IGNORE_VALUE: "1" });
    expect(summary).toMatchObject({ updated: 0, unchanged: 3 });
    const item = Object.values(stack.store().records).find((r) => r.kind === "item");
    expect(item?.value).toBe("second-value");
  });

  it("replaces the group create-before-delete when its name changes, updating the item that uses its id", async () => {
    const before = stack.store().log.length;
    const summary = await stack.run("up", { ...renamed, TRIVIAL_SECRET: "second-value" });
    expect(summary).toMatchObject({ replaced: 1, updated: 1, deleted: 0, unchanged: 1 });
    const log = stack.store().log.slice(before);
    const created = log.findIndex((l) => /^create group-\d+ beta$/.test(l));
    const deleted = log.findIndex((l) => /^delete group-\d+$/.test(l));
    expect(created).toBeGreaterThanOrEqual(0);
    expect(deleted).toBeGreaterThan(created);
    expect(log.findIndex((l) => l.startsWith("update item-"))).toBeLessThan(deleted);
    const state = await readState(stack.stateFile);
    expect(state.resources.filter((r) => r.name === "group")).toHaveLength(1);
    expect(state.resources.some((r) => r.pendingDelete)).toBe(false);
  });

  it("deletes the item before creating its replacement when the provider asks for it", async () => {
    const before = stack.store().log.length;
    const summary = await stack.run("up", {
      ...renamed,
      TRIVIAL_SECRET: "second-value",
      TRIVIAL_ITEM_NAME: "second",
    });
    expect(summary).toMatchObject({ replaced: 1, unchanged: 2 });
    const log = stack.store().log.slice(before);
    expect(log).toHaveLength(2);
    expect(log[0]).toMatch(/^delete item-\d+$/);
    expect(log[1]).toMatch(/^create item-\d+ second$/);
  });

  it("honours the deleteBeforeReplace resource option", async () => {
    const before = stack.store().log.length;
    const knobs = { TRIVIAL_GROUP_NAME: "gamma", TRIVIAL_GROUP_DBR: "1", TRIVIAL_SECRET: "second-value" };
    const summary = await stack.run("up", { ...knobs, TRIVIAL_ITEM_NAME: "second" });
    expect(summary).toMatchObject({ replaced: 1, updated: 1 });
    const log = stack.store().log.slice(before);
    expect(log[0]).toMatch(/^delete group-\d+$/);
    expect(log[1]).toMatch(/^create group-\d+ gamma$/);
  });

  const current = {
    TRIVIAL_GROUP_NAME: "gamma",
    TRIVIAL_SECRET: "second-value",
    TRIVIAL_ITEM_NAME: "second",
  };

  it("drops on refresh a resource deleted behind the engine's back", async () => {
    const data = stack.store();
    const extraId = Object.keys(data.records).find((id) => data.records[id]?.kind === "note") as string;
    delete data.records[extraId];
    writeFileSync(stack.storeFile, JSON.stringify(data));
    const summary = await stack.run("refresh");
    expect(summary).toMatchObject({
      dropped: 1,
      drifted: 0,
      unchanged: 2,
      operations: [{ urn: urnOf("extra"), op: "drop" }],
    });
    expect(summary.rpc.Read).toBe(3);
    const state = await readState(stack.stateFile);
    expect(state.resources.map((r) => r.name).sort()).toEqual(["group", "item"]);
  });

  it("recreates the dropped resource on the next up", async () => {
    const summary = await stack.run("up", current);
    expect(summary).toMatchObject({
      created: 1,
      unchanged: 2,
      operations: [{ urn: urnOf("extra"), op: "create" }],
    });
  });

  it("deletes a resource the program no longer declares", async () => {
    const summary = await stack.run("up", { ...current, TRIVIAL_EXTRA: "0" });
    expect(summary).toMatchObject({
      deleted: 1,
      unchanged: 2,
      operations: [{ urn: urnOf("extra"), op: "delete" }],
    });
    expect(
      Object.values(stack.store().records)
        .map((r) => r.kind)
        .sort(),
    ).toEqual(["group", "item"]);
  });

  it("destroys everything, dependents first, leaving the store and the state empty", async () => {
    const before = stack.store().log.length;
    const summary = await stack.run("destroy");
    expect(summary).toMatchObject({ deleted: 2, failed: 0 });
    const log = stack.store().log.slice(before);
    expect(log.map((l) => l.split("-")[0])).toEqual(["delete item", "delete group"]);
    expect(stack.store().records).toEqual({});
    expect((await readState(stack.stateFile)).resources).toEqual([]);
  });
});
