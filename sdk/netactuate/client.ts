/**
 * The NetActuate Secret Manager client: secret lists and their values. Requests are written as NetActuate's
 * own SDKs write them (the key as `?key=`, form-encoded bodies; bearer and JSON on request); answers are
 * read as those SDKs read them (every envelope member optional, failures inside HTTP 200, missing objects
 * said four ways, Laravel paginators followed page by page). The key never appears in an error, an event
 * or a reported URL.
 */
import {
  type ApiProfile,
  apiHttpClient,
  type HttpClient,
  type RequestOptions,
  ResponseValidationError,
  type TransportOptions,
} from "../core";
import { describeNetActuateError, unwrapEnvelope, unwrapObject, unwrapWrite } from "./envelope";
import {
  deletedSchema,
  type NetActuateSecretList,
  type NetActuateSecretValue,
  type Page,
  pageOf,
  secretListSchema,
  secretValueSchema,
} from "./schemas";

/** The production API, written as NetActuate's SDKs write it: with the trailing slash. */
export const NETACTUATE_DEFAULT_BASE_URL = "https://vapi2.netactuate.com/api/";

/** How the API key travels: `query` as `?key=<key>` (NetActuate's SDKs), `bearer` as `Authorization: Bearer` (the docs). */
export type NetActuateAuthStyle = "query" | "bearer";
/** How request bodies are encoded: `form` (NetActuate's SDKs) or `json` (the docs). */
export type NetActuateBodyEncoding = "form" | "json";

/** @see NetActuateClientOptions.auth */
export const NETACTUATE_DEFAULT_AUTH_STYLE: NetActuateAuthStyle = "query";
/** @see NetActuateClientOptions.bodyEncoding */
export const NETACTUATE_DEFAULT_BODY_ENCODING: NetActuateBodyEncoding = "form";

/** Pages of one collection read at most; a paginator that never ends is a broken answer, not a long list. */
const MAX_PAGES = 1000;

/**
 * Options of {@link NetActuateClient}. NetActuate documents no rate limit, so `rateLimit` defaults to none of
 * our own (the server's rate-limit headers are still honoured).
 */
export interface NetActuateClientOptions extends TransportOptions {
  /** Base URL including `/api`, with or without the trailing slash. @default "https://vapi2.netactuate.com/api/" */
  baseUrl?: string;
  /** The account's API key (the account's IP allowlist must also admit the caller). */
  apiKey: string;
  /**
   * `query`: `?key=<key>`, as every NetActuate SDK sends it (what runs against the real API today); `bearer`:
   * `Authorization: Bearer <key>`, as the docs show it.
   * @default "query"
   */
  auth?: NetActuateAuthStyle;
  /** How request bodies are encoded; NetActuate's SDKs send forms, the docs JSON. @default "form" */
  bodyEncoding?: NetActuateBodyEncoding;
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

/** What every NetActuate client fixes (NetActuate documents no rate limit: no pace of our own). */
const NETACTUATE: ApiProfile = {
  api: "NetActuate",
  defaultBaseUrl: NETACTUATE_DEFAULT_BASE_URL,
  credentialHint: { config: "netactuate:apiKey", env: "NETACTUATE_API_KEY" },
  describeError: describeNetActuateError,
};

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
    this.bodyEncoding = options.bodyEncoding ?? NETACTUATE_DEFAULT_BODY_ENCODING;
    const auth = options.auth ?? NETACTUATE_DEFAULT_AUTH_STYLE;
    this.http = apiHttpClient(
      NETACTUATE,
      options,
      auth === "query"
        ? { kind: "query", name: "key", value: options.apiKey }
        : { kind: "bearer", token: options.apiKey },
    );
    const http = this.http;
    type Call<T> = Omit<RequestOptions<T>, "unwrap" | "response">;
    /** A read of one object: an answer without one is a 404. */
    const one = <T>(call: Call<T>, response: RequestOptions<T>["response"]) =>
      http.request({ ...call, response, unwrap: unwrapObject });
    /** A write: an answer without an object resolves to `undefined`, and the method says what it made. */
    const write = <T>(call: Call<T | undefined>, response: RequestOptions<T>["response"]) =>
      http.request({ ...call, response: response.optional(), unwrap: unwrapWrite });
    /** A whole collection: every page of a paginated answer, in order. */
    const all = async <T>(call: Call<Page<T>>, page: RequestOptions<Page<T>>["response"]): Promise<T[]> => {
      const items: T[] = [];
      for (let next: number | undefined, read = 0; read < MAX_PAGES; read++) {
        const answer = await http.request({
          ...call,
          ...(next !== undefined ? { query: { page: next } } : {}),
          response: page,
          unwrap: unwrapEnvelope,
        });
        items.push(...answer.items);
        if (answer.lastPage <= answer.currentPage) return items;
        next = answer.currentPage + 1;
      }
      throw new ResponseValidationError(
        `unexpected response from NetActuate ${call.method} ${call.path}: more than ${MAX_PAGES} pages; report it`,
        { api: "NetActuate", method: call.method, path: call.path, field: "data.last_page" },
      );
    };
    const body = (fields: Record<string, string>) => ({ body: fields, bodyEncoding: this.bodyEncoding });
    const valueBody = (f: NetActuateValueFields) => body({ secret_key: f.key, secret_value: f.value });
    const lists = pageOf(secretListSchema);
    const values = pageOf(secretValueSchema);
    /** An object a write made but did not describe: found by what is unique in the account. */
    const madeButUnsaid = (path: string): ResponseValidationError =>
      new ResponseValidationError(
        `unexpected response from NetActuate POST ${path}: it reported success without the object, and no such ` +
          "object can be found; look it up before trying again",
        { api: "NetActuate", method: "POST", path, field: "data" },
      );

