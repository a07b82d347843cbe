/**
 * Our error classes. Every field is allow-listed: API, method, templated path, status, field names and
 * server text that `redact.scrub` has cleaned. No header, body, query string, credential or `cause` is ever
 * attached, so `message`, `stack`, `toJSON()` and `util.inspect` are safe to print and log.
 */
import { inspect } from "node:util";
import type { ApiName, CredentialHint, ErrorDescription } from "./types";

/** What every error knows about the call that failed. */
export interface ErrorInit {
  api: ApiName;
  method: string;
  /** The templated path, e.g. `/secrets/{id}`. */
  path: string;
  status?: number | undefined;
  fields?: readonly string[] | undefined;
  /** Scrubbed server text. */
  detail?: string | undefined;
  /** Attempts made, this one included. @default 1 */
  attempts?: number | undefined;
}

/** The base of every error this package raises about a remote call. */
export class SecretstackError extends Error {
  readonly api: ApiName;
  readonly method: string;
  /** Templated, never filled in: path parameters can be keys the user considers private. */
  readonly path: string;
  /** The HTTP status (or the one an envelope reported); undefined when no response arrived. */
  readonly status: number | undefined;
  /** Request fields the server named as wrong. */
  readonly fields: readonly string[];
  /** The server's explanation, scrubbed of every value we sent. */
  readonly detail: string | undefined;
  readonly attempts: number;

  constructor(message: string, init: ErrorInit) {
    super(message);
    this.api = init.api;
    this.method = init.method;
    this.path = init.path;
    this.status = init.status;
    this.fields = Object.freeze([...(init.fields ?? [])]);
    this.detail = init.detail;
    this.attempts = init.attempts ?? 1;
  }

  /** Only the allow-listed fields, so `JSON.stringify(error)` is safe to log. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      api: this.api,
      method: this.method,
      path: this.path,
      status: this.status,
      fields: [...this.fields],
      detail: this.detail,
      attempts: this.attempts,
      ...this.extraJSON(),
    };
  }

  /** Subclass fields added to `toJSON()`. */
  protected extraJSON(): Record<string, unknown> {
    return {};
  }

  /** `util.inspect` shows the stack and the allow-listed fields, nothing else that might be attached later. */
  [inspect.custom](): string {
    const { name: _name, message: _message, ...fields } = this.toJSON();
    return `${this.stack ?? `${this.name}: ${this.message}`} ${inspect(fields, { breakLength: Infinity })}`;
  }
}

/** 400, 413, 422 and other client errors: the request was wrong; `fields` names what to fix. */
export class BadRequestError extends SecretstackError {}
/** 401: the credential is missing, wrong or revoked. */
export class AuthenticationError extends SecretstackError {}
/** 403 (missing scope, other tenant) and 412 (contract or entitlement). */
export class PermissionDeniedError extends SecretstackError {}
/**
 * 412: the account's contract or entitlement does not include what was asked (NetActuate answers it when a
 * product such as Secret Manager is not part of the account's agreement). A `PermissionDeniedError`, so code
 * that handles refusals in general keeps handling it; no retry or other credential changes the answer.
 */
export class EntitlementError extends PermissionDeniedError {}
/** 404 and 410: the object does not exist. */
export class NotFoundError extends SecretstackError {}
/** 409: another object holds the name or key. */
export class ConflictError extends SecretstackError {}
/** 5xx: the server failed; a POST may or may not have taken effect. */
export class ServerError extends SecretstackError {}

/** 429: too many requests. */
export class RateLimitError extends SecretstackError {
  /** How long the server asked us to wait, when it said. */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, init: ErrorInit & { retryAfterMs?: number | undefined }) {
    super(message, init);
    this.retryAfterMs = init.retryAfterMs;
  }
  protected override extraJSON(): Record<string, unknown> {
    return { retryAfterMs: this.retryAfterMs };
  }
}

/** No usable response: refused, reset, unreachable. */
export class ConnectionError extends SecretstackError {
  /** False only when the request provably never left this machine (e.g. connection refused). */
  readonly requestSent: boolean;
  /** The system error code, e.g. `ECONNRESET`. */
  readonly code: string | undefined;
  constructor(message: string, init: ErrorInit & { requestSent: boolean; code?: string | undefined }) {
    super(message, init);
    this.requestSent = init.requestSent;
    this.code = init.code;
  }
  protected override extraJSON(): Record<string, unknown> {
    return { requestSent: this.requestSent, code: this.code };
  }
}

/** The attempt timed out, the call's deadline passed, or the server answered 408. */
export class TimeoutError extends SecretstackError {}

/** A 2xx response that is not the shape we rely on. */
export class ResponseValidationError extends SecretstackError {
  /** The first bad field, as a path (`data.attributes.name`, `[3].id`); `(body)` for the body itself. */
  readonly field: string;
  constructor(message: string, init: ErrorInit & { field: string }) {
    super(message, init);
    this.field = init.field;
  }
  protected override extraJSON(): Record<string, unknown> {
    return { field: this.field };
  }
}

for (const type of [
  SecretstackError,
  BadRequestError,
  AuthenticationError,
  PermissionDeniedError,
  EntitlementError,
  NotFoundError,
  ConflictError,
  RateLimitError,
  ServerError,
  ConnectionError,
  TimeoutError,
  ResponseValidationError,
]) {
  // On the prototype, so the stack header V8 writes during construction already carries the class name.
  Object.defineProperty(type.prototype, "name", { value: type.name, writable: true, configurable: true });
}

