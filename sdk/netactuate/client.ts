/**
 * The NetActuate Secret Manager client: secret lists and their values, each method one request through the
 * core. Responses are read out of the envelope leniently (numeric ids as numbers or strings); bodies are
 * sent as JSON by default. The API key travels as a Bearer header, or as `?key=` when asked; either way it
 * never appears in an error, an event or a reported URL.
 */
import {
  type Clock,
  HttpClient,
  type RateLimitOptions,
  type RequestEvent,
  type RetryOptions,
  type Sleep,
} from "../core";
import { describeNetActuateError, unwrapEnvelope } from "./envelope";
import {
  collectionOf,
  deletedSchema,
  type NetActuateSecretList,
  type NetActuateSecretValue,
  secretListSchema,
  secretValueSchema,
} from "./schemas";

/** The production API. */
export const NETACTUATE_DEFAULT_BASE_URL = "https://vapi2.netactuate.com/api";

/** Options of {@link NetActuateClient}. */
export interface NetActuateClientOptions {
  /** Base URL including `/api`. @default "https://vapi2.netactuate.com/api" */
  baseUrl?: string;
  /** The account's API key (the account's IP allowlist must also admit the caller). */
  apiKey: string;
  /** `bearer`: `Authorization: Bearer <key>` (the docs); `query`: `?key=<key>` (the vendor's SDKs). @default "bearer" */
  auth?: "bearer" | "query";
  /** How request bodies are encoded; the vendor's SDKs send forms. @default "json" */
  bodyEncoding?: "json" | "form";
  /** Per attempt. @default 30 s */
  timeoutMs?: number;
  /** Whole call, retries included. @default 120 s */
  deadlineMs?: number;
  /** @default 4 attempts, 250 ms base, 20 s cap */
  retry?: Partial<RetryOptions>;
  /** Client-side pacing; NetActuate documents no limit. @default undefined (none; server headers still honoured) */
  rateLimit?: RateLimitOptions | false;
  clock?: Clock;
  sleep?: Sleep;
  /** Called once per attempt with the method and templated path, never a URL or the key. */
  onRequest?: (event: RequestEvent) => void;
}

/** Fields of a value to create or update. */
export interface NetActuateValueFields {
  /** Account-unique key, referenced in cloud-init as `${{secret.KEY}}`. */
  key: string;
  /** The plaintext value. */
  value: string;
}

const LISTS = "/secrets/lists";
const LIST = "/secrets/lists/{secretList}";
const ALL_VALUES = "/secrets/all-values";
const VALUES = "/secrets/lists/{secretList}/values";
const VALUE = "/secrets/lists/{secretList}/values/{secretListValue}";

/** A typed client of the NetActuate Secret Manager API. */
export class NetActuateClient {
  private readonly http: HttpClient;
  private readonly bodyEncoding: "json" | "form";

  /** Secret lists: containers of key/value pairs; names are unique in the account. */
  readonly lists: {
    /** Every list of the account. */
    list(): Promise<NetActuateSecretList[]>;
    /** One list by id; `NotFoundError` when absent. */
    retrieve(id: number): Promise<NetActuateSecretList>;
    /** Creates a list (not idempotent: after an unknown outcome, look it up by name). */
    create(fields?: { name?: string }): Promise<NetActuateSecretList>;
    /** Renames a list. */
    rename(id: number, fields: { name: string }): Promise<NetActuateSecretList>;
    /** Deletes a list and every value in it. */
    delete(id: number): Promise<void>;
  };

  /** Secret values: account-unique keys with plaintext values, each in one list. */
  readonly values: {
    /** Every value of the account (`all-values`), plaintext included. */
    listAll(): Promise<NetActuateSecretValue[]>;
    /** Every value of one list. */
    list(listId: number): Promise<NetActuateSecretValue[]>;
    /** One value; `NotFoundError` when it or its list is absent. */
    retrieve(listId: number, id: number): Promise<NetActuateSecretValue>;
    /** Adds a value (not idempotent: after an unknown outcome, look the key up in `listAll`). */
    create(listId: number, fields: NetActuateValueFields): Promise<NetActuateSecretValue>;
    /** Changes a value's key and value in place. */
    update(listId: number, id: number, fields: NetActuateValueFields): Promise<NetActuateSecretValue>;
    /** Deletes a value. */
    delete(listId: number, id: number): Promise<void>;
  };

