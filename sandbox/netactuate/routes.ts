/**
 * The NetActuate Secret Manager endpoints under `/api/secrets`, every answer in the envelope. The API key
 * travels as `Authorization: Bearer <key>` (the docs) or as `?key=<key>` (the vendor's SDKs); bodies arrive
 * as JSON or form-encoded.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { type SandboxApp, SandboxHttpError } from "../core";
import { type EnvelopeWriter, paginate } from "./envelope";
import { MissingObjectError, type NetActuateStore } from "./store";
import { createListBody, idOf, renameListBody, valueBody } from "./validate";

/** Path prefix of the API; the base URL clients use is it with a trailing slash, as NetActuate writes it. */
export const API_PREFIX = "/api";

const LISTS = `${API_PREFIX}/secrets/lists`;
const LIST = `${LISTS}/:secretList`;
const VALUES = `${LIST}/values`;
const VALUE = `${VALUES}/:secretListValue`;
const ALL_VALUES = `${API_PREFIX}/secrets/all-values`;

/** Every method fastify routes besides HEAD (answered for each GET route). */
const OTHER_METHODS = ["DELETE", "GET", "PATCH", "POST", "PUT", "OPTIONS"];

type Params = { secretList?: string; secretListValue?: string };

/** Paths of the API (any id) and the methods each serves, for the 405 answer to any other method. */
const KNOWN_PATHS: [RegExp, string][] = [
  [/^\/api\/secrets\/lists\/?$/, "GET, POST, HEAD"],
  [/^\/api\/secrets\/lists\/[^/]+$/, "GET, POST, DELETE, HEAD"],
  [/^\/api\/secrets\/all-values$/, "GET, HEAD"],
  [/^\/api\/secrets\/lists\/[^/]+\/values$/, "GET, POST, HEAD"],
  [/^\/api\/secrets\/lists\/[^/]+\/values\/[^/]+$/, "GET, POST, DELETE, HEAD"],
];

/**
 * JSON.parse reviver that refuses `__proto__` and `constructor.prototype` members, as the other emulators'
 * parser does: harmless to this store, but a body holding them is an attack on whatever reads it next.
 */
function forbidPrototypeKeys(key: string, value: unknown): unknown {
  const constructorPrototype =
    key === "constructor" && typeof value === "object" && value !== null && Object.hasOwn(value, "prototype");
  if (key === "__proto__" || constructorPrototype) {
    throw new SandboxHttpError(
      400,
      "the request body holds a forbidden member (__proto__ or constructor.prototype)",
    );
  }
  return value;
}

/**
 * The credential a request presents: the Bearer token, else the `key` query parameter. A repeated `key`
 * parameter counts as no credential rather than guessing which one was meant.
 */
export function credentialOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === "string") {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match?.[1] !== undefined) return match[1];
  }
  const query = request.query as Record<string, unknown> | undefined;
  const key = query?.key;
  return typeof key === "string" && key !== "" ? key : undefined;
}

const digest = (text: string) => createHash("sha256").update(text).digest();

/** How the routes answer: the envelope variant, and the page size of paginated collections. */
export interface AnswerStyle {
  envelope: EnvelopeWriter;
  /** Items per page when the variant paginates collections. */
  pageSize: number;
}

