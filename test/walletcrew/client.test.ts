import { inspect } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startWalletCrewSandbox, type WalletCrewSandbox } from "../../sandbox/walletcrew";
import {
  AuthenticationError,
  BadRequestError,
  NotFoundError,
  PermissionDeniedError,
  type RequestEvent,
} from "../../sdk/core";
import { describeProblem, WalletCrewClient } from "../../sdk/walletcrew";
import { recordFigure } from "../support/report";
import { findLeak } from "../support/leaks";
import { rejection } from "../support/failures";

const KEY = "canary-apikey-demo-5b1e";
const READ_ONLY = "canary-apikey-readonly-77c2";
const EU_KEY = "canary-apikey-eu-91d0";
const VALUE = "canary-value-3f8d2a61";

let clock = Date.parse("2030-06-01T00:00:00Z");
let sandbox: WalletCrewSandbox;
let textSandbox: WalletCrewSandbox;
const slept: number[] = [];

type Options = ConstructorParameters<typeof WalletCrewClient>[0];

function client(over: { [K in keyof Options]?: Options[K] | undefined } = {}) {
  return new WalletCrewClient({
    baseUrl: sandbox.baseUrl,
    apiKey: KEY,
    tenantId: "demo",
    rateLimit: false,
    retry: { random: () => 0.5 },
    sleep: async (ms) => {
      slept.push(ms);
    },
    ...over,
  } as Options);
}

/** Every text of an error that could be printed or logged. */
function errorText(error: unknown): string {
  const e = error as Error;
  return [e.message, e.stack, JSON.stringify(e), inspect(e)].join("\n");
}

const tenants = [
  {
    id: "demo",
    keys: [
      { key: KEY, scopes: ["Secret.Read", "Secret.Write"] as ("Secret.Read" | "Secret.Write")[] },
      { key: READ_ONLY, scopes: ["Secret.Read"] as ("Secret.Read" | "Secret.Write")[] },
    ],
  },
  {
    id: "demo-eu",
    keys: [{ key: EU_KEY, scopes: ["Secret.Read", "Secret.Write"] as ("Secret.Read" | "Secret.Write")[] }],
  },
];

beforeAll(async () => {
  sandbox = await startWalletCrewSandbox({ tenants, clock: () => clock });
  textSandbox = await startWalletCrewSandbox({ tenants, valueEncoding: "text" });
});

afterAll(async () => {
  await Promise.all([sandbox.close(), textSandbox.close()]);
});

beforeEach(() => {
  sandbox.faults.clear();
  slept.length = 0;
});

