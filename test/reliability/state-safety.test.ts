/**
 * State safety through the stand-in engine, all five resource types in one program: no perpetual diff after
 * `up` or `refresh`, and deletion or modification outside Pulumi seen by refresh and undone by the next up.
 * One stack lives through the whole file; each test starts from what the previous one left.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Summary } from "../../harness/engine";
import { canary } from "../support/leaks";
import {
  audit,
  operationsOn,
  publicKeyLine,
  type ReliabilitySpec,
  ReliabilityStack,
} from "../support/reliabilityStack";
import { recordFigure } from "../support/report";
import { RESOURCE_TYPES, type ResourceType, URN_TYPE } from "../support/sandboxTrio";

const SECTION = "State safety";

// Per type: one resource left alone, one deleted outside, one modified outside (two for NetActuate values:
// the value and the key). TensorDock has no update, so "modified" there means someone deleted our secret
// and made another one of the same name: refresh can only see ours gone.
const spec: ReliabilitySpec = {
  sshKeys: ["keep", "del", "mod"].map((role) => ({
    resource: `key-${role}`,
    name: `rs-key-${role}`,
    publicKey: publicKeyLine(),
  })),
  secrets: ["keep", "del", "mod"].map((role) => ({
    resource: `secret-${role}`,
    name: `rs-secret-${role}`,
    value: canary(`Secret${role}`),
  })),
  tenantSecrets: ["keep", "del", "mod"].map((role) => ({
    resource: `tenant-${role}`,
    key: `rs-tenant-${role}`,
    value: canary(`Tenant${role}`),
  })),
  lists: ["keep", "del", "mod"].map((role) => ({ resource: `list-${role}`, name: `rs-list-${role}` })),
  values: ["keep", "del", "mod", "key"].map((role) => ({
    resource: `value-${role}`,
    list: "list-keep",
    key: `RS_VALUE_${role.toUpperCase()}`,
    value: canary(`Value${role}`),
  })),
};
const TOTAL = RESOURCE_TYPES.reduce((n, t) => n + (spec[t]?.length ?? 0), 0);

/** What the outside changes below do to each type: resources refresh must drop, and resources it must show drifted. */
const EXPECTED: Record<ResourceType, { dropped: number; drifted: number }> = {
  sshKeys: { dropped: 2, drifted: 0 },
  secrets: { dropped: 2, drifted: 0 },
  tenantSecrets: { dropped: 1, drifted: 1 },
  lists: { dropped: 1, drifted: 1 },
  values: { dropped: 1, drifted: 2 },
};

let stack: ReliabilityStack;
/** Objects someone else made (TensorDock's "modified outside"); not the stack's to manage. */
const theirs: string[] = [];
const summaries: Record<string, Summary> = {};

beforeAll(async () => {
  stack = await ReliabilityStack.start();
});
afterAll(async () => {
  await stack.close();
});

/** Asserts and records that `summary` (an up) did nothing but same steps for `type`. */
function expectNoChange(summary: Summary, type: ResourceType, after: string): void {
  const operations = operationsOn(summary, type).length;
  recordFigure({
    section: SECTION,
    case: `${URN_TYPE[type]}: a second up after ${after}`,
    measure: "operations other than same",
    value: operations,
    target: "0",
    ok: operations === 0,
  });
  expect(operationsOn(summary, type)).toEqual([]);
}

describe("no perpetual diff", () => {
  it("creates every resource on the first up", async () => {
    const summary = await stack.run("up", spec);
    expect(summary).toMatchObject({ created: TOTAL, failed: 0 });
    const found = await audit(stack, spec);
    for (const type of RESOURCE_TYPES) {
      expect(found[type]).toEqual({
        objects: spec[type]?.length,
        orphans: 0,
        duplicates: 0,
        missing: 0,
        stale: 0,
      });
    }
  });

  it("plans and writes nothing on a second up", async () => {
    const writesBefore = writeRequests();
    summaries.second = await stack.run("up", spec);
    expect(summaries.second).toMatchObject({ unchanged: TOTAL, failed: 0 });
    expect(writeRequests()).toBe(writesBefore);
  });

  it.each(RESOURCE_TYPES)("%s: the second up is all same steps", (type) => {
    expectNoChange(summaries.second as Summary, type, "an up");
  });

  it("sees no drift on refresh, and the up after it plans nothing", async () => {
    const refreshed = await stack.run("refresh", spec);
    expect(refreshed).toMatchObject({ dropped: 0, drifted: 0, unchanged: TOTAL, failed: 0 });
    summaries.afterRefresh = await stack.run("up", spec);
    expect(summaries.afterRefresh).toMatchObject({ unchanged: TOTAL, failed: 0 });
  });

  it.each(RESOURCE_TYPES)("%s: the up after a refresh is all same steps", (type) => {
    expectNoChange(summaries.afterRefresh as Summary, type, "a refresh");
  });
});

