/** The Wallet Crew sandbox against sandbox/openapi/walletcrew.yaml: every status, header, media type and body. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWalletCrewSandbox, type WalletCrewSandbox } from "../../sandbox/walletcrew";
import { OpenApiContract } from "../support/openapi";
import { type RawAnswer, raw } from "./helpers";

const contract = new OpenApiContract("walletcrew.yaml");
let sandbox: WalletCrewSandbox;

/** The contract's checks, and for a problem document its required fields and a status that matches the answer's. */
function conforms(method: string, url: string, answer: RawAnswer): void {
  const body = contract.check(method, url, answer);
  if (answer.contentType.split(";")[0]?.trim() === "application/problem+json") {
    const schemas = (contract.doc.components as { schemas: Record<string, { required?: string[] }> }).schemas;
    for (const field of schemas.ProblemDetails?.required ?? []) expect(body).toHaveProperty(field);
    expect((body as { status?: unknown }).status).toBe(answer.status);
  }
}

beforeAll(async () => {
  sandbox = await startWalletCrewSandbox();
});

afterAll(async () => {
  await sandbox.close();
});

describe("sandbox/openapi/walletcrew.yaml", () => {
  it("documents every status and media type the sandbox answers with", async () => {
    const key = { "x-api-key": sandbox.apiKey };
    const json = { ...key, "content-type": "application/json" };
    const euKey = { "x-api-key": sandbox.tenants[1]?.keys[0]?.key ?? "" };
    const cases: [string, string, Record<string, string>, string?][] = [
      ["PUT", "/api/demo/secrets/doc-key", json, JSON.stringify({ value: "v" })],
      ["GET", "/api/demo/secrets", key],
      ["GET", "/api/demo/secrets", {}],
      ["GET", "/api/demo/secrets", euKey],
      ["GET", "/api/demo/secrets/doc-key", key],
      ["GET", "/api/demo/secrets/doc-key", { ...key, accept: "text/plain" }],
      ["GET", "/api/demo/secrets/a%2Fb", key],
      ["GET", "/api/demo/secrets/missing", key],
      ["PUT", "/api/demo/secrets/doc-key", json, JSON.stringify({ value: 1 })],
      ["PUT", "/api/demo/secrets/doc-key", json, JSON.stringify({ value: "x".repeat(140_000) })],
      ["PUT", "/api/demo/secrets/doc-key", { ...key, "content-type": "text/plain" }, "v"],
      ["PUT", "/api/demo/secrets/doc-key", json, "{not json"],
      [
        "PUT",
        "/api/demo/secrets/doc-key",
        { "content-type": "application/json" },
        JSON.stringify({ value: "v" }),
      ],
      ["DELETE", "/api/demo/secrets/doc-key", key],
      ["DELETE", "/api/demo/secrets/doc-key", key],
      ["DELETE", "/api/demo/secrets/doc-key", euKey],
    ];
    const seen = new Set<string>();
    for (const [method, url, headers, body] of cases) {
      const answer = await raw(sandbox.baseUrl, method, url, headers, body);
      conforms(method, url, answer);
      seen.add(`${method} ${answer.status}`);
    }
    sandbox.faults.burst(429, 1);
    const limited = await raw(sandbox.baseUrl, "GET", "/api/demo/secrets", key);
    conforms("GET", "/api/demo/secrets", limited);
    expect(limited.headers["retry-after"]).toBeDefined();
    expect([...seen].sort()).toEqual(
      [
        "DELETE 204",
        "DELETE 403",
        "DELETE 404",
        "GET 200",
        "GET 400",
        "GET 401",
        "GET 403",
        "GET 404",
        "PUT 204",
        "PUT 400",
        "PUT 401",
        "PUT 413",
        "PUT 415",
      ].sort(),
    );
  });
});
