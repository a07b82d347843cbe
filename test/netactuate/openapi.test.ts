/**
 * The OpenAPI description of the NetActuate sandbox against what the sandbox does: every route it serves is
 * described, and every answer while exercised here is what the description says for that operation (status,
 * headers, media type and body).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NetActuateSandbox, startNetActuateSandbox } from "../../sandbox/netactuate";
import { answerOf, OpenApiContract } from "../support/openapi";

interface Operation {
  responses: Record<string, unknown>;
}

const contract = new OpenApiContract("netactuate.yaml");
const doc = contract.doc as { paths: Record<string, Record<string, unknown>>; security: unknown[] };
const KEY = "na_openapi_key_0000000001";
let sandbox: NetActuateSandbox;

beforeAll(async () => {
  sandbox = await startNetActuateSandbox({ apiKeys: [KEY], rateLimit: { limit: 1000, windowMs: 60_000 } });
});
afterAll(async () => {
  await sandbox.close();
});

/** `/api/secrets/lists/:secretList` → `/secrets/lists/{secretList}`. */
const toOpenApiPath = (route: string) => route.replace(/^\/api/, "").replace(/:(\w+)/g, "{$1}");

async function send(
  method: string,
  path: string,
  init: { body?: string; type?: string; key?: string | null } = {},
) {
  const headers: Record<string, string> = {};
  if (init.key !== null) headers.authorization = `Bearer ${init.key ?? KEY}`;
  if (init.type !== undefined) headers["content-type"] = init.type;
  const answer = await answerOf(
    await fetch(`${sandbox.baseUrl}${path}`, {
      method,
      headers,
      ...(init.body !== undefined ? { body: init.body } : {}),
    }),
  );
  const body = contract.check(
    method,
    `${new URL(sandbox.baseUrl).pathname.replace(/\/+$/, "")}${path}`,
    answer,
  );
  return { status: answer.status, body: body as { data: { id: number } } };
}

describe("sandbox/openapi/netactuate.yaml", () => {
  it("declares both ways of sending the key", () => {
    expect(doc.security).toEqual([{ bearerAuth: [] }, { apiKeyQuery: [] }]);
  });

  it("documents every status each exercised route answered", async () => {
    const json = "application/json";
    const list = (await send("POST", "/secrets/lists", { body: JSON.stringify({ name: "doc" }), type: json }))
      .body.data.id;
    const other = (await send("POST", "/secrets/lists", {})).body.data.id;
    const value = (
      await send("POST", `/secrets/lists/${list}/values`, {
        body: new URLSearchParams({ secret_key: "DOC", secret_value: "v" }).toString(),
        type: "application/x-www-form-urlencoded",
      })
    ).body.data.id;
    const paths = {
      lists: "/secrets/lists",
      list: `/secrets/lists/${list}`,
      all: "/secrets/all-values",
      values: `/secrets/lists/${list}/values`,
      value: `/secrets/lists/${list}/values/${value}`,
    };
    for (const path of Object.values(paths)) {
      await send("GET", path);
      await send("GET", path, { key: null });
      await send("GET", path, { key: "na_wrong_key" });
    }
    for (const path of [paths.list, paths.values, paths.value])
      await send("GET", path.replace(String(list), "999999"));
    for (const path of [paths.lists, paths.list, paths.values, paths.value]) {
      await send("POST", path, { body: "{", type: json });
      await send("POST", path, { body: "x", type: "text/plain" });
      await send("POST", path, { body: "<a/>", type: "application/xml" });
      await send("POST", path, { body: JSON.stringify({ name: "x".repeat(200_000) }), type: json });
      await send("POST", path, { body: JSON.stringify({ name: 1, secret_key: "bad key" }), type: json });
    }
    await send("POST", paths.list, { body: JSON.stringify({ name: "doc-renamed" }), type: json });
    await send("POST", paths.value, {
      body: JSON.stringify({ secret_key: "DOC2", secret_value: "w" }),
      type: json,
    });
    await send("POST", `/secrets/lists/999999`, { body: JSON.stringify({ name: "n" }), type: json });
    await send("DELETE", paths.value);
    await send("DELETE", paths.value);
    await send("DELETE", `/secrets/lists/${other}`);
    await send("DELETE", `/secrets/lists/${other}`);
    sandbox.faults.burst(429, 1);
    await send("GET", paths.lists);

    const undocumented: string[] = [];
    for (const [route, statuses] of Object.entries(sandbox.stats().requests)) {
      const [method, template] = route.split(" ") as [string, string];
      const operation = doc.paths[toOpenApiPath(template)]?.[method.toLowerCase()] as Operation | undefined;
      for (const status of Object.keys(statuses)) {
        if (operation?.responses[status] === undefined) undocumented.push(`${route} ${status}`);
      }
    }
    expect(undocumented).toEqual([]);
    const answered = new Set(
      Object.entries(sandbox.stats().requests).flatMap(([route, statuses]) =>
        Object.keys(statuses).map((status) => `${route} ${status}`),
      ),
    );
    // The exercise above reached every kind of answer the description promises.
    for (const expected of [
      "GET /api/secrets/lists 429",
      "POST /api/secrets/lists 413",
      "POST /api/secrets/lists 415",
      "POST /api/secrets/lists/:secretList 400",
      "POST /api/secrets/lists/:secretList 404",
      "POST /api/secrets/lists/:secretList/values 422",
      "GET /api/secrets/all-values 401",
      "DELETE /api/secrets/lists/:secretList/values/:secretListValue 404",
      "POST /api/secrets/lists/:secretList/values/:secretListValue 200",
    ]) {
      expect(answered).toContain(expected);
    }
  });

  it("describes exactly the operations the sandbox serves", async () => {
    expect(contract.operations().sort()).toEqual(
      [
        "GET /secrets/lists",
        "POST /secrets/lists",
        "GET /secrets/lists/{secretList}",
        "POST /secrets/lists/{secretList}",
        "DELETE /secrets/lists/{secretList}",
        "GET /secrets/all-values",
        "GET /secrets/lists/{secretList}/values",
        "POST /secrets/lists/{secretList}/values",
        "GET /secrets/lists/{secretList}/values/{secretListValue}",
        "POST /secrets/lists/{secretList}/values/{secretListValue}",
        "DELETE /secrets/lists/{secretList}/values/{secretListValue}",
      ].sort(),
    );
    for (const [path, methods] of [
      ["/secrets/lists", "GET, POST, HEAD"],
      ["/secrets/all-values", "GET, HEAD"],
    ] as const) {
      const response = await fetch(`${sandbox.baseUrl}${path}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${KEY}` },
      });
      expect(response.status).toBe(405);
      expect(response.headers.get("allow")).toBe(methods);
    }
  });
});
