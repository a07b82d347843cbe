import { afterEach, describe, expect, it } from "vitest";
import { startTensorDockSandbox, type TensorDockSandbox } from "../../sandbox/tensordock";
import {
  AuthenticationError,
  BadRequestError,
  ConnectionError,
  isOutcomeUnknown,
  NotFoundError,
  RateLimitError,
  type RequestEvent,
  ServerError,
} from "../../sdk/core";
import { TensorDockClient } from "../../sdk/tensordock";
import { listResponse, retrieveResponse } from "../../sdk/tensordock/schemas";
import { canary, findLeak, publicKeyLine } from "./helpers";

const running: TensorDockSandbox[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function start(options: Parameters<typeof startTensorDockSandbox>[0] = {}) {
  const sandbox = await startTensorDockSandbox({ rateLimit: false, ...options });
  running.push(sandbox);
  return sandbox;
}

const noWait = { sleep: async () => {}, retry: { random: () => 0 }, rateLimit: false } as const;

function clientOf(sandbox: TensorDockSandbox, events?: RequestEvent[], token = sandbox.apiToken) {
  return new TensorDockClient({
    baseUrl: sandbox.baseUrl,
    apiToken: token,
    ...noWait,
    ...(events ? { onRequest: (e: RequestEvent) => events.push(e) } : {}),
  });
}

describe.each(["seed", "vendor"] as const)("TensorDockClient against the %s dialect", (dialect) => {
  it("creates, lists, retrieves and deletes secrets, normalized to one shape", async () => {
    const sandbox = await start({ dialect });
    const client = clientOf(sandbox);
    const key = publicKeyLine("ed25519", "ops@fleet");
    const ssh = await client.create({ name: "deploy", type: "SSHKEY", value: key });
    expect(ssh).toEqual({
      id: expect.any(String),
      name: "deploy",
      type: "SSHKEY",
      ...(dialect === "seed" ? { value: key } : {}),
    });
    const generic = await client.create({ name: "token", type: "GENERIC", value: "s3cret-value" });
    expect(generic).toEqual({ id: expect.any(String), name: "token", type: "GENERIC" });

    const list = await client.list();
    expect(list).toEqual([
      { id: ssh.id, name: "deploy", type: "SSHKEY", ...(dialect === "seed" ? { value: key } : {}) },
      { id: generic.id, name: "token", type: "GENERIC" },
    ]);

    const one = await client.retrieve(ssh.id);
    expect(one).toEqual({
      id: ssh.id,
      name: "deploy",
      value: key,
      ...(dialect === "seed" ? { type: "SSHKEY" } : {}),
    });
    const hidden = await client.retrieve(generic.id);
    expect(hidden.value).toBeUndefined();

    await client.delete(generic.id);
    await expect(client.retrieve(generic.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.delete(generic.id)).rejects.toBeInstanceOf(NotFoundError);
    expect(sandbox.secrets().map((s) => s.id)).toEqual([ssh.id]);
  });

  it("reports a rejected token as an AuthenticationError naming where to set it, never the token", async () => {
    const sandbox = await start({ dialect });
    const wrong = canary("WrongToken");
    const error = await clientOf(sandbox, undefined, wrong)
      .list()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    const message = (error as Error).message;
    expect(message).toContain("401 from TensorDock GET /secrets");
    expect(message).toContain("tensordock:apiToken");
    expect(message).toContain("TENSORDOCK_API_TOKEN");
    expect(findLeak(`${message}\n${(error as Error).stack}`, [wrong])).toBeUndefined();
  });

  it("reports a validation failure as a BadRequestError naming the field, without the value", async () => {
    const sandbox = await start({ dialect });
    const value = canary("NotAKey");
    const error = await clientOf(sandbox)
      .create({ name: "bad", type: "SSHKEY", value })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).fields).toEqual(["data.attributes.value"]);
    expect((error as Error).message).toContain(
      "data.attributes.value must be an OpenSSH public key on one line",
    );
    expect(findLeak((error as Error).message, [value])).toBeUndefined();
    expect(sandbox.secrets()).toEqual([]);
  });
});

