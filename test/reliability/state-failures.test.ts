/**
 * State safety under partial failure, through the stand-in engine with all five resource types: a server
 * that commits a create and then loses or replaces the answer, and a provider host killed with SIGKILL while
 * its creates are in flight. The bar: exactly one object per resource, the one whose id is in state.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { ProviderHost } from "../../harness/engine";
import { type FaultProxy, startFaultProxy } from "../support/faultProxy";
import { canary } from "../support/leaks";
import {
  audit,
  failedRun,
  operationsOn,
  publicKeyLine,
  type ReliabilitySpec,
  ReliabilityStack,
} from "../support/reliabilityStack";
import { recordFigure } from "../support/report";
import { RESOURCE_TYPES, URN_TYPE } from "../support/sandboxTrio";

const SECTION = "State safety";

/** One resource of each type; a fresh set of names per stack. */
function oneOfEach(label: string): ReliabilitySpec {
  return {
    sshKeys: [{ resource: "key", name: `rs-${label}-key`, publicKey: publicKeyLine() }],
    secrets: [{ resource: "secret", name: `rs-${label}-secret`, value: canary("Secret") }],
    tenantSecrets: [{ resource: "tenant", key: `rs-${label}-tenant`, value: canary("Tenant") }],
    lists: [{ resource: "list", name: `rs-${label}-list` }],
    values: [
      { resource: "value", list: "list", key: `RS_${label.toUpperCase()}_VALUE`, value: canary("Value") },
    ],
  };
}

const stacks: ReliabilityStack[] = [];
const proxies: FaultProxy[] = [];
async function newStack(): Promise<ReliabilityStack> {
  const stack = await ReliabilityStack.start();
  stacks.push(stack);
  return stack;
}
/** A proxy in front of each sandbox of the stack. */
async function proxiesOf(stack: ReliabilityStack) {
  const [tensordock, walletcrew, netactuate] = await Promise.all([
    startFaultProxy(stack.trio.tensordock.baseUrl),
    startFaultProxy(stack.trio.walletcrew.baseUrl),
    startFaultProxy(stack.trio.netactuate.baseUrl),
  ]);
  proxies.push(tensordock, walletcrew, netactuate);
  const urls = {
    tensordock: tensordock.baseUrl,
    walletcrew: walletcrew.baseUrl,
    netactuate: netactuate.baseUrl,
  };
  return { tensordock, walletcrew, netactuate, urls, all: [tensordock, walletcrew, netactuate] };
}
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await Promise.all(stacks.map((s) => s.close()));
});

// The create requests: TensorDock POST (SshKey, GenericSecret), The Wallet Crew PUT (an upsert, so retried),
// NetActuate POST (the list, then the value in it).
const CREATES = {
  tensordock: { method: "POST", count: 2 },
  walletcrew: { method: "PUT", count: 1 },
  netactuate: { method: "POST", count: 2 },
} as const;

describe.each([
  { fault: "the connection dropped", status: undefined },
  { fault: "a 500", status: 500 },
  { fault: "a 502", status: 502 },
  { fault: "a 503", status: 503 },
  { fault: "a 504", status: 504 },
])("every create committed by the server, then $fault instead of the answer", ({ fault, status }) => {
  it("ends with exactly one object per resource, the one whose id is in state", async () => {
    const stack = await newStack();
    const spec = oneOfEach(status === undefined ? "dropped" : `s${status}`);
    let urls = {};
    let injected: () => number;
    if (status === undefined) {
      for (const api of ["tensordock", "walletcrew", "netactuate"] as const) {
        stack.trio[api].faults.dropAfterCommit(CREATES[api].count, { method: CREATES[api].method });
      }
      injected = () =>
        [stack.trio.tensordock, stack.trio.walletcrew, stack.trio.netactuate]
          .flatMap((s) => Object.values(s.stats().requests))
          .reduce((n, byStatus) => n + (byStatus.dropped ?? 0), 0);
    } else {
      const proxy = await proxiesOf(stack);
      for (const api of ["tensordock", "walletcrew", "netactuate"] as const) {
        proxy[api].failAfterCommit(status, CREATES[api].count, { method: CREATES[api].method });
      }
      urls = proxy.urls;
      injected = () => proxy.all.reduce((n, p) => n + p.replaced, 0);
    }
    const summary = await stack.run("up", spec, { urls });
    expect(summary).toMatchObject({ created: 5, failed: 0 });
    expect(injected()).toBe(5);
    const found = await audit(stack, spec);
    for (const type of RESOURCE_TYPES) {
      const wrong = found[type].orphans + found[type].duplicates + found[type].missing;
      recordFigure({
        section: SECTION,
        case: `${URN_TYPE[type]}: create committed, then ${fault}`,
        measure: "objects besides the one in state (orphans, duplicates) + missing",
        value: wrong,
        target: "0",
        ok: wrong === 0 && found[type].objects === 1,
      });
      expect(found[type]).toEqual({ objects: 1, orphans: 0, duplicates: 0, missing: 0, stale: 0 });
    }
  });
});

describe("the provider host killed with SIGKILL while its creates are in flight", () => {
  const spec = oneOfEach("killed");
  let stack: ReliabilityStack;
  let proxy: Awaited<ReturnType<typeof proxiesOf>>;

  it("fails the run, leaving nothing in state and nothing half-made in the sandboxes", async () => {
    stack = await newStack();
    proxy = await proxiesOf(stack);
    // Every request waits a second at the server, so the first create is still in flight when its host dies.
    for (const sandbox of [stack.trio.tensordock, stack.trio.walletcrew, stack.trio.netactuate]) {
      sandbox.faults.setLatency(1_000);
    }
    let host: ProviderHost | undefined;
    let killedOn: string | undefined;
    for (const p of proxy.all) {
      p.onForward = (method, path) => {
        if (killedOn !== undefined || (method !== "POST" && method !== "PUT")) return;
        killedOn = `${method} ${path.split("?")[0]}`;
        host?.kill("SIGKILL");
      };
    }
    const error = await failedRun(stack.run("up", spec, { urls: proxy.urls, onHost: (h) => (host = h) }));
    expect(killedOn).toBeDefined();
    expect(error.message).toMatch(/the provider host exited \(signal SIGKILL\)/);
    expect(error.summary.created).toBe(0);
    expect((await stack.state()).resources.filter((r) => r.type.includes("dynamic/"))).toEqual([]);
    const stored = stack.trio.objects();
    for (const type of RESOURCE_TYPES) expect(stored[type]).toEqual([]);
  });

  it("converges on the next up with exactly one object per resource", async () => {
    for (const p of proxy.all) p.onForward = undefined;
    for (const sandbox of [stack.trio.tensordock, stack.trio.walletcrew, stack.trio.netactuate]) {
      sandbox.faults.setLatency(0);
    }
    const summary = await stack.run("up", spec, { urls: proxy.urls });
    expect(summary).toMatchObject({ created: 5, failed: 0 });
    const again = await stack.run("up", spec, { urls: proxy.urls });
    const found = await audit(stack, spec);
    for (const type of RESOURCE_TYPES) {
      const wrong = found[type].orphans + found[type].duplicates + found[type].missing + found[type].stale;
      recordFigure({
        section: SECTION,
        case: `${URN_TYPE[type]}: the up after a host killed (SIGKILL) mid-create`,
        measure: "orphans + duplicates + missing + stale values",
        value: wrong,
        target: "0",
        ok: wrong === 0,
      });
      expect(found[type]).toEqual({ objects: 1, orphans: 0, duplicates: 0, missing: 0, stale: 0 });
      expect(operationsOn(again, type)).toEqual([]);
    }
  });
});