/** Everything `errorFromStatus` needs to say what failed and what to do. */
export interface ErrorContext extends Omit<ErrorInit, "status"> {
  /** Named by 401 and 403 messages. */
  credentialHint?: CredentialHint | undefined;
  /** From `Retry-After` or a rate-limit reset header. */
  retryAfterMs?: number | undefined;
}

function credentialNoun(hint: CredentialHint | undefined): string {
  return hint !== undefined && /token/i.test(hint.config) ? "token" : "API key";
}

function setHint(hint: CredentialHint | undefined): string {
  return hint === undefined ? "check the credential" : `set ${hint.config} or ${hint.env}`;
}

/** `"<what>[ (fields: a, b)][: detail]"`, the middle of every message. */
function explain(what: string, context: ErrorContext): string {
  const fields =
    context.fields !== undefined && context.fields.length > 0
      ? ` (fields: ${context.fields.join(", ")})`
      : "";
  const detail = context.detail !== undefined ? `: ${context.detail}` : "";
  return `${what}${fields}${detail}`;
}

function gaveUp(context: { attempts?: number | undefined }): string {
  return context.attempts !== undefined && context.attempts > 1
    ? ` (gave up after ${context.attempts} attempts)`
    : "";
}

/** The one status → class factory, with a message that says what failed and what to do. */
export function errorFromStatus(status: number, context: ErrorContext): SecretstackError {
  const init: ErrorInit = { ...context, status };
  const head = `${status} from ${context.api} ${context.method} ${context.path}`;
  const say = (what: string, todo: string) => `${head}: ${explain(what, context)}; ${todo}${gaveUp(context)}`;
  const hint = context.credentialHint;
  const noun = credentialNoun(hint);
  if (status === 401) return new AuthenticationError(say(`the ${noun} was rejected`, setHint(hint)), init);
  if (status === 403) {
    const todo = `give the ${noun} the needed scope or use the ${noun} of the right account (${setHint(hint)})`;
    return new PermissionDeniedError(say(`the ${noun} may not do this`, todo), init);
  }
  if (status === 412) {
    const what = "the account's contract or entitlement does not include this";
    const todo = `ask ${context.api} to enable it for the account; no retry or other credential changes this answer`;
    return new EntitlementError(say(what, todo), init);
  }
  if (status === 404 || status === 410) {
    return new NotFoundError(say("not found", "the object does not exist or was deleted"), init);
  }
  if (status === 409) {
    const todo = "import the existing object or choose another name or key";
    return new ConflictError(say("another object already holds this name or key", todo), init);
  }
  if (status === 408) {
    return new TimeoutError(say("the server timed out waiting for the request", "try again"), init);
  }
  if (status === 429) {
    const after =
      context.retryAfterMs !== undefined ? ` (retry after ${Math.ceil(context.retryAfterMs / 1000)} s)` : "";
    const todo = "lower the parallelism or the requestsPerMinute setting";
    return new RateLimitError(say(`rate limited${after}`, todo), {
      ...init,
      retryAfterMs: context.retryAfterMs,
    });
  }
  if (status >= 400 && status < 500) {
    return new BadRequestError(say("the request was rejected", "fix the named arguments"), init);
  }
  if (status >= 500 && status < 600) {
    const todo = context.method === "POST" ? OUTCOME_UNKNOWN : "try again later";
    return new ServerError(say("the server failed", todo), init);
  }
  return new SecretstackError(say("unexpected status", "report it: the API changed behaviour"), init);
}

/** Thrown by an `unwrap` hook (through `errorFor`) to make the core raise the class of `status`. */
export class StatusSignal extends Error {
  constructor(
    readonly status: number,
    readonly description: ErrorDescription,
  ) {
    super(`the response reported status ${status}`);
  }
}

/**
 * For `unwrap` hooks: `throw errorFor(404, { detail })` when an envelope reports failure inside a 2xx; the
 * core turns it into the error class of that status with the call's context, scrubbing `detail`.
 */
export function errorFor(status: number, description: ErrorDescription = {}): StatusSignal {
  return new StatusSignal(status, description);
}

/** What a failed POST that may have taken effect tells its caller to do. */
export const OUTCOME_UNKNOWN = "the outcome is unknown: look the object up before trying again";

/**
 * True when a request of any method may have taken effect though it failed: a timeout, a reset after sending,
 * a 5xx, or a 2xx we could not read. (An idempotent write is retried, but its last attempt may still land.)
 */
export function mayHaveTakenEffect(error: unknown): boolean {
  if (!(error instanceof SecretstackError)) return false;
  if (error instanceof TimeoutError) return error.status !== 408; // a 408 says the request never arrived whole
  if (error instanceof ConnectionError) return error.requestSent;
  return error instanceof ServerError || error instanceof ResponseValidationError;
}

/**
 * True when a non-idempotent request (POST) may have taken effect though it failed (see
 * {@link mayHaveTakenEffect}). The caller should look the object up before creating it again.
 */
export function isOutcomeUnknown(error: unknown): boolean {
  return error instanceof SecretstackError && error.method === "POST" && mayHaveTakenEffect(error);
}