/** Registers authentication, the JSON body parser and every route of the API on `app`. */
export function registerRoutes(
  app: SandboxApp,
  store: NetActuateStore,
  apiKeys: readonly string[],
  style: AnswerStyle,
): void {
  const { envelope } = style;
  // Digests of equal length make the comparison constant-time whatever the presented key's length.
  const accepted = apiKeys.map(digest);
  const authorized = (key: string | undefined) => {
    if (key === undefined) return false;
    const presented = digest(key);
    return accepted.some((known) => timingSafeEqual(known, presented));
  };

  app.addHook("onRequest", async (request) => {
    if (!authorized(credentialOf(request))) {
      throw new SandboxHttpError(
        401,
        "Unauthenticated: send a valid API key as Authorization: Bearer <key> or as the key query parameter.",
      );
    }
  });

  // The docs create a list with "no payload"; an empty JSON body is read as no body instead of a 400.
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (text.trim() === "") {
      done(null, undefined);
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text, forbidPrototypeKeys);
    } catch (error) {
      done(
        error instanceof SandboxHttpError
          ? error
          : new SandboxHttpError(400, "the request body is not valid JSON"),
      );
      return;
    }
    done(null, parsed);
  });

  // A known path with a method it does not serve is a 405 with `Allow`, whatever the method (TRACE, QUERY…);
  // in onRequest, so it answers before fastify reads the body of a method it has no route for.
  app.addHook("onRequest", async (request) => {
    if (request.routeOptions.url !== undefined) return;
    const path = request.url.split("?", 1)[0] ?? "";
    const allow = KNOWN_PATHS.find(([pattern]) => pattern.test(path))?.[1];
    if (allow !== undefined && request.method !== "HEAD") {
      throw new SandboxHttpError(
        405,
        `The method is not supported for this route; use ${allow}.`,
        undefined,
        {
          allow,
        },
      );
    }
  });

  const params = (request: FastifyRequest) => request.params as Params;
  /**
   * Runs `fn`; a missing list or value is answered the variant's way: a 422 naming the id field (`result`), an
   * HTTP 200 without data for a read by id (`sparse`), else the 404 it is.
   */
  const orMissing = <T>(read: boolean, fn: () => T): T | null => {
    try {
      return fn();
    } catch (error) {
      if (!(error instanceof MissingObjectError)) throw error;
      if (envelope.variant === "result") {
        const field = error.what === "list" ? "secret_list_id" : "secret_list_value_id";
        const noun = error.what === "list" ? "secret list id" : "secret list value id";
        throw new SandboxHttpError(422, "The given data was invalid.", {
          [field]: [
            `The ${noun} must be a valid ${error.what === "list" ? "secret list" : "secret list value"}.`,
          ],
        });
      }
      if (envelope.variant === "sparse" && read) return null;
      throw error;
    }
  };
  /** A collection: whole, or one Laravel page of it (`?page=N`) when the variant paginates. */
  const collection = (request: FastifyRequest, items: unknown[], message: string) => {
    if (envelope.variant !== "sparse") return envelope.read(items, message);
    const page = Number((request.query as Record<string, unknown> | undefined)?.page ?? 1);
    return envelope.read(paginate(items, Number.isSafeInteger(page) ? page : 1, style.pageSize), message);
  };
  /** Sends a write's answer unless a drop-after-commit fault takes the connection first. */
  const answer = (request: FastifyRequest, reply: FastifyReply, data: unknown, message: string) => {
    if (app.sandbox.afterCommit(request, reply)) return reply;
    return reply.code(200).send(envelope.write(data, message));
  };

  // Methods a path does not serve answer 405 with `Allow`, as a router that knows the path would.
  const served: [string, string[]][] = [
    [LISTS, ["GET", "POST"]],
    [LIST, ["GET", "POST", "DELETE"]],
    [ALL_VALUES, ["GET"]],
    [VALUES, ["GET", "POST"]],
    [VALUE, ["GET", "POST", "DELETE"]],
  ];
  for (const [url, allowed] of served) {
    const allow = [...allowed, "HEAD"].join(", ");
    app.route({
      method: OTHER_METHODS.filter((m) => !allowed.includes(m)),
      url,
      handler: async () => {
        throw new SandboxHttpError(
          405,
          `The method is not supported for this route; use ${allow}.`,
          undefined,
          {
            allow,
          },
        );
      },
    });
  }

  app.get(LISTS, async (request) => collection(request, store.lists(), "Secret lists retrieved."));

  app.post(LISTS, async (request, reply) => {
    const { name } = createListBody(request.body);
    return answer(request, reply, store.createList(name), "Secret list created.");
  });

  app.get(LIST, async (request) => {
    const found = orMissing(true, () => store.list(idOf(params(request).secretList, "list")));
    return envelope.read(found, "Secret list retrieved.");
  });

  app.post(LIST, async (request, reply) => {
    const renamed = orMissing(false, () => {
      const id = idOf(params(request).secretList, "list");
      const { name } = renameListBody(request.body);
      return store.renameList(id, name);
    });
    return answer(request, reply, renamed, "Secret list updated.");
  });

  app.delete(LIST, async (request, reply) => {
    orMissing(false, () => store.deleteList(idOf(params(request).secretList, "list")));
    return answer(request, reply, null, "Secret list deleted.");
  });

  app.get(ALL_VALUES, async (request) => collection(request, store.allValues(), "Secret values retrieved."));

  app.get(VALUES, async (request) => {
    const values = orMissing(false, () => store.values(idOf(params(request).secretList, "list")));
    return collection(request, values ?? [], "Secret values retrieved.");
  });

  app.post(VALUES, async (request, reply) => {
    const created = orMissing(false, () => {
      const listId = idOf(params(request).secretList, "list");
      const { key, value } = valueBody(request.body);
      return store.createValue(listId, key, value);
    });
    return answer(request, reply, created, "Secret value created.");
  });

  app.get(VALUE, async (request) => {
    const found = orMissing(true, () => {
      const listId = idOf(params(request).secretList, "list");
      return store.value(listId, idOf(params(request).secretListValue, "value"));
    });
    return envelope.read(found, "Secret value retrieved.");
  });

  app.post(VALUE, async (request, reply) => {
    const updated = orMissing(false, () => {
      const listId = idOf(params(request).secretList, "list");
      const id = idOf(params(request).secretListValue, "value");
      const { key, value } = valueBody(request.body);
      return store.updateValue(listId, id, key, value);
    });
    return answer(request, reply, updated, "Secret value updated.");
  });

  app.delete(VALUE, async (request, reply) => {
    orMissing(false, () => {
      const listId = idOf(params(request).secretList, "list");
      store.deleteValue(listId, idOf(params(request).secretListValue, "value"));
    });
    return answer(request, reply, null, "Secret value deleted.");
  });
}