    this.lists = {
      list: () => all({ method: "GET", path: LISTS }, lists),
      retrieve: (id) => one({ method: "GET", path: LIST, params: { secretList: id } }, secretListSchema),
      create: async (fields = {}) => {
        const made = await write(
          { method: "POST", path: LISTS, ...(fields.name !== undefined ? body({ name: fields.name }) : {}) },
          secretListSchema,
        );
        if (made !== undefined) return made;
        // Names are unique in the account, so the list with the name is the one just made.
        const found =
          fields.name === undefined
            ? undefined
            : (await this.lists.list()).find((l) => l.name === fields.name);
        if (found === undefined) throw madeButUnsaid(LISTS);
        return found;
      },
      rename: async (id, fields) =>
        (await write(
          { method: "POST", path: LIST, params: { secretList: id }, ...body({ name: fields.name }) },
          secretListSchema,
        )) ?? { id, name: fields.name },
      delete: async (id) => {
        await write({ method: "DELETE", path: LIST, params: { secretList: id } }, deletedSchema);
      },
    };

    this.values = {
      listAll: () => all({ method: "GET", path: ALL_VALUES }, values),
      list: (listId) => all({ method: "GET", path: VALUES, params: { secretList: listId } }, values),
      retrieve: (listId, id) =>
        one(
          { method: "GET", path: VALUE, params: { secretList: listId, secretListValue: id } },
          secretValueSchema,
        ),
      create: async (listId, fields) => {
        const made = await write(
          { method: "POST", path: VALUES, params: { secretList: listId }, ...valueBody(fields) },
          secretValueSchema,
        );
        if (made !== undefined) return made;
        // Keys are unique in the account, so the value with the key in this list is the one just made.
        const found = (await this.values.listAll()).find((v) => v.key === fields.key && v.listId === listId);
        if (found === undefined) throw madeButUnsaid(VALUES);
        return found;
      },
      update: async (listId, id, fields) =>
        (await write(
          {
            method: "POST",
            path: VALUE,
            params: { secretList: listId, secretListValue: id },
            ...valueBody(fields),
          },
          secretValueSchema,
        )) ?? { id, listId, key: fields.key, value: fields.value },
      delete: async (listId, id) => {
        await write(
          { method: "DELETE", path: VALUE, params: { secretList: listId, secretListValue: id } },
          deletedSchema,
        );
      },
    };
  }
}
