/**
 * Requests refused before any route runs (raw bytes or bad percent-encoding in the target, a malformed header
 * or framing, oversized headers, a body that is not JSON, an unsupported content type, an oversized body),
 * sent byte for byte over a raw socket: each emulator answers them in its own documented error format.
 */
import { STATUS_CODES } from "node:http";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type SandboxStats, UNMATCHED, UNPARSED } from "../../sandbox/core";
import { startNetActuateSandbox } from "../../sandbox/netactuate";
import { startTensorDockSandbox } from "../../sandbox/tensordock";
import { startWalletCrewSandbox } from "../../sandbox/walletcrew";
import { canary } from "../support/leaks";
import { type RawRequest, rawRequest } from "../support/rawHttp";

/** A running emulator as these tests see it. */
interface Running {
  origin: string;
  stats(): SandboxStats;
  close(): Promise<void>;
}

/** One API: how to start it, where to send requests, and its documented error body for a status. */
interface Api {
  name: string;
  start(credential: string, log: (line: string) => void): Promise<Running>;
  auth(credential: string): Record<string, string>;
  /** A collection path that answers GET. */
  collection: string;
  /** A route that takes a JSON body. */
  write: { method: string; path: string };
  /** Media type of its error bodies. */
  errorType: RegExp;
  /** The error body the API documents, for a status (any non-empty message). */
  errorBody(status: number): unknown;
}

/** A message that says something: at least eight characters, not starting blank. */
const message = expect.stringMatching(/^\S.{7,}$/);

const APIS: Api[] = [
  {
    name: "TensorDock",
    start: async (token, log) => {
      const sandbox = await startTensorDockSandbox({ tokens: [token], rateLimit: false, log });
      return { ...sandbox, origin: new URL(sandbox.baseUrl).origin };
    },
    auth: (token) => ({ authorization: `Bearer ${token}` }),
    collection: "/api/v2/secrets",
    write: { method: "POST", path: "/api/v2/secrets" },
    errorType: /^application\/json/,
    errorBody: (status) => ({ error: { status, message } }),
  },
  {
    name: "The Wallet Crew",
    start: async (key, log) => {
      const sandbox = await startWalletCrewSandbox({
        tenants: [{ id: "demo", keys: [{ key, scopes: ["Secret.Read", "Secret.Write"] }] }],
        log,
      });
      return { ...sandbox, origin: sandbox.baseUrl };
    },
    auth: (key) => ({ "x-api-key": key }),
    collection: "/api/demo/secrets",
    write: { method: "PUT", path: "/api/demo/secrets/k1" },
    errorType: /^application\/problem\+json/,
    errorBody: (status) => ({ type: "about:blank", title: STATUS_CODES[status], status, detail: message }),
  },
  {
    name: "NetActuate",
    start: async (key, log) => {
      const sandbox = await startNetActuateSandbox({ apiKeys: [key], log });
      return { ...sandbox, origin: new URL(sandbox.baseUrl).origin };
    },
    auth: (key) => ({ authorization: `Bearer ${key}` }),
    collection: "/api/secrets/lists",
    write: { method: "POST", path: "/api/secrets/lists" },
    errorType: /^application\/json/,
    errorBody: (status) => ({ result: "error", message, data: null, code: status, fields: {} }),
  },
];

/** Planted in the malformed bytes: no answer or log line may repeat it. */
const PLANTED = canary("Malformed");

/** One malformed request; `parser` marks those Node's HTTP parser refuses before fastify sees them. */
interface Case {
  name: string;
  status: number;
  parser: boolean;
  request(api: Api, auth: Record<string, string>): RawRequest;
}

/** A body case: `body` sent as `contentType` to the API's write route, which fastify refuses before the route. */
const bodyCase = (name: string, status: number, contentType: string, body: string): Case => ({
  name,
  status,
  parser: false,
  request: (api, auth) => ({ ...api.write, headers: { ...auth, "content-type": contentType }, body }),
});

