/**
 * The NetActuate Secret Manager client: secret lists and their values, each method one request through the
 * core. Responses are read out of the envelope leniently (numeric ids as numbers or strings); bodies are
 * sent as JSON by default. The API key travels as a Bearer header, or as `?key=` when asked; either way it
 * never appears in an error, an event or a reported URL.
 */
import type { z } from "zod";
import { type HttpMethod, HttpClient, pickTransportOptions, type TransportOptions } from "../core";
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
    // One request: its method and path template, the template's values, the body's fields (if it has a body)
    // and the schema of the answer. Every answer comes in the envelope, so every request opens it.
    const call = <T>(
      method: HttpMethod,
      path: string,
      response: z.ZodType<T>,
      params: Record<string, number> = {},
      fields?: Record<string, string>,
    ) =>
      this.http.request({
        method,
        path,
        params,
        ...(fields === undefined ? {} : { body: fields, bodyEncoding: this.bodyEncoding }),
        response,
        unwrap: unwrapEnvelope,
      });
    const list = (id: number) => ({ secretList: id });
    const value = (listId: number, id: number) => ({ secretList: listId, secretListValue: id });
    const valueFields = (f: NetActuateValueFields) => ({ secret_key: f.key, secret_value: f.value });

    this.lists = {
      list: () => call("GET", LISTS, collectionOf(secretListSchema)),
      retrieve: (id) => call("GET", LIST, secretListSchema, list(id)),
      create: ({ name } = {}) =>
        call("POST", LISTS, secretListSchema, {}, name === undefined ? undefined : { name }),
      rename: (id, { name }) => call("POST", LIST, secretListSchema, list(id), { name }),
      delete: (id) => call("DELETE", LIST, deletedSchema, list(id)),
    };

    this.values = {
      listAll: () => call("GET", ALL_VALUES, collectionOf(secretValueSchema)),
      list: (listId) => call("GET", VALUES, collectionOf(secretValueSchema), list(listId)),
      retrieve: (listId, id) => call("GET", VALUE, secretValueSchema, value(listId, id)),
      create: (listId, f) => call("POST", VALUES, secretValueSchema, list(listId), valueFields(f)),
      update: (listId, id, f) => call("POST", VALUE, secretValueSchema, value(listId, id), valueFields(f)),
      delete: (listId, id) => call("DELETE", VALUE, deletedSchema, value(listId, id)),
    };
  }
}
