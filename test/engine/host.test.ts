import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderError, ProviderHost } from "../../harness/engine";
import { TRIVIAL_PROGRAM } from "./fixture";

// A provider module as the host loads it from `__provider`: its `handler` export returns the provider.
const PROVIDER = `exports.handler = () => ({
  async configure(req) { this.token = req.config.get("trivial:token"); },
  async check(olds, news) { return { inputs: { ...news, checked: true }, failures: news.bad ? [{ property: "bad", reason: "not allowed" }] : [] }; },
  async diff(id, olds, news) { return { changes: olds.name !== news.name, replaces: olds.name !== news.name ? ["name"] : [], deleteBeforeReplace: true }; },
  async create(inputs) {
    if (inputs.fail) throw new Error("refused by the provider");
    return { id: "id-1", outs: { name: inputs.name, sawToken: this.token === "t0ken" } };
  },
  async read(id, props) { return id === "gone" ? { id: "" } : { id, props: { name: "remote" }, inputs: { name: "remote" } }; },
  async update(id, olds, news) { return { outs: { name: news.name } }; },
  async delete(id) { if (id === "stuck") throw new Error("still in use"); },
});`;
const URN = "urn:pulumi:dev::trivial::pulumi-nodejs:dynamic/trivial:Record::x";

describe("ProviderHost", () => {
  let host: ProviderHost;
  beforeAll(async () => {
    host = await ProviderHost.start({ cwd: TRIVIAL_PROGRAM });
    await host.configure({ "trivial:token": "t0ken" });
  });
  afterAll(() => host.close());

  it("drives every provider method over gRPC with plain objects in and out", async () => {
    const base = { __provider: PROVIDER, name: "a" };
    expect(await host.check(URN, {}, base)).toEqual({ inputs: { ...base, checked: true }, failures: [] });
    expect(await host.check(URN, {}, { ...base, bad: true })).toMatchObject({
      failures: [{ property: "bad", reason: "not allowed" }],
    });
    expect(await host.diff("id-1", URN, base, { ...base, name: "b" })).toEqual({
      changes: "some",
      replaces: ["name"],
      deleteBeforeReplace: true,
    });
    expect(await host.create(URN, base)).toEqual({
      id: "id-1",
      properties: { name: "a", sawToken: true, __provider: PROVIDER },
    });
    expect(await host.read("id-1", URN, base, base)).toEqual({
      id: "id-1",
      properties: { name: "remote", __provider: PROVIDER },
      inputs: { name: "remote", __provider: PROVIDER },
    });
    expect((await host.read("gone", URN, base)).id).toBe("");
    expect(await host.update("id-1", URN, base, { ...base, name: "c" })).toEqual({
      name: "c",
      __provider: PROVIDER,
    });
    await host.delete("id-1", URN, base);
    expect(host.rpcCounts).toMatchObject({
      Configure: 1,
      Check: 2,
      Diff: 1,
      Create: 1,
      Read: 2,
      Update: 1,
      Delete: 1,
    });
  });

  it("turns a provider error into an error carrying only the provider's message", async () => {
    const canary = "canary-in-the-request-payload";
    const error = await host
      .create(URN, { __provider: PROVIDER, name: canary, fail: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toBe("refused by the provider");
    expect((error as ProviderError).method).toBe("Create");
    const stuck = await host
      .delete("stuck", URN, { __provider: PROVIDER, name: canary })
      .catch((e: unknown) => e);
    expect((stuck as Error).message).toBe("still in use");
    expect(host.stderr).toContain("still in use");
    expect(host.stderr).not.toContain(canary);
  });

  it("reports the host's exit instead of a transport error once it is killed", async () => {
    const doomed = await ProviderHost.start({ cwd: TRIVIAL_PROGRAM });
    expect(doomed.pid).toBeGreaterThan(0);
    doomed.kill("SIGKILL");
    const error = await doomed.check(URN, {}, { __provider: PROVIDER }).catch((e: unknown) => e);
    expect((error as Error).message).toBe("the provider host exited (signal SIGKILL) during Check");
    await doomed.close();
  });
});
