/**
 * The NetActuate Secret Manager client: secret lists and their values, each method one request through the
 * core. Responses are read out of the envelope leniently (numeric ids as numbers or strings); bodies are
 * sent as JSON by default. The API key travels as a Bearer header, or as `?key=` when asked; either way it
 * never appears in an error, an event or a reported URL.
 */
import { HttpClient, pickTransportOptions, type RequestOptions, type TransportOptions } from "../core";
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

/**
 * Options of {@link NetActuateClient}. NetActuate documents no rate limit, so `rateLimit` defaults to none of
 * our own (the server's rate-limit headers are still honoured).
 */
export interface NetActuateClientOptions extends TransportOptions {
  /** Base URL including `/api`. @default "https://vapi2.netactuate.com/api" */
  baseUrl?: string;
  /** The account's API key (the account's IP allowlist must also admit the caller). */
  apiKey: string;
  /** `bearer`: `Authorization: Bearer <key>` (the docs); `query`: `?key=<key>` (the vendor's SDKs). @default "bearer" */
  auth?: "bearer" | "query";
  /** How request bodies are encoded; the vendor's SDKs send forms. @default "json" */
  bodyEncoding?: "json" | "form";
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
      ...pickTransportOptions(options),
      api: "NetActuate",
      baseUrl: options.baseUrl ?? NETACTUATE_DEFAULT_BASE_URL,
      auth:
        options.auth === "query"
          ? { kind: "query", name: "key", value: options.apiKey }
          : { kind: "bearer", token: options.apiKey },
      credentialHint: { config: "netactuate:apiKey", env: "NETACTUATE_API_KEY" },
      describeError: describeNetActuateError,
    });
    // Every answer comes in the envelope, so every request opens it.
    const request = <T>(call: Omit<RequestOptions<T>, "unwrap">) =>
      this.http.request({ ...call, unwrap: unwrapEnvelope });
    const body = (fields: Record<string, string>) => ({ body: fields, bodyEncoding: this.bodyEncoding });
    const valueBody = (f: NetActuateValueFields) => body({ secret_key: f.key, secret_value: f.value });

    this.lists = {
      list: () => request({ method: "GET", path: LISTS, response: collectionOf(secretListSchema) }),
      retrieve: (id) =>
        request({ method: "GET", path: LIST, params: { secretList: id }, response: secretListSchema }),
      create: (fields = {}) =>
        request({
          method: "POST",
          path: LISTS,
          ...(fields.name !== undefined ? body({ name: fields.name }) : {}),
          response: secretListSchema,
        }),
      rename: (id, fields) =>
        request({
          method: "POST",
          path: LIST,
          params: { secretList: id },
          ...body({ name: fields.name }),
          response: secretListSchema,
        }),
      delete: (id) =>
        request({ method: "DELETE", path: LIST, params: { secretList: id }, response: deletedSchema }),
    };

    this.values = {
      listAll: () => request({ method: "GET", path: ALL_VALUES, response: collectionOf(secretValueSchema) }),
      list: (listId) =>
        request({
          method: "GET",
          path: VALUES,
          params: { secretList: listId },
          response: collectionOf(secretValueSchema),
        }),
      retrieve: (listId, id) =>
        request({
          method: "GET",
          path: VALUE,
          params: { secretList: listId, secretListValue: id },
          response: secretValueSchema,
        }),
      create: (listId, fields) =>
        request({
          method: "POST",
          path: VALUES,
          params: { secretList: listId },
          ...valueBody(fields),
          response: secretValueSchema,
        }),
      update: (listId, id, fields) =>
        request({
          method: "POST",
          path: VALUE,
          params: { secretList: listId, secretListValue: id },
          ...valueBody(fields),
          response: secretValueSchema,
        }),
      delete: (listId, id) =>
        request({
          method: "DELETE",
          path: VALUE,
          params: { secretList: listId, secretListValue: id },
          response: deletedSchema,
        }),
    };
  }
}
