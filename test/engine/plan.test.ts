import { describe, expect, it } from "vitest";
import {
  applyIgnoreChanges,
  changedKeys,
  dependentsWithin,
  Limiter,
  parsePropertyPath,
} from "../../harness/engine/plan";
import type { ResourceState } from "../../harness/engine/state";

function entry(urn: string, dependencies: string[] = [], parent?: string): ResourceState {
  return {
    urn,
    type: "t",
    name: urn,
    id: urn,
    inputs: {},
    outputs: {},
    dependencies,
    ...(parent ? { parent } : {}),
  };
}

describe("applyIgnoreChanges", () => {
  it("keeps the old value of an ignored property and leaves the others alone", () => {
    const news = { name: "new", value: "changed", tags: { a: "1" } };
    expect(applyIgnoreChanges(news, { name: "old", value: "kept" }, ["value"])).toEqual({
      name: "new",
      value: "kept",
      tags: { a: "1" },
    });
    expect(news.value).toBe("changed");
  });

  it("removes an ignored property the old inputs did not have, and follows nested paths", () => {
    expect(
      applyIgnoreChanges({ value: "x", tags: { a: "2", b: "3" } }, { tags: { a: "1" } }, [
        "value",
        "tags.a",
        "tags.b",
      ]),
    ).toEqual({
      tags: { a: "1" },
    });
  });

  it("parses dotted, indexed and quoted property paths", () => {
    expect(parsePropertyPath('a.b[2]["x.y"]')).toEqual(["a", "b", 2, "x.y"]);
  });
});

describe("changedKeys", () => {
  it("names the top-level keys whose values differ, deeply", () => {
    expect(
      changedKeys({ a: 1, b: { c: [1] }, d: "same" }, { a: 2, b: { c: [1] }, d: "same", e: true }),
    ).toEqual(["a", "e"]);
  });
});

describe("dependentsWithin", () => {
  it("orders dependents and children before what they depend on, old copies included", () => {
    const list = entry("list");
    const oldList = { ...entry("list"), pendingDelete: true };
    const value = entry("value", ["list"]);
    const child = entry("child", [], "value");
    const graph = dependentsWithin([list, oldList, value, child]);
    expect(graph.get(list)).toEqual([value]);
    expect(graph.get(oldList)).toEqual([value]);
    expect(graph.get(value)).toEqual([child]);
    expect(graph.get(child)).toEqual([]);
  });
});

describe("Limiter", () => {
  it("never runs more tasks at once than its limit, and runs them all", async () => {
    const limiter = new Limiter(3);
    let active = 0;
    let peak = 0;
    const gates: Array<() => void> = [];
    const tasks = Array.from({ length: 10 }, (_, i) =>
      limiter.run(async () => {
        active += 1;
        peak = Math.max(peak, active);
        await new Promise<void>((resolve) => gates.push(resolve));
        active -= 1;
        return i;
      }),
    );
    while (gates.length > 0 || active > 0) {
      await new Promise((resolve) => setImmediate(resolve));
      gates.shift()?.();
    }
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(peak).toBe(3);
  });
});