  constructor(options: NetActuateClientOptions) {
    this.bodyEncoding = options.bodyEncoding ?? "json";
    this.http = new HttpClient({
      api: "NetActuate",
      baseUrl: options.baseUrl ?? NETACTUATE_DEFAULT_BASE_URL,
      auth:
        options.auth === "query"
          ? { kind: "query", name: "key", value: options.apiKey }
          : { kind: "bearer", token: options.apiKey },
      credentialHint: { config: "netactuate:apiKey", env: "NETACTUATE_API_KEY" },
      describeError: describeNetActuateError,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.deadlineMs !== undefined ? { deadlineMs: options.deadlineMs } : {}),
      ...(options.retry !== undefined ? { retry: options.retry } : {}),
      ...(options.rateLimit !== undefined ? { rateLimit: options.rateLimit } : {}),
      ...(options.clock !== undefined ? { clock: options.clock } : {}),
      ...(options.sleep !== undefined ? { sleep: options.sleep } : {}),
      ...(options.onRequest !== undefined ? { onRequest: options.onRequest } : {}),
    });
    const http = this.http;
    const body = (fields: Record<string, string>) => ({ body: fields, bodyEncoding: this.bodyEncoding });
    const unwrap = unwrapEnvelope;
    const valueBody = (f: NetActuateValueFields) => body({ secret_key: f.key, secret_value: f.value });

    this.lists = {
      list: () =>
        http.request({ method: "GET", path: LISTS, unwrap, response: collectionOf(secretListSchema) }),
      retrieve: (id) =>
        http.request({
          method: "GET",
          path: LIST,
          params: { secretList: id },
          unwrap,
          response: secretListSchema,
        }),
      create: (fields = {}) =>
        http.request({
          method: "POST",
          path: LISTS,
          ...(fields.name !== undefined ? body({ name: fields.name }) : {}),
          unwrap,
          response: secretListSchema,
        }),
      rename: (id, fields) =>
        http.request({
          method: "POST",
          path: LIST,
          params: { secretList: id },
          ...body({ name: fields.name }),
          unwrap,
          response: secretListSchema,
        }),
      delete: (id) =>
        http.request({
          method: "DELETE",
          path: LIST,
          params: { secretList: id },
          unwrap,
          response: deletedSchema,
        }),
    };

    this.values = {
      listAll: () =>
        http.request({ method: "GET", path: ALL_VALUES, unwrap, response: collectionOf(secretValueSchema) }),
      list: (listId) =>
        http.request({
          method: "GET",
          path: VALUES,
          params: { secretList: listId },
          unwrap,
          response: collectionOf(secretValueSchema),
        }),
      retrieve: (listId, id) =>
        http.request({
          method: "GET",
          path: VALUE,
          params: { secretList: listId, secretListValue: id },
          unwrap,
          response: secretValueSchema,
        }),
      create: (listId, fields) =>
        http.request({
          method: "POST",
          path: VALUES,
          params: { secretList: listId },
          ...valueBody(fields),
          unwrap,
          response: secretValueSchema,
        }),
      update: (listId, id, fields) =>
        http.request({
          method: "POST",
          path: VALUE,
          params: { secretList: listId, secretListValue: id },
          ...valueBody(fields),
          unwrap,
          response: secretValueSchema,
        }),
      delete: (listId, id) =>
        http.request({
          method: "DELETE",
          path: VALUE,
          params: { secretList: listId, secretListValue: id },
          unwrap,
          response: deletedSchema,
        }),
    };
  }
}
