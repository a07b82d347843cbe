import { readFileSync } from "node:fs";
import * as path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import * as yaml from "js-yaml";
import { afterEach, describe, expect, it } from "vitest";
import { startTensorDockSandbox, type TensorDockSandbox } from "../../sandbox/tensordock";
import { call, createBody, publicKeyLine } from "./helpers";

type Json = Record<string, unknown>;

/** One OpenAPI document: finds the documented response of an operation and validates a body against it. */
class Contract {
  private readonly doc: Json;
  private readonly ajv = new Ajv2020({ strict: false, validateSchema: false, allErrors: true });

  constructor(file: string) {
    this.doc = yaml.load(
      readFileSync(path.resolve(__dirname, "..", "..", "sandbox", "openapi", file), "utf8"),
    ) as Json;
    this.ajv.addSchema(this.doc, "doc");
  }

  private resolve(node: Json): Json {
    const ref = node.$ref;
    if (typeof ref !== "string") return node;
    return ref
      .slice(2)
      .split("/")
      .reduce<Json>((at, key) => at[key] as Json, this.doc);
  }

  /** Asserts that `status` is documented for the operation, its required headers are sent, and the body fits. */
  check(
    method: string,
    template: string,
    response: { status: number; headers: Headers; body: unknown },
  ): void {
    const operation = ((this.doc.paths as Json)[`/api/v2${template}`] as Json)[method.toLowerCase()] as Json;
    expect(operation, `${method} ${template} is documented`).toBeDefined();
    const documented = (operation.responses as Json)[String(response.status)] as Json | undefined;
    expect(documented, `${method} ${template} documents ${response.status}`).toBeDefined();
    const spec = this.resolve(documented as Json);
    for (const [name, header] of Object.entries((spec.headers ?? {}) as Json)) {
      if (this.resolve(header as Json).required === true) {
        expect(response.headers.get(name), `${response.status} carries ${name}`).not.toBeNull();
      }
    }
    const media = ((spec.content ?? {}) as Json)["application/json"] as Json | undefined;
    expect(media, `${response.status} documents a JSON body`).toBeDefined();
    expect(response.headers.get("content-type")).toContain("application/json");
    const schema = (media as Json).schema as Json;
    const ref = typeof schema.$ref === "string" ? `doc${schema.$ref}` : undefined;
    const validate = ref ? this.ajv.getSchema(ref) : this.ajv.compile(schema);
    expect(
      validate?.(response.body),
      `${method} ${template} ${response.status}: ${JSON.stringify(validate?.errors)}`,
    ).toBe(true);
  }
}

const running: TensorDockSandbox[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

describe.each([
  ["seed", "tensordock.yaml"],
  ["vendor", "tensordock-vendor.yaml"],
] as const)("the %s dialect against %s", (dialect, file) => {
  it("answers every route with a status and a body its OpenAPI document describes", async () => {
    const contract = new Contract(file);
    const sandbox = await startTensorDockSandbox({ dialect, rateLimit: { limit: 40, windowMs: 60_000 } });
    running.push(sandbox);
    const { baseUrl, apiToken: token } = sandbox;
    const spelling = dialect === "seed" ? "seed" : "vendor";
    const check = async (
      method: string,
      template: string,
      pathname: string,
      options: Parameters<typeof call>[3] = {},
    ) => {
      const response = await call(baseUrl, method, pathname, options);
      contract.check(method, template, response);
      return response;
    };

    const key = await check("POST", "/secrets", "/secrets", {
      token,
      body: createBody("k", "SSHKEY", publicKeyLine(), spelling),
    });
    expect(key.status).toBe(201);
    const generic = await check("POST", "/secrets", "/secrets", {
      token,
      body: createBody("g", "GENERIC", "v", spelling),
    });
    const genericId = (generic.body as { data: { id: string } }).data.id;
    await check("POST", "/secrets", "/secrets", { token, body: createBody("", "PASSWORD", "", spelling) });
    await check("POST", "/secrets", "/secrets", { token, rawBody: "{" });
    await check("POST", "/secrets", "/secrets", { token, rawBody: "x", contentType: "text/plain" });
    await check("POST", "/secrets", "/secrets", {
      token,
      body: createBody("big", "GENERIC", "v".repeat(140_000)),
    });
    await check("POST", "/secrets", "/secrets", { body: createBody("n", "GENERIC", "v") });
    expect((await check("GET", "/secrets", "/secrets", { token })).status).toBe(200);
    await check("GET", "/secrets", "/secrets", { token: "wrong-token" });
    expect((await check("GET", "/secrets/{id}", `/secrets/${genericId}`, { token })).status).toBe(200);
    await check("GET", "/secrets/{id}", "/secrets/no-such-id", { token });
    await check("GET", "/secrets/{id}", "/secrets/%E0%A4%A", { token });
    await check("PATCH", "/secrets/{id}", `/secrets/${genericId}`, { token, body: {} });
    await check("PUT", "/secrets/{id}", `/secrets/${genericId}`, { token, body: {} });
    expect((await check("DELETE", "/secrets/{id}", `/secrets/${genericId}`, { token })).status).toBe(200);
    await check("DELETE", "/secrets/{id}", `/secrets/${genericId}`, { token });

    let limited: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 40 && limited === undefined; i++) {
      const response = await check("GET", "/secrets", "/secrets", { token });
      if (response.status === 429) limited = response;
    }
    expect(limited?.status).toBe(429);
  });
});