describe("WalletCrewClient", () => {
  it("puts, lists, retrieves and deletes a secret of its tenant", async () => {
    const c = client();
    await c.put("api-token", { value: VALUE });
    expect(await c.list()).toContain("api-token");
    expect(await c.retrieve("api-token")).toBe(VALUE);
    await c.put("api-token", { value: "replaced" });
    expect(await c.retrieve("api-token")).toBe("replaced");
    await c.delete("api-token");
    expect(await c.list()).not.toContain("api-token");
  });

  it("sends the validity period and sees a secret disappear from GET, not from the list, once expired", async () => {
    const c = client();
    await c.put("dated", {
      value: "v",
      notBefore: "2030-01-01T00:00:00Z",
      expiresOn: "2030-07-01T00:00:00+00:00",
    });
    expect(sandbox.secrets("demo").find((s) => s.key === "dated")).toMatchObject({
      notBefore: "2030-01-01T00:00:00.000Z",
      expiresOn: "2030-07-01T00:00:00.000Z",
    });
    const saved = clock;
    clock = Date.parse("2030-08-01T00:00:00Z");
    try {
      await expect(c.retrieve("dated")).rejects.toBeInstanceOf(NotFoundError);
      expect(await c.list()).toContain("dated");
    } finally {
      clock = saved;
    }
  });

  it("authenticates with a bearer token when asked to", async () => {
    const c = client({ auth: "bearer" });
    await c.put("bearer-made", { value: "v" });
    expect(await c.retrieve("bearer-made")).toBe("v");
  });

  it("reads values served as text/plain as well as JSON strings", async () => {
    const tricky = 'line 1\n"quoted" \\ and {"json": true}';
    const c = client({ baseUrl: textSandbox.baseUrl });
    await c.put("texty", { value: tricky });
    expect(await c.retrieve("texty")).toBe(tricky);
    await client().put("jsony", { value: tricky });
    expect(await client().retrieve("jsony")).toBe(tricky);
  });

  it("lists another tenant when given one, with that tenant's key", async () => {
    const eu = client({ apiKey: EU_KEY, tenantId: undefined });
    await eu.put("eu-only", { value: "v" }, "demo-eu");
    expect(await eu.list("demo-eu")).toEqual(["eu-only"]);
  });

  it("refuses a call without any tenant before sending it", async () => {
    const events: RequestEvent[] = [];
    const c = client({ tenantId: undefined, onRequest: (e) => events.push(e) });
    expect(() => c.list()).toThrow(/no tenant/);
    expect(events).toEqual([]);
  });

  it("names walletcrew:apiKey and WALLETCREW_API_KEY on a 401, never the key", async () => {
    const bad = "canary-rejected-key-0a9f";
    const error = await rejection(client({ apiKey: bad }).list());
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain("walletcrew:apiKey");
    expect(error.message).toContain("WALLETCREW_API_KEY");
    expect(findLeak(errorText(error), [bad])).toBeUndefined();
  });

  it("explains a 403 for a key of another tenant: keys work for one tenant only", async () => {
    const error = await rejection(client({ apiKey: EU_KEY }).list());
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect(error.message).toContain("another tenant");
    expect(error.message).toContain("one tenant only");
    expect(error.message).toContain("WALLETCREW_API_KEY");
    expect(findLeak(errorText(error), [EU_KEY])).toBeUndefined();
  });

  it("explains a 403 for a missing scope", async () => {
    const error = await rejection(client({ apiKey: READ_ONLY }).put("x", { value: VALUE }));
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect(error.message).toContain("Secret.Write");
    expect(findLeak(errorText(error), [READ_ONLY, VALUE])).toBeUndefined();
  });

  it("maps a 400 for a bad key to BadRequestError naming the key field", async () => {
    const error = await rejection(client().retrieve("bad/key"));
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).fields).toEqual(["key"]);
    expect(error.message).toContain("400 from The Wallet Crew GET /api/{tenantId}/secrets/{key}");
  });

  it("maps validation problems to field names, never to the rejected value", async () => {
    const error = await rejection(
      client().put("dates", {
        value: VALUE,
        notBefore: "2031-01-01T00:00:00Z",
        expiresOn: "2030-01-01T00:00:00Z",
      }),
    );
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).fields).toEqual(["notBefore"]);
    expect(error.message).toContain("One or more validation errors occurred.");
    expect(findLeak(errorText(error), [VALUE, KEY])).toBeUndefined();
  });

  it("maps a missing secret to NotFoundError on retrieve and delete", async () => {
    await expect(client().retrieve("never-there")).rejects.toBeInstanceOf(NotFoundError);
    await expect(client().delete("never-there")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("waits as long as a 429's Retry-After asks, then succeeds", async () => {
    sandbox.faults.burst(429, 2, { route: "/api/:tenantId/secrets" }, { retryAfterSeconds: 3 });
    expect(await client().list()).toBeInstanceOf(Array);
    expect(slept.filter((ms) => ms >= 3000)).toHaveLength(2);
  });

  it("repeats a PUT whose answer was lost after the commit, leaving one secret", async () => {
    sandbox.faults.dropAfterCommit(1, { method: "PUT" });
    await client().put("dropped-once", { value: "v" });
    const stored = sandbox.secrets("demo").filter((s) => s.key === "dropped-once").length;
    recordFigure({
      section: "Faults",
      case: "The Wallet Crew client: a PUT committed, then its answer dropped",
      measure: "secrets stored",
      value: stored,
      target: "= 1",
      ok: stored === 1,
    });
    expect(stored).toBe(1);
    expect(sandbox.stats().requests["PUT /api/:tenantId/secrets/:key"]?.dropped).toBeGreaterThanOrEqual(1);
  });
});

describe("describeProblem", () => {
  it("keeps title, detail and the names of invalid fields, never their messages", () => {
    const description = describeProblem(400, {
      type: "https://tools.ietf.org/html/rfc9110#section-15.5.1",
      title: "One or more validation errors occurred.",
      status: 400,
      detail: "the secret is invalid",
      errors: { value: ["'hunter2-secret' is too long"], ExpiresOn: ["bad"] },
    });
    expect(description).toEqual({
      detail: "One or more validation errors occurred.: the secret is invalid",
      fields: ["value", "ExpiresOn"],
    });
    expect(JSON.stringify(description)).not.toContain("hunter2");
  });

  it("adds the tenant-and-scope explanation to a 403, even without a body", () => {
    expect(describeProblem(403, undefined)?.detail).toContain("one tenant only");
  });

  it("reads an HTML page as saying nothing and a plain-text body as detail", () => {
    expect(describeProblem(500, "<html>oops</html>")).toEqual({});
    expect(describeProblem(502, "upstream timed out")).toEqual({ detail: "upstream timed out" });
  });
});