const CASES: Case[] = [
  {
    name: "a raw CR in the request target",
    status: 400,
    parser: true,
    request: (api, auth) => ({ method: "GET", path: `${api.collection}/${PLANTED}\rx`, headers: auth }),
  },
  {
    name: "a raw NUL in the request target",
    status: 400,
    parser: true,
    request: (api, auth) => ({ method: "GET", path: `${api.collection}/${PLANTED}\u0000x`, headers: auth }),
  },
  {
    name: "a raw space in the request target",
    status: 400,
    parser: true,
    request: (api, auth) => ({ method: "GET", path: `${api.collection}/${PLANTED} x`, headers: auth }),
  },
  {
    name: "a header name with a space",
    status: 400,
    parser: true,
    request: (api, auth) => ({ method: "GET", path: api.collection, headers: { ...auth, "X Bad": PLANTED } }),
  },
  {
    name: "a header value with a control character",
    status: 400,
    parser: true,
    request: (api, auth) => ({
      method: "GET",
      path: api.collection,
      headers: { ...auth, "x-note": `${PLANTED}\u0001` },
    }),
  },
  {
    name: "a Content-Length that is not a number",
    status: 400,
    parser: true,
    request: (api, auth) => ({ ...api.write, headers: { ...auth, "content-length": PLANTED } }),
  },
  {
    name: "both Content-Length and Transfer-Encoding",
    status: 400,
    parser: true,
    request: (api, auth) => ({
      ...api.write,
      headers: { ...auth, "content-type": "application/json", "transfer-encoding": "chunked" },
      body: JSON.stringify({ name: PLANTED }),
    }),
  },
  {
    name: "headers over the size limit",
    status: 431,
    parser: true,
    request: (api, auth) => ({
      method: "GET",
      path: api.collection,
      headers: { ...auth, "x-big": PLANTED.repeat(1_000) },
    }),
  },
  {
    name: "bad percent-encoding in the path",
    status: 400,
    parser: false,
    request: (api, auth) => ({ method: "GET", path: `${api.collection}/${PLANTED}%zz`, headers: auth }),
  },
  bodyCase("a body that is not valid JSON", 400, "application/json", `{"${PLANTED}`),
  bodyCase("an unsupported content type", 415, "application/xml", `<name>${PLANTED}</name>`),
  bodyCase(
    "a body over the size limit",
    413,
    "application/json",
    JSON.stringify({ name: PLANTED.repeat(10_000) }),
  ),
];

describe.each(APIS)("the $name sandbox", (api) => {
  const credential = canary("Credential");
  const lines: string[] = [];
  let running: Running;

  beforeAll(async () => {
    running = await api.start(credential, (line) => lines.push(line));
  });
  afterAll(async () => {
    await running.close();
  });

  it.each(CASES)(
    "answers $name with $status in its own error format, quoting none of the request",
    async (malformed) => {
      const logged = lines.length;
      const request = malformed.request(api, api.auth(credential));
      const response = await rawRequest(running.origin, request);
      expect(response.status).toBe(malformed.status);
      expect(response.headers["content-type"]).toMatch(api.errorType);
      expect(response.json).toEqual(api.errorBody(malformed.status));
      expect(response.text).not.toContain(PLANTED);
      expect(response.text).not.toContain(credential);
      // The parser cannot tell where a next request would start, so the connection ends with the answer.
      if (malformed.parser) expect(response.headers.connection).toBe("close");

      // One log line with the status, counted in the stats, and nothing of the request in it.
      await vi.waitFor(() => expect(lines.length).toBe(logged + 1));
      const line = lines[logged] ?? "";
      expect(line).toMatch(new RegExp(`^\\S+ \\S+ ${malformed.status} \\d+ms$`));
      expect(line).not.toContain(PLANTED);
      expect(line).not.toContain(credential);
      const label = line.split(" ").slice(0, 2).join(" ");
      if (malformed.parser) expect(label).toBe(`${UNPARSED} ${UNMATCHED}`);
      else expect(label.startsWith(`${request.method} `)).toBe(true);
      expect(running.stats().requests[label]?.[String(malformed.status)]).toBeGreaterThan(0);
    },
  );
});
