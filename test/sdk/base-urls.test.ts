/**
 * A base URL is accepted with or without its trailing slash, for every client and every sandbox: the
 * sandbox prints each the way its vendor writes it, and a user may write it either way.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../sandbox";
import { NetActuateClient, TensorDockClient, WalletCrewClient } from "../../sdk";

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ rateLimits: { tensordock: false } });
});
afterAll(async () => {
  await sandbox.close();
});

const bare = (url: string) => url.replace(/\/+$/, "");

describe("base URLs", () => {
  it("are printed the way each vendor writes them", () => {
    expect(sandbox.tensordock.baseUrl).toMatch(/\/api\/v2$/);
    expect(sandbox.walletcrew.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sandbox.netactuate.baseUrl).toMatch(/\/api\/$/);
  });

  it.each(["without", "with"])("reach every API %s a trailing slash", async (slash) => {
    const form = (url: string) => (slash === "with" ? `${bare(url)}/` : bare(url));
    const tensordock = new TensorDockClient({
      baseUrl: form(sandbox.tensordock.baseUrl),
      apiToken: sandbox.tensordock.apiToken,
    });
    const made = await tensordock.create({ name: `slash-${slash}`, type: "GENERIC", value: "v" });
    expect((await tensordock.list()).map((s) => s.id)).toContain(made.id);
    const walletcrew = new WalletCrewClient({
      baseUrl: form(sandbox.walletcrew.baseUrl),
      apiKey: sandbox.walletcrew.apiKey,
      tenantId: sandbox.walletcrew.tenantId,
    });
    await walletcrew.put(`slash-${slash}`, { value: "v" });
    expect(await walletcrew.list()).toContain(`slash-${slash}`);
    const netactuate = new NetActuateClient({
      baseUrl: form(sandbox.netactuate.baseUrl),
      apiKey: sandbox.netactuate.apiKey,
    });
    const list = await netactuate.lists.create({ name: `slash-${slash}` });
    expect(await netactuate.lists.list()).toContainEqual(list);
  });
});
