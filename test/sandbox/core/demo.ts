/** A tiny emulator built on the sandbox core, used by the core's tests; and a raw HTTP helper. */
import { request as httpRequest } from "node:http";
import {
  createApp,
  FaultInjector,
  type Listening,
  listen,
  type RateLimitOptions,
  type SandboxApp,
  SandboxHttpError,
} from "../../../sandbox/core";

/** A running demo emulator, its log lines and the counter its write route increments. */
export interface Demo {
  app: SandboxApp;
  server: Listening;
  faults: FaultInjector;
  lines: string[];
  internalErrors: unknown[];
  commits(): number;
  /** How many `/touch` requests got past their `afterCommit` point. */
  afterCommitPassed(): number;
}

/** Starts the demo: bearer or `?key=` credentials, `GET/POST /items`, `GET /items/:id`, `POST /touch`, `GET /boom`. */
export async function startDemo(
  options: { rateLimit?: RateLimitOptions; clock?: () => number; bodyLimit?: number } = {},
): Promise<Demo> {
  const faults = new FaultInjector();
  const lines: string[] = [];
  const internalErrors: unknown[] = [];
  let commits = 0;
  let passed = 0;
  const items = new Map<string, string>();
  const credentialOf = (request: { headers: Record<string, unknown>; query: unknown }) => {
    const auth = request.headers.authorization;
    if (typeof auth === "string" && auth.startsWith("Bearer ")) return auth.slice(7);
    const key = (request.query as Record<string, unknown>).key;
    return typeof key === "string" ? key : undefined;
  };
  const app = createApp({
    name: "Demo",
    errorBody: (status, message, fields) => ({ error: { status, message, ...(fields ? { fields } : {}) } }),
    credentialOf,
    faults,
    log: (line) => lines.push(line),
    onInternalError: (error) => internalErrors.push(error),
    ...options,
  });
  // An emulator-style auth hook: admin routes must never reach it.
  app.addHook("onRequest", async (request) => {
    if (credentialOf(request) === undefined) throw new SandboxHttpError(401, "missing credential");
  });
  app.get("/items", async () => ({ items: [...items.keys()] }));
  app.post("/items", async (request, reply) => {
    const name = (request.body as { name?: unknown } | undefined)?.name;
    if (typeof name !== "string") throw new SandboxHttpError(422, "invalid item", { name: ["is required"] });
    commits++;
    items.set(`item-${commits}`, name);
    reply.code(201);
    return { id: `item-${commits}`, name };
  });
  app.get("/items/:id", async (request) => {
    const id = (request.params as { id: string }).id;
    const name = items.get(id);
    if (name === undefined) throw new SandboxHttpError(404, "no such item");
    return { id, name };
  });
  // A route with an explicit commit point.
  app.post("/touch", async (request, reply) => {
    commits++;
    if (app.sandbox.afterCommit(request, reply)) return reply;
    passed++;
    return { touched: true };
  });
  app.get("/boom", async () => {
    throw new Error("internal detail that must stay inside");
  });
  const server = await listen(app);
  return {
    app,
    server,
    faults,
    lines,
    internalErrors,
    commits: () => commits,
    afterCommitPassed: () => passed,
  };
}

/** What {@link call} got back. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/**
 * One request on a fresh connection (no keep-alive agent, so a destroyed socket is seen as exactly that).
 * Rejects with the socket error (e.g. `ECONNRESET`) when the server drops the connection.
 */
export function call(
  origin: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${origin}${path}`,
      { method, headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown = text;
          try {
            body = text === "" ? undefined : JSON.parse(text);
          } catch {
            // Not JSON: keep the text.
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    request.on("error", reject);
    request.end(options.body);
  });
}

/** JSON request headers with a bearer token. */
export function jsonWith(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}`, "content-type": "application/json" };
}
