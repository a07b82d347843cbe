/**
 * Vendor code against the sandbox: NetActuate's own Python SDK (PyPI `netactuate` 0.1.0, installed into a
 * project-local virtualenv on first use) drives every Secret Manager path through its `Client._request`
 * transport against the NetActuate emulator, pointed at it by base URL and key only. Each call must behave as
 * it does against the real API. If the package cannot be installed, this fails; it is never skipped.
 */
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NetActuateSandbox, startNetActuateSandbox } from "../../sandbox/netactuate";
import { REPO_ROOT, runProcess } from "../support/process";
import { ensureNetActuatePython, NETACTUATE_PY_VERSION } from "../support/vendorPython";

const KEY = "na_CANARY_vendor_python_3b8e1f";

interface Step {
  step: string;
  ok: boolean;
  data?: unknown;
  error?: string;
  isNotFound?: boolean;
  isContract?: boolean;
  status?: number | null;
  code?: number | null;
  text?: string;
}

let sandbox: NetActuateSandbox;
let steps: Map<string, Step>;
let raw: string;

beforeAll(async () => {
  const python = await ensureNetActuatePython();
  sandbox = await startNetActuateSandbox({ apiKeys: [KEY] });
  const result = await runProcess(python, [path.join(REPO_ROOT, "test/vendor/netactuate_secrets.py")], {
    env: {
      PATH: process.env.PATH ?? "",
      NA_BASE_URL: sandbox.baseUrl,
      NA_API_KEY: KEY,
      NA_ADMIN_URL: `${new URL(sandbox.baseUrl).origin}/__sandbox`,
    },
    timeoutMs: 120_000,
  });
  expect(result.code, result.stderr).toBe(0);
  raw = result.stdout;
  const parsed = JSON.parse(raw) as { package: string; steps: Step[] };
  expect(parsed.package).toBe("netactuate");
  steps = new Map(parsed.steps.map((s) => [s.step, s]));
}, 900_000);
afterAll(async () => {
  await sandbox?.close();
});

function step(name: string): Step {
  const found = steps.get(name);
  if (found === undefined) throw new Error(`the driver did not run "${name}"`);
  return found;
}

/** A call that returned, and the data it returned. */
function data(name: string): unknown {
  const s = step(name);
  expect(s, `${name}: ${s.text ?? ""}`).toMatchObject({ ok: true });
  return s.data;
}

describe(`NetActuate's Python SDK (netactuate ${NETACTUATE_PY_VERSION}, Client._request) against the sandbox`, () => {
  it("lists, creates, reads and renames secret lists", () => {
    expect(data("list lists (empty account)")).toEqual([]);
    const created = data("create list") as { id: number; name: string };
    expect(created).toEqual({ id: expect.any(Number), name: "vendor-list" });
    const unnamed = data("create list without a payload") as { id: number; name: string };
    expect(unnamed.name).toBe(`Secret List ${unnamed.id}`);
    expect(data("get list")).toEqual(created);
    expect(data("rename list")).toEqual({ id: created.id, name: "vendor-renamed" });
    expect(data("list lists")).toEqual([{ id: created.id, name: "vendor-renamed" }, unnamed]);
  });

  it("creates the docs' own example value, reads it three ways, and updates key and value in one call", () => {
    const listId = (data("create list") as { id: number }).id;
    const created = data("create value (the docs' example)");
    const expected = {
      id: expect.any(Number),
      secret_list_id: listId,
      secret_key: "new key",
      secret_value: "new value",
    };
    expect(created).toEqual(expected);
    expect(data("get value")).toEqual(created);
    expect(data("list values")).toEqual([created]);
    expect(data("all values")).toEqual([created]);
    expect(data("update value (key and value)")).toEqual({
      ...(created as object),
      secret_key: "DB_PASSWORD",
      secret_value: "rotated",
    });
  });

  it("refuses a key the account already holds with a 422 that is neither not-found nor a contract error", () => {
    expect(step("create a duplicate key")).toMatchObject({
      ok: false,
      error: "NetActuateError",
      isNotFound: false,
      isContract: false,
      status: 422,
      code: 422,
    });
  });

  it("maps a missing list or value to its NotFoundError, before and after a delete", () => {
    for (const name of [
      "get a list that does not exist",
      "get the deleted value",
      "get the deleted list",
      "delete the deleted list",
    ]) {
      expect(step(name), name).toMatchObject({ ok: false, error: "NotFoundError", status: 404, code: 404 });
    }
    expect(step("delete value")).toMatchObject({ ok: true, data: null });
    expect(step("delete list")).toMatchObject({ ok: true, data: null });
  });

  it("maps a 412 to its ContractError", () => {
    expect(step("list lists refused by the contract (412)")).toMatchObject({
      ok: false,
      error: "ContractError",
      isContract: true,
      status: 412,
      code: 412,
    });
  });

  it("goes astray with a base URL written without the trailing slash, which is why the sandbox prints .../api/", () => {
    expect(sandbox.baseUrl).toMatch(/\/api\/$/);
    expect(step("list lists with a base URL without the slash")).toMatchObject({
      ok: false,
      error: "NotFoundError",
      status: 404,
    });
    // urljoin replaced "api" with the path: the request reached /secrets/lists, a path the API does not serve.
    expect(Object.keys(sandbox.stats().requests)).toContain("GET <unmatched>");
  });

  it("sent the key only where the vendor's code puts it: no error text repeats it", () => {
    expect(steps.size).toBe(20);
    const texts = [...steps.values()].map((s) => s.text ?? "").join("\n");
    expect(texts).toContain("key=REDACTED");
    expect(texts).not.toContain(KEY);
    expect(raw).not.toContain(KEY);
  });
});
