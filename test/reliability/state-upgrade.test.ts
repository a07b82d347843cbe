/**
 * State safety across time, through the stand-in engine: state written by an older output schema (version 0:
 * no `schemaVersion`, older shapes, as each provider's upgrade tests describe) still plans cleanly, refreshes,
 * updates and deletes; and a Wallet Crew secret past its expiry never makes `up` create it again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StackState, Summary } from "../../harness/engine";
import { canary } from "../support/leaks";
import {
  audit,
  operationsOn,
  publicKeyLine,
  type ReliabilitySpec,
  ReliabilityStack,
  type TypeAudit,
} from "../support/reliabilityStack";
import { recordFigure } from "../support/report";
import { RESOURCE_TYPES, type ResourceType, URN_TYPE } from "../support/sandboxTrio";
import { clockShiftedBy } from "../support/clockShift";

const SECTION = "State safety";
const HOUR = 3_600_000;

/** Version 0 of each type's outputs, from the current ones (see each provider's upgrade function). */
const OLD_SHAPES: Record<
  ResourceType,
  (outputs: Record<string, unknown>, id: string) => Record<string, unknown>
> = {
  // Before versioning: no derived fields (fingerprint, key type and size).
  sshKeys: ({ name, publicKey }) => ({ name, publicKey }),
  // Before versioning: no secretType when it was the default.
  secrets: ({ name, value }) => ({ name, value }),
  // Before versioning: tenant and key only in the id, no adopt or expired.
  tenantSecrets: ({ value, expiresOn }) => ({ value, ...(expiresOn === undefined ? {} : { expiresOn }) }),
  lists: ({ name }) => ({ name }),
  // Before versioning: a numeric listId and no reference.
  values: ({ listId, key, value }) => ({ listId: Number(listId), key, value }),
};

function typeOf(resource: StackState["resources"][number]): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => resource.type.endsWith(`dynamic/${URN_TYPE[t]}`));
}

describe("state written by an older output schema", () => {
  let stack: ReliabilityStack;
  const spec: ReliabilitySpec = {
    sshKeys: [{ resource: "key", name: "rs-old-key", publicKey: publicKeyLine() }],
    secrets: [{ resource: "secret", name: "rs-old-secret", value: canary("Secret") }],
    tenantSecrets: [{ resource: "tenant", key: "rs-old-tenant", value: canary("Tenant") }],
    lists: [{ resource: "list", name: "rs-old-list" }],
    values: [{ resource: "value", list: "list", key: "RS_OLD_VALUE", value: canary("Value") }],
  };
  const changed: ReliabilitySpec = {
    sshKeys: [{ resource: "key", name: "rs-old-key", publicKey: publicKeyLine() }],
    secrets: [{ resource: "secret", name: "rs-old-secret", value: canary("SecretChanged") }],
    tenantSecrets: [{ resource: "tenant", key: "rs-old-tenant", value: canary("TenantChanged") }],
    lists: [{ resource: "list", name: "rs-old-list-renamed" }],
    values: [{ resource: "value", list: "list", key: "RS_OLD_VALUE_RENAMED", value: canary("ValueChanged") }],
  };
  const runs: Record<string, Summary> = {};
  let upgradedByRefresh = 0;
  let afterUpdate: Record<ResourceType, TypeAudit>;

  /** Rewrites every resource's outputs in its version 0 shape. */
  async function downgrade(): Promise<void> {
    await stack.editState((state) => {
      for (const resource of state.resources) {
        const type = typeOf(resource);
        if (type === undefined) continue;
        const old = OLD_SHAPES[type](resource.outputs, resource.id);
        // `__provider` is in every dynamic resource's outputs, whatever the release.
        resource.outputs = { __provider: resource.outputs.__provider, ...old };
      }
    });
  }

  beforeAll(async () => {
    stack = await ReliabilityStack.start();
    expect(await stack.run("up", spec)).toMatchObject({ created: 5, failed: 0 });
    await downgrade();
    const state = await stack.state();
    expect(state.resources.filter((r) => typeOf(r) !== undefined && "schemaVersion" in r.outputs)).toEqual(
      [],
    );
    runs.same = await stack.run("up", spec);
    await downgrade();
    runs.refresh = await stack.run("refresh", spec);
    upgradedByRefresh = await upgradedCount();
    await downgrade();
    runs.update = await stack.run("up", changed);
    afterUpdate = await audit(stack, changed);
    await downgrade();
    runs.destroy = await stack.run("destroy", changed);
  });
  afterAll(async () => {
    await stack.close();
  });

  async function upgradedCount(): Promise<number> {
    return (await stack.state()).resources.filter(
      (r) => typeOf(r) !== undefined && r.outputs.schemaVersion === 1,
    ).length;
  }

  it.each(RESOURCE_TYPES)("%s: an up over old state with unchanged inputs plans nothing", (type) => {
    const operations = operationsOn(runs.same as Summary, type);
    recordFigure({
      section: SECTION,
      case: `${URN_TYPE[type]}: up over version 0 state, inputs unchanged`,
      measure: "operations other than same",
      value: operations.length,
      target: "0",
      ok: operations.length === 0,
    });
    expect(operations).toEqual([]);
  });

  it.each(RESOURCE_TYPES)("%s: refresh reads old state without failing or dropping it", (type) => {
    const operations = operationsOn(runs.refresh as Summary, type);
    const bad = operations.filter((o) => o.error !== undefined || o.op === "drop").length;
    recordFigure({
      section: SECTION,
      case: `${URN_TYPE[type]}: refresh of version 0 state`,
      measure: "failures + drops",
      value: bad,
      target: "0",
      ok: bad === 0,
    });
    expect(bad).toBe(0);
  });

  it("writes the current schema back on that refresh", () => {
    expect(upgradedByRefresh).toBe(5);
  });

  it.each(RESOURCE_TYPES)("%s: an up with new inputs over old state updates or replaces it", (type) => {
    const operations = operationsOn(runs.update as Summary, type);
    const found = afterUpdate[type];
    const wrong =
      operations.filter((o) => o.error !== undefined).length +
      found.orphans +
      found.stale +
      found.missing +
      found.duplicates;
    recordFigure({
      section: SECTION,
      case: `${URN_TYPE[type]}: update of version 0 state`,
      measure: "failures + orphans + duplicates + missing + stale values",
      value: wrong,
      target: "0",
      ok: wrong === 0,
    });
    // TensorDock has no update: a new key or value replaces; the other two APIs update in place.
    const expected = type === "sshKeys" || type === "secrets" ? "replace" : "update";
    expect(operations).toEqual([expect.objectContaining({ op: expected })]);
    expect(wrong).toBe(0);
  });

  it.each(RESOURCE_TYPES)("%s: destroy deletes old state and its object", (type) => {
    const operations = operationsOn(runs.destroy as Summary, type);
    const left = stack.trio.objects()[type].length;
    recordFigure({
      section: SECTION,
      case: `${URN_TYPE[type]}: destroy of version 0 state`,
      measure: "objects left + failures",
      value: left + operations.filter((o) => o.error !== undefined).length,
      target: "0",
      ok: left === 0 && operations.every((o) => o.error === undefined),
    });
    expect(operations).toEqual([expect.objectContaining({ op: "delete" })]);
    expect(left).toBe(0);
  });
});