describe("TensorDockClient", () => {
  it("retries a rate-limited GET after Retry-After and succeeds", async () => {
    const sandbox = await start();
    sandbox.faults.burst(429, 2, { method: "GET" }, { retryAfterSeconds: 3 });
    const waits: number[] = [];
    const client = new TensorDockClient({
      baseUrl: sandbox.baseUrl,
      apiToken: sandbox.apiToken,
      rateLimit: false,
      retry: { random: () => 0 },
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    expect(await client.list()).toEqual([]);
    expect(waits.filter((ms) => ms >= 3_000)).toHaveLength(2);
  });

  it("gives up on a persistent 429 with a RateLimitError that carries the wait", async () => {
    const sandbox = await start({ rateLimit: { limit: 1, windowMs: 60_000 } });
    const client = new TensorDockClient({
      baseUrl: sandbox.baseUrl,
      apiToken: sandbox.apiToken,
      rateLimit: false,
      retry: { maxAttempts: 1 },
    });
    await client.list();
    const error = await client.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(60_000);
  });

  it("never repeats a POST whose connection dropped after the server committed it", async () => {
    const sandbox = await start();
    sandbox.faults.dropAfterCommit(1, { method: "POST" });
    const events: RequestEvent[] = [];
    const error = await clientOf(sandbox, events)
      .create({ name: "once", type: "GENERIC", value: "v" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(isOutcomeUnknown(error)).toBe(true);
    expect(events.filter((e) => e.method === "POST")).toHaveLength(1);
    expect(sandbox.secrets()).toHaveLength(1);
  });

  it("treats a 5xx answer to a POST as an unknown outcome, and retries a GET through it", async () => {
    const sandbox = await start();
    sandbox.faults.burst(503, 1, { method: "POST" });
    const client = clientOf(sandbox);
    const error = await client.create({ name: "n", type: "GENERIC", value: "v" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(isOutcomeUnknown(error)).toBe(true);
    sandbox.faults.burst(503, 2, { method: "GET" });
    expect(await client.list()).toEqual([]);
  });

  it("reports requests by templated path and never with the token or an id in the URL", async () => {
    const sandbox = await start();
    const events: RequestEvent[] = [];
    const client = clientOf(sandbox, events);
    const created = await client.create({ name: "n", type: "GENERIC", value: "v" });
    await client.retrieve(created.id);
    await client.delete(created.id);
    expect(events.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([
      "POST /secrets 201",
      "GET /secrets/{id} 200",
      "DELETE /secrets/{id} 200",
    ]);
    expect(findLeak(JSON.stringify(events), [sandbox.apiToken, created.id])).toBeUndefined();
  });

  it("encodes ids as one path segment and refuses dot segments before sending", async () => {
    const sandbox = await start();
    const events: RequestEvent[] = [];
    const client = clientOf(sandbox, events);
    await expect(client.retrieve("a/../b")).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.retrieve("..")).rejects.toThrow();
    expect(events).toHaveLength(1);
  });
});

describe("TensorDock response schemas", () => {
  it("read list answers in every shape seen: nested, flat, bare arrays and numeric ids", () => {
    const nested = {
      data: {
        secrets: [{ type: "secret", id: "a", attributes: { name: "n", secret_type: "SSHKEY", value: "k" } }],
      },
    };
    const flat = { data: { secrets: [{ type: "GENERIC", id: 7, name: "m" }] } };
    expect(listResponse.parse(nested)).toEqual([{ id: "a", name: "n", type: "SSHKEY", value: "k" }]);
    expect(listResponse.parse(flat)).toEqual([{ id: "7", name: "m", type: "GENERIC" }]);
    expect(listResponse.parse({ data: [{ type: "SECRET", id: "x", name: "s", value: null }] })).toEqual([
      { id: "x", name: "s", type: "SECRET" },
    ]);
    expect(listResponse.parse([{ id: "y", name: "t", extra: true }])).toEqual([{ id: "y", name: "t" }]);
    expect(listResponse.parse({ data: { secrets: null } })).toEqual([]);
  });

  it("takes a flat lower-case type 'secret' as the resource kind, not the secret type", () => {
    expect(retrieveResponse.parse({ data: { type: "secret", id: "i", name: "n" } })).toEqual({
      id: "i",
      name: "n",
    });
    expect(retrieveResponse.parse({ data: { type: "SECRET", id: "i", name: "n" } })).toEqual({
      id: "i",
      name: "n",
      type: "SECRET",
    });
  });

  it("refuses a secret with no id or no name", () => {
    expect(listResponse.safeParse({ data: { secrets: [{ name: "n" }] } }).success).toBe(false);
    expect(retrieveResponse.safeParse({ data: { id: "i", type: "secret" } }).success).toBe(false);
  });
});
