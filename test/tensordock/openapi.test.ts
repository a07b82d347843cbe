/** Each TensorDock dialect against its OpenAPI document: every route, status, header and body it answers with. */
import { afterEach, describe, expect, it } from "vitest";
import { startTensorDockSandbox, type TensorDockSandbox } from "../../sandbox/tensordock";
import { OpenApiContract } from "../support/openapi";
import { call, createBody, publicKeyLine } from "./helpers";

const running: TensorDockSandbox[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

describe.each([
  ["seed", "tensordock.yaml"],
  ["vendor", "tensordock-vendor.yaml"],
] as const)("the %s dialect against %s", (dialect, file) => {
  it("answers every route with a status and a body its OpenAPI document describes", async () => {
    const contract = new OpenApiContract(file);
    const sandbox = await startTensorDockSandbox({ dialect, rateLimit: { limit: 40, windowMs: 60_000 } });
    running.push(sandbox);
    const { baseUrl, apiToken: token } = sandbox;
    const prefix = new URL(baseUrl).pathname.replace(/\/+$/, "");
    const spelling = dialect === "seed" ? "seed" : "vendor";
    const check = async (method: string, pathname: string, options: Parameters<typeof call>[3] = {}) => {
      const response = await call(baseUrl, method, pathname, options);
      contract.check(method, `${prefix}${pathname}`, response);
      return response;
    };

    const key = await check("POST", "/secrets", {
      token,
      body: createBody("k", "SSHKEY", publicKeyLine(), spelling),
    });
    expect(key.status).toBe(201);
    const generic = await check("POST", "/secrets", {
      token,
      body: createBody("g", "GENERIC", "v", spelling),
    });
    const genericId = (generic.body as { data: { id: string } }).data.id;
    await check("POST", "/secrets", { token, body: createBody("", "PASSWORD", "", spelling) });
    await check("POST", "/secrets", { token, rawBody: "{" });
    await check("POST", "/secrets", { token, rawBody: "x", contentType: "text/plain" });
    await check("POST", "/secrets", {
      token,
      body: createBody("big", "GENERIC", "v".repeat(140_000)),
    });
    await check("POST", "/secrets", { body: createBody("n", "GENERIC", "v") });
    expect((await check("GET", "/secrets", { token })).status).toBe(200);
    await check("GET", "/secrets", { token: "wrong-token" });
    expect((await check("GET", `/secrets/${genericId}`, { token })).status).toBe(200);
    await check("GET", "/secrets/no-such-id", { token });
    await check("GET", "/secrets/%E0%A4%A", { token });
    await check("PATCH", `/secrets/${genericId}`, { token, body: {} });
    await check("PUT", `/secrets/${genericId}`, { token, body: {} });
    expect((await check("DELETE", `/secrets/${genericId}`, { token })).status).toBe(200);
    await check("DELETE", `/secrets/${genericId}`, { token });

    let limited: Awaited<ReturnType<typeof check>> | undefined;
    for (let i = 0; i < 40 && limited === undefined; i++) {
      const response = await check("GET", "/secrets", { token });
      if (response.status === 429) limited = response;
    }
    expect(limited?.status).toBe(429);
  });
});
