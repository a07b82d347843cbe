/**
 * The TensorDock emulator: `GET/POST /api/v2/secrets`, `GET/DELETE /api/v2/secrets/{id}` on loopback, with
 * bearer auth, validation, a per-token rate limit, values sealed at rest, and fault injection from the core.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import {
  createApp,
  FaultInjector,
  listen,
  loadOrCreateKey,
  openStore,
  type SandboxCommonOptions,
  SandboxHttpError,
  type SandboxStats,
} from "../core";
import { SecretRecords, type SecretSummary } from "./records";
import { renderCreated, renderDeleted, renderError, renderList, renderOne, valueIsReturned } from "./shapes";
import { type TensorDockDialect, validateCreate } from "./validate";

/** Path prefix of the API, as in the real base URL `https://dashboard.tensordock.com/api/v2`. */
export const TENSORDOCK_API_PREFIX = "/api/v2";

/** The vendor's published limit: 100 requests per minute. */
export const TENSORDOCK_DEFAULT_RATE_LIMIT = { limit: 100, windowMs: 60_000 } as const;

/** Options of {@link startTensorDockSandbox}. */
export interface TensorDockSandboxOptions extends SandboxCommonOptions {
  /** Bearer tokens accepted. @default one random token, returned as `apiToken` */
  tokens?: string[];
  /** Shapes of requests and responses. @default "seed" (the seed OpenAPI document) */
  dialect?: TensorDockDialect;
}

/** A running TensorDock emulator. */
export interface TensorDockSandbox {
  /** `http://127.0.0.1:<port>/api/v2`, the same form as the real base URL. */
  baseUrl: string;
  /** The first accepted token. */
  apiToken: string;
  dialect: TensorDockDialect;
  /** Fault injection: latency, status bursts, drops before or after commit. */
  faults: FaultInjector;
  /** Request counts by `"METHOD /template"` and status. */
  stats(): SandboxStats;
  /** What is stored, for tests: ids, names and types, never values. */
  secrets(): SecretSummary[];
  /** Stops the server and closes the database. */
  close(): Promise<void>;
}

/** Compares a presented token with every accepted one in constant time per comparison. */
function tokenMatcher(tokens: string[]): (presented: string) => boolean {
  const accepted = tokens.map((t) => Buffer.from(t, "utf8"));
  return (presented) => {
    const candidate = Buffer.from(presented, "utf8");
    let ok = false;
    for (const token of accepted) {
      if (token.length === candidate.length && timingSafeEqual(token, candidate)) ok = true;
    }
    return ok;
  };
}

function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== "string") return undefined;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Starts the TensorDock emulator on loopback and resolves once it listens. */
export async function startTensorDockSandbox(
  options: TensorDockSandboxOptions = {},
): Promise<TensorDockSandbox> {
  const dialect = options.dialect ?? "seed";
  const tokens = options.tokens ?? [`td_${randomBytes(24).toString("base64url")}`];
  const apiToken = tokens[0];
  if (apiToken === undefined || tokens.some((t) => t.length === 0 || /\s/.test(t))) {
    throw new Error("the TensorDock sandbox needs at least one token, without whitespace");
  }
  const key = options.key ?? loadOrCreateKey(options.dataDir);
  const store = openStore({
    ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
    fileName: "tensordock.db",
    key,
  });
  const records = new SecretRecords(store);
  const faults = new FaultInjector();
  const isAccepted = tokenMatcher(tokens);
  const app = createApp({
    name: "TensorDock",
    errorBody: renderError,
    credentialOf: bearerOf,
    faults,
    log: options.log,
    rateLimit: options.rateLimit ?? TENSORDOCK_DEFAULT_RATE_LIMIT,
    clock: options.clock,
  });

  app.addHook("onRequest", async (request, reply) => {
    const token = bearerOf(request);
    if (token === undefined || !isAccepted(token)) {
      reply.header("www-authenticate", 'Bearer realm="TensorDock"');
      throw new SandboxHttpError(
        401,
        token === undefined
          ? "missing bearer token: send Authorization: Bearer <token>"
          : "the bearer token is not valid",
      );
    }
  });

  // A known path with a method it does not serve is a 405 with `Allow`, whatever the method (TRACE, QUERY…);
  // in onRequest, so it answers before fastify reads the body of a method it has no route for.
  const allowed: [RegExp, string][] = [
    [/^\/api\/v2\/secrets\/?$/, "GET, POST"],
    [/^\/api\/v2\/secrets\/[^/]+$/, "GET, DELETE"],
  ];
  app.addHook("onRequest", async (request) => {
    if (request.routeOptions.url !== undefined) return;
    const path = request.url.split("?", 1)[0] ?? "";
    const allow = allowed.find(([pattern]) => pattern.test(path))?.[1];
    if (allow !== undefined && request.method !== "HEAD") {
      throw new SandboxHttpError(405, `method ${request.method} is not allowed here`, undefined, { allow });
    }
  });

  const notFound = () => new SandboxHttpError(404, "no secret with this id");
  const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;

  app.get(`${TENSORDOCK_API_PREFIX}/secrets`, async () =>
    renderList(
      records.list((type) => dialect === "seed" && valueIsReturned(type)),
      dialect,
    ),
  );

  app.post(`${TENSORDOCK_API_PREFIX}/secrets`, async (request, reply) => {
    const mediaType = String(request.headers["content-type"] ?? "")
      .split(";", 1)[0]
      ?.trim()
      .toLowerCase();
    if (mediaType !== "application/json") {
      throw new SandboxHttpError(415, "unsupported content type; send the body as application/json");
    }
    const result = validateCreate(request.body, dialect);
    if (!result.ok) {
      const summary = Object.entries(result.fields).map(
        ([field, messages]) => `${field} ${messages.join("; ")}`,
      );
      throw new SandboxHttpError(400, `invalid request: ${summary.join("; ")}`, result.fields);
    }
    const created = records.insert(result.input);
    if (app.sandbox.afterCommit(request, reply)) return reply;
    return reply.code(201).send(renderCreated(created, dialect));
  });

  app.get(`${TENSORDOCK_API_PREFIX}/secrets/:id`, async (request) => {
    const secret = records.get(idOf(request));
    if (secret === undefined) throw notFound();
    return renderOne(secret, dialect);
  });

  app.delete(`${TENSORDOCK_API_PREFIX}/secrets/:id`, async (request, reply) => {
    if (!records.delete(idOf(request))) throw notFound();
    if (app.sandbox.afterCommit(request, reply)) return reply;
    return renderDeleted();
  });

  // The API has no update; a real client reports 405 for PATCH, so the emulator says the same.
  for (const method of ["PATCH", "PUT"] as const) {
    app.route({
      method,
      url: `${TENSORDOCK_API_PREFIX}/secrets/:id`,
      handler: async () => {
        throw new SandboxHttpError(405, "secrets cannot be updated: delete and create instead", undefined, {
          allow: "GET, DELETE",
        });
      },
    });
  }

  let listening: Awaited<ReturnType<typeof listen>>;
  try {
    listening = await listen(app, { host: options.host, port: options.port });
  } catch (error) {
    store.close();
    throw error;
  }
  let closed: Promise<void> | undefined;
  return {
    baseUrl: `${listening.origin}${TENSORDOCK_API_PREFIX}`,
    apiToken,
    dialect,
    faults,
    stats: () => app.sandbox.stats(),
    secrets: () => records.list().map(({ id, name, type }) => ({ id, name, type })),
    close: () => {
      closed ??= listening.close().finally(() => store.close());
      return closed;
    },
  };
}