describe("a Wallet Crew secret past its expiry", () => {
  let sandboxNow = Date.now();
  let stack: ReliabilityStack;
  const spec: ReliabilitySpec = {
    tenantSecrets: [
      {
        resource: "expiring",
        key: "rs-expiring",
        value: canary("Expiring"),
        expiresOn: new Date(Date.now() + HOUR).toISOString(),
      },
    ],
  };
  // The provider host's clock, two hours on, like the sandbox's.
  const later = { env: clockShiftedBy(2 * HOUR) };

  beforeAll(async () => {
    stack = await ReliabilityStack.start({ walletCrewClock: () => sandboxNow });
  });
  afterAll(async () => {
    await stack.close();
  });

  it("is not created again by two consecutive ups, nor by the up after a refresh", async () => {
    expect(await stack.run("up", spec)).toMatchObject({ created: 1, failed: 0 });
    sandboxNow += 2 * HOUR;
    const writes = () =>
      Object.entries(stack.trio.walletcrew.stats().requests)
        .filter(([route]) => !route.startsWith("GET "))
        .reduce((n, [, byStatus]) => n + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);
    const before = writes();
    let operations = 0;
    for (const command of ["up", "up", "refresh", "up"] as const) {
      const summary = await stack.run(command, spec, later);
      expect(summary).toMatchObject({ created: 0, replaced: 0, updated: 0, dropped: 0, failed: 0 });
      if (command === "up") operations += summary.operations.length;
    }
    const requests = writes() - before;
    recordFigure({
      section: SECTION,
      case: "walletcrew:TenantSecret: three ups (one after a refresh) once the secret has expired",
      measure: "operations other than same + write requests",
      value: operations + requests,
      target: "0",
      ok: operations + requests === 0,
    });
    expect(operations + requests).toBe(0);
    expect(stack.trio.walletcrew.secrets("reliability").map((s) => [s.key, s.valid])).toEqual([
      ["rs-expiring", false],
    ]);
    expect((await stack.state()).resources.find((r) => r.name === "expiring")?.outputs.expired).toBe(true);
  });
});
