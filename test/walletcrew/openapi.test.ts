import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWalletCrewSandbox, type WalletCrewSandbox } from "../../sandbox/walletcrew";
import { type RawAnswer, raw } from "./helpers";

// js-yaml comes with @pulumi/pulumi (a dev and peer dependency), so the test adds no dependency of its own.
const yaml = createRequire(require.resolve("@pulumi/pulumi"))("js-yaml") as { load(text: string): unknown };

interface Response {
  $ref?: string;
  content?: Record<string, { schema?: unknown }>;
}
interface Spec {
  paths: Record<string, Record<string, { responses: Record<string, Response> }>>;
  components: { responses: Record<string, Response>; schemas: Record<string, { required?: string[] }> };
}

const spec = yaml.load(
  readFileSync(path.resolve(__dirname, "../../sandbox/openapi/walletcrew.yaml"), "utf8"),
) as Spec;
let sandbox: WalletCrewSandbox;

function templateOf(url: string): string | undefined {
  const pathname = url.split("?")[0] ?? "";
  return Object.keys(spec.paths).find((template) => {
    const pattern = template.replace(/\{[^}]+\}/g, "[^/]+");
    return new RegExp(`^${pattern}$`).test(pathname);
  });
}

/** Asserts that the answer's status and media type are documented for the operation, and error bodies conform. */
function conforms(method: string, url: string, answer: RawAnswer): void {
  const template = templateOf(url);
  expect(template, url).toBeDefined();
  const operation = spec.paths[template ?? ""]?.[method.toLowerCase()];
  expect(operation, `${method} ${template}`).toBeDefined();
  let response = operation?.responses[String(answer.status)];
  expect(response, `${method} ${template} ${answer.status} is documented`).toBeDefined();
  if (response?.$ref) response = spec.components.responses[response.$ref.split("/").at(-1) ?? ""];
  const mediaType = answer.contentType.split(";")[0]?.trim() ?? "";
  if (response?.content === undefined) {
    expect(answer.text, `${method} ${template} ${answer.status} has no body`).toBe("");
    return;
  }
  expect(Object.keys(response.content), `${method} ${template} ${answer.status}`).toContain(mediaType);
  if (mediaType === "application/problem+json") {
    const body = JSON.parse(answer.text) as Record<string, unknown>;
    for (const field of spec.components.schemas.ProblemDetails?.required ?? [])
      expect(body).toHaveProperty(field);
    expect(body.status).toBe(answer.status);
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
