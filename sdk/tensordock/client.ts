/**
 * The TensorDock Secrets API v2 client: list, retrieve, create and delete secrets. Reads both shapes in use
 * (the seed OpenAPI's `attributes` and the vendor docs' flat fields) and writes the type under both names.
 */
import {
  type ApiProfile,
  apiHttpClient,
  type ErrorDescription,
  type HttpClient,
  type RateLimitOptions,
  realSleep,
  type Sleep,
  type TransportOptions,
} from "../core";
import {
  createResponse,
  deleteResponse,
  errorBody,
  listResponse,
  normalizeSecret,
  retrieveResponse,
  type TensorDockSecret,
  type TensorDockSecretType,
} from "./schemas";

/** The production base URL. */
export const TENSORDOCK_DEFAULT_BASE_URL = "https://dashboard.tensordock.com/api/v2";

/** The vendor's published rate limit, the default pace of the client. */
export const TENSORDOCK_DEFAULT_REQUESTS_PER_MINUTE = 100;

/** Options of {@link TensorDockClient}; everything but the token has a default. */
export interface TensorDockClientOptions extends TransportOptions {
  /** The organization's API token, sent as `Authorization: Bearer <token>`. */
  apiToken: string;
  /** @default "https://dashboard.tensordock.com/api/v2" */
  baseUrl?: string;
  /**
   * Client-side pacing per (base URL, token), process-wide, or `false` for none.
   * @default 100 requests per minute: the vendor's published limit per organization
   */
  rateLimit?: RateLimitOptions | false;
}

/** What `create` sends. */
export interface CreateSecretInput {
  /** 1–255 characters; the API does not promise uniqueness. */
  name: string;
  type: TensorDockSecretType;
  /** An OpenSSH public key for `SSHKEY`; any text up to 64 KiB otherwise (never readable afterwards). */
  value: string;
}

/**
 * Reads a safe description from an error body: our sandbox's `{"error": {"message", "fields"}}`, a bare
 * `{"error": "..."}` or `{"message": "..."}`. The core scrubs the text of everything we sent.
 */
export function describeTensorDockError(_status: number, body: unknown): ErrorDescription | undefined {
  const parsed = errorBody.safeParse(body);
  if (!parsed.success) return undefined;
  const data = parsed.data;
  if ("message" in data) return { detail: data.message };
  if (typeof data.error === "string") return { detail: data.error };
  const description: ErrorDescription = {};
  if (data.error.message !== undefined) description.detail = data.error.message;
  if (data.error.fields !== undefined) description.fields = Object.keys(data.error.fields);
  return description;
}

/** What every TensorDock client fixes: its name, where its token is set, how its errors read, its pace. */
const TENSORDOCK: ApiProfile = {
  api: "TensorDock",
  defaultBaseUrl: TENSORDOCK_DEFAULT_BASE_URL,
  credentialHint: { config: "tensordock:apiToken", env: "TENSORDOCK_API_TOKEN" },
  describeError: describeTensorDockError,
  defaultRateLimit: { requestsPerMinute: TENSORDOCK_DEFAULT_REQUESTS_PER_MINUTE },
};

/** A client of one TensorDock organization. Each method is exactly one request (plus the core's retries). */
export class TensorDockClient {
  private readonly http: HttpClient;
  /** Waits the way this client's retries do (`options.sleep`, else a timer), for waits of a caller between its requests. */
  readonly sleep: Sleep;

  constructor(options: TensorDockClientOptions) {
    this.sleep = options.sleep ?? realSleep;
    this.http = apiHttpClient(TENSORDOCK, options, { kind: "bearer", token: options.apiToken });
  }

  /** Every secret of the organization; values only where the API returns them (SSH keys, seed shape). */
  list(): Promise<TensorDockSecret[]> {
    return this.http.request({ method: "GET", path: "/secrets", response: listResponse });
  }

  /** One secret by id; throws `NotFoundError` when it does not exist. `type` is absent in the vendor shape. */
  retrieve(id: string): Promise<TensorDockSecret> {
    return this.http.request({
      method: "GET",
      path: "/secrets/{id}",
      params: { id },
      response: retrieveResponse,
    });
  }

  /**
   * Creates a secret; one POST, never retried once it may have reached the server (creates are not
   * idempotent). Sends the type as both `type` and `secret_type`; fills name and type the answer leaves out.
   */
  async create(input: CreateSecretInput): Promise<TensorDockSecret> {
    const raw = await this.http.request({
      method: "POST",
      path: "/secrets",
      body: {
        data: {
          type: "secret",
          attributes: { name: input.name, value: input.value, type: input.type, secret_type: input.type },
        },
      },
      response: createResponse,
    });
    const secret = normalizeSecret(raw, { name: input.name, type: input.type });
    // A create answer may echo the value; only a readable type's value is worth returning.
    if (input.type !== "SSHKEY") delete secret.value;
    return secret;
  }

  /** Deletes a secret; throws `NotFoundError` when it does not exist (callers that want idempotence catch it). */
  async delete(id: string): Promise<void> {
    await this.http.request({
      method: "DELETE",
      path: "/secrets/{id}",
      params: { id },
      response: deleteResponse,
    });
  }
}
