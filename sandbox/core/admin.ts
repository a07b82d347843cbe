/**
 * The admin routes every emulator answers under `/__sandbox/`: stats and faults. They are served from the
 * first `onRequest` hook, before routing into the emulator, so no emulator hook (authentication, rate limit,
 * faults) ever sees them, and they are never counted. The sandbox listens on loopback only, so they need no
 * credential.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import { type ErrorFields, SandboxHttpError } from "./errors";
import { type FaultInjector, faultSpecSchema } from "./faults";
import type { SandboxStats } from "./stats";

/** Path prefix of the admin routes. */
export const ADMIN_PREFIX = "/__sandbox/";

/** Admin request bodies are a few fields of JSON. */
const ADMIN_BODY_LIMIT = 16 * 1024;

/** What the admin routes act on. */
export interface AdminTargets {
  stats: { snapshot(): SandboxStats; reset(): void };
  faults: FaultInjector;
}

/** True when the request URL (with or without query) is under the admin prefix. */
export function isAdminUrl(url: string): boolean {
  return url.startsWith(ADMIN_PREFIX) || url === "/__sandbox" || url.startsWith("/__sandbox?");
}

type Action = (request: FastifyRequest, targets: AdminTargets) => Promise<unknown> | unknown;

const NO_CONTENT = Symbol("no content");

const ACTIONS: Record<string, Action> = {
  "GET /__sandbox/stats": (_request, { stats }) => stats.snapshot(),
  "POST /__sandbox/stats/reset": (_request, { stats }) => {
    stats.reset();
    return NO_CONTENT;
  },
  "GET /__sandbox/faults": (_request, { faults }) => faults.snapshot(),
  "POST /__sandbox/faults": async (request, { faults }) => {
    const parsed = faultSpecSchema.safeParse(await readJson(request));
    if (!parsed.success)
      throw new SandboxHttpError(400, "invalid fault specification", fieldsOf(parsed.error));
    faults.apply(parsed.data);
    return faults.snapshot();
  },
  "DELETE /__sandbox/faults": (_request, { faults }) => {
    faults.clear();
    return NO_CONTENT;
  },
};

/**
 * Answers one admin request and returns its route template for the request log (`"<unmatched>"` for an
 * unknown admin path). Errors are thrown as `SandboxHttpError`s for the app's error handler.
 */
export async function handleAdmin(
  request: FastifyRequest,
  reply: FastifyReply,
  targets: AdminTargets,
): Promise<string> {
  const path = request.url.split("?", 1)[0] ?? "";
  const action = ACTIONS[`${request.method} ${path}`];
  if (action === undefined) {
    const known = Object.keys(ACTIONS).some((route) => route.endsWith(` ${path}`));
    throw known
      ? new SandboxHttpError(405, `method ${request.method} is not allowed on this admin route`)
      : new SandboxHttpError(404, "no such admin route; see GET /__sandbox/stats and POST /__sandbox/faults");
  }
  const result = await action(request, targets);
  if (result === NO_CONTENT) await reply.code(204).send();
  else await reply.code(200).type("application/json; charset=utf-8").send(JSON.stringify(result));
  return path;
}

/** Reads a small JSON body straight from the socket (the route never reaches fastify's body parsing). */
async function readJson(request: FastifyRequest): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request.raw as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > ADMIN_BODY_LIMIT)
      throw new SandboxHttpError(413, `admin bodies are limited to ${ADMIN_BODY_LIMIT} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (text === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new SandboxHttpError(400, "the request body is not valid JSON");
  }
}

function fieldsOf(error: z.ZodError): ErrorFields {
  const fields: ErrorFields = {};
  for (const issue of error.issues) {
    const field = issue.path.join(".") || "(body)";
    fields[field] = [...(fields[field] ?? []), issue.message];
  }
  return fields;
}