describe("deleted or modified outside Pulumi", () => {
  it("sees every deletion and modification made outside on refresh", async () => {
    const ids = await stack.ids();
    const { tensordock, walletcrew, netactuate } = stack.trio.clients();
    const id = (resource: string) => ids[resource] as string;
    // Deleted outside.
    await tensordock.delete(id("key-del"));
    await tensordock.delete(id("secret-del"));
    await walletcrew.delete("rs-tenant-del");
    await netactuate.lists.delete(Number(id("list-del")));
    await netactuate.values.delete(Number(id("list-keep")), Number(id("value-del")));
    // Modified outside. TensorDock: ours deleted, and others made by someone else (under other names: one
    // with our name is refused by the create, naming its id, which test/mistakes/mistakes.test.ts proves).
    await tensordock.delete(id("key-mod"));
    await tensordock.delete(id("secret-mod"));
    theirs.push(
      (await tensordock.create({ name: "rs-key-theirs", type: "SSHKEY", value: publicKeyLine() })).id,
    );
    theirs.push((await tensordock.create({ name: "rs-secret-theirs", type: "GENERIC", value: "theirs" })).id);
    await walletcrew.put("rs-tenant-mod", { value: canary("Changed") });
    await netactuate.lists.rename(Number(id("list-mod")), { name: "rs-list-renamed-outside" });
    await netactuate.values.update(Number(id("list-keep")), Number(id("value-mod")), {
      key: "RS_VALUE_MOD",
      value: canary("Changed"),
    });
    await netactuate.values.update(Number(id("list-keep")), Number(id("value-key")), {
      key: "RS_VALUE_KEY_RENAMED_OUTSIDE",
      value: spec.values?.[3]?.value as string,
    });

    summaries.refresh = await stack.run("refresh", spec);
    expect(summaries.refresh).toMatchObject({ dropped: 7, drifted: 4, failed: 0 });
  });

  it.each(RESOURCE_TYPES)("%s: refresh drops the deleted and shows the modified as drift", (type) => {
    const operations = operationsOn(summaries.refresh as Summary, type);
    const dropped = operations.filter((o) => o.op === "drop").length;
    const drifted = operations.filter((o) => o.op === "refresh").length;
    const { dropped: wantDropped, drifted: wantDrifted } = EXPECTED[type];
    recordFigure({
      section: SECTION,
      case: `${URN_TYPE[type]}: refresh after deletion outside`,
      measure: "resources dropped",
      value: dropped,
      target: `= ${wantDropped}`,
      ok: dropped === wantDropped,
    });
    if (wantDrifted > 0) {
      recordFigure({
        section: SECTION,
        case: `${URN_TYPE[type]}: refresh after modification outside`,
        measure: "resources shown drifted",
        value: drifted,
        target: `= ${wantDrifted}`,
        ok: drifted === wantDrifted,
      });
    }
    expect({ dropped, drifted }).toEqual(EXPECTED[type]);
  });

  it("recreates the dropped and restores the drifted on the next up", async () => {
    summaries.restore = await stack.run("up", spec);
    expect(summaries.restore).toMatchObject({ created: 7, updated: 4, replaced: 0, deleted: 0, failed: 0 });
  });

  it.each(RESOURCE_TYPES)(
    "%s: after that up the sandbox matches the program, with no duplicate",
    async (type) => {
      const operations = operationsOn(summaries.restore as Summary, type);
      expect(operations.filter((o) => o.op === "create")).toHaveLength(EXPECTED[type].dropped);
      expect(operations.filter((o) => o.op === "update")).toHaveLength(EXPECTED[type].drifted);
      const found = (await audit(stack, spec, theirs))[type];
      const wrong = found.orphans + found.duplicates + found.missing + found.stale;
      recordFigure({
        section: SECTION,
        case: `${URN_TYPE[type]}: up after deletion and modification outside`,
        measure: "orphans + duplicates + missing + stale values",
        value: wrong,
        target: "0",
        ok: wrong === 0,
      });
      expect(found).toEqual({ objects: spec[type]?.length, orphans: 0, duplicates: 0, missing: 0, stale: 0 });
    },
  );

  it("leaves the secrets someone else made under TensorDock names alone", () => {
    const stored = stack.trio.objects();
    const ids = [...stored.sshKeys, ...stored.secrets].map((o) => o.id);
    expect(ids).toEqual(expect.arrayContaining(theirs));
  });

  it("plans nothing on the up after that, nor shows drift on refresh", async () => {
    summaries.afterRestore = await stack.run("up", spec);
    expect(summaries.afterRestore).toMatchObject({ unchanged: TOTAL, failed: 0 });
    const refreshed = await stack.run("refresh", spec);
    expect(refreshed).toMatchObject({ dropped: 0, drifted: 0, failed: 0 });
  });

  it.each(RESOURCE_TYPES)("%s: the up after the restoring up is all same steps", (type) => {
    expectNoChange(summaries.afterRestore as Summary, type, "an up that restored drift");
  });
});

/** Requests that could change something, across the three sandboxes. */
function writeRequests(): number {
  let writes = 0;
  for (const sandbox of [stack.trio.tensordock, stack.trio.walletcrew, stack.trio.netactuate]) {
    for (const [route, byStatus] of Object.entries(sandbox.stats().requests)) {
      if (route.startsWith("GET ")) continue;
      writes += Object.values(byStatus).reduce((a, b) => a + b, 0);
    }
  }
  return writes;
}
