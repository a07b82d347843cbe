/**
 * Building the outgoing request: the filled path, the query, the body and the auth header. Problems are
 * raised before anything is sent, as `BadRequestError`s without a status that name the parameter.
 */
import { BadRequestError, type ErrorInit } from "./errors";
import type { Auth, RequestOptions } from "./types";

/** The endpoint being called, for local errors. */
export type Endpoint = Pick<ErrorInit, "api" | "method" | "path">;

function localError(endpoint: Endpoint, problem: string, todo: string, field: string): BadRequestError {
  const message = `${endpoint.api} ${endpoint.method} ${endpoint.path}: ${problem}; ${todo}`;
  return new BadRequestError(message, { ...endpoint, fields: [field] });
}

/**
 * The template with each `{name}` replaced by its URI-encoded parameter. Empty, `.` and `..` are refused:
 * encoded or not, they would address a different resource (`/secrets/..` is the collection's parent).
 */
export function fillPath(endpoint: Endpoint, params: Record<string, string | number> | undefined): string {
  return endpoint.path.replace(/\{([A-Za-z0-9_]+)\}/g, (_match, name: string) => {
    const value = params?.[name];
    if (value === undefined) {
      throw localError(endpoint, `path parameter "${name}" is missing`, "pass it", name);
    }
    if (typeof value === "number" && !Number.isFinite(value)) {
      throw localError(endpoint, `path parameter "${name}" is not a finite number`, "pass a real id", name);
    }
    const text = String(value);
    if (text === "" || text === "." || text === "..") {
      throw localError(
        endpoint,
        `path parameter "${name}" must not be empty, "." or ".."`,
        "pass a real id",
        name,
      );
    }
    return encodeURIComponent(text);
  });
}

/** A base URL without its trailing slashes: `…/api/` and `…/api` are one address. */
export function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

/** Base URL + filled path + query (and a query credential, which only this URL ever carries). */
export function buildUrl(
  baseUrl: string,
  filledPath: string,
  query: RequestOptions<unknown>["query"],
  auth: Auth,
): string {
  const url = new URL(withoutTrailingSlash(baseUrl) + filledPath);
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined) url.searchParams.append(name, String(value));
  }
  if (auth.kind === "query") url.searchParams.set(auth.name, auth.value);
  return url.href;
}

/** The credential header, if the credential travels in one. */
export function authHeaders(auth: Auth): Record<string, string> {
  if (auth.kind === "bearer") return { Authorization: `Bearer ${auth.token}` };
  if (auth.kind === "header") return { [auth.name]: auth.value };
  return {};
}

type FormValue = string | number | boolean;

function isFormValue(value: unknown): value is FormValue {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

/** The encoded body and its content type; undefined when there is no body. */
export function encodeBody(
  endpoint: Endpoint,
  body: unknown,
  encoding: "json" | "form",
): { data: string; contentType: string } | undefined {
  if (body === undefined) return undefined;
  if (encoding === "json") {
    try {
      return { data: JSON.stringify(body), contentType: "application/json" };
    } catch {
      // The engine's message names the offending path, but we do not need it to say what to fix.
      throw localError(endpoint, "the request body cannot be encoded as JSON", "pass plain data", "(body)");
    }
  }
  if (body instanceof URLSearchParams) {
    return { data: body.toString(), contentType: "application/x-www-form-urlencoded" };
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw localError(endpoint, "a form body must be an object of fields", "pass an object", "(body)");
  }
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(body)) {
    if (value === undefined || value === null) continue;
    if (isFormValue(value)) form.append(name, String(value));
    else if (Array.isArray(value) && value.every(isFormValue))
      for (const item of value) form.append(name, String(item));
    else
      throw localError(
        endpoint,
        `form field "${name}" is not a flat value`,
        "pass strings, numbers or booleans",
        name,
      );
  }
  return { data: form.toString(), contentType: "application/x-www-form-urlencoded" };
}
