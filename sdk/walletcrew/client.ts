/**
 * The Wallet Crew tenant secrets client: list key names, retrieve a value, put (an upsert with an optional
 * validity period) and delete, for one tenant. The tenant travels only in the path.
 */
import { z } from "zod";
import {
  type ApiProfile,
  apiHttpClient,
  defaultDescribeError,
  type ErrorDescription,
  type HttpClient,
  type TransportOptions,
} from "../core";

/**
 * Options of {@link WalletCrewClient}. The Wallet Crew documents no rate limit, so `rateLimit` defaults to none
 * of our own (a 429's Retry-After is still honoured).
 */
export interface WalletCrewClientOptions extends TransportOptions {
  /** Host of the API, e.g. `https://app.neostore.cloud` (the client adds `/api/{tenantId}/…`). */
  baseUrl: string;
  /** A tenant-scoped API key, or an OAuth2 access token with `auth: "bearer"`. */
  apiKey: string;
  /** The tenant of calls that do not name one. @default none: each call must then pass a tenant */
  tenantId?: string;
  /**
   * `"api-key"` sends `X-API-KEY` (server-to-server keys); `"bearer"` sends `Authorization: Bearer` (OAuth2).
   * @default "api-key"
   */
  auth?: "api-key" | "bearer";
}

/** A value to store, with its optional validity period (ISO 8601 date-times with an offset). */
export interface PutSecret {
  value: string;
  /** End of validity. @default never */
  expiresOn?: string;
  /** Start of validity; must be before `expiresOn`. @default at once */
  notBefore?: string;
}

/** `GET /api/{tenantId}/secrets`: a bare array of key names. */
const keyList = z.array(z.string());
/** `GET /api/{tenantId}/secrets/{key}`: the value (a JSON string or text/plain, both read as text). */
const secretValue = z.string();
/** 204 answers have no body worth reading. */
const noContent = z.unknown();

/** RFC 7807 problem details, read leniently: every member may be missing or of another type. */
const problem = z
  .object({
    title: z.string().optional().catch(undefined),
    detail: z.string().optional().catch(undefined),
    errors: z.record(z.string(), z.unknown()).optional().catch(undefined),
  })
  .loose();

/** What a 403 adds: the two reasons The Wallet Crew refuses a valid key. */
const TENANT_SCOPED =
  "keys work for one tenant only and need Secret.Read (list, get) or Secret.Write (put, delete)";

/**
 * Reads problem details into safe text: `title` and `detail`, and the field names of `errors`, never their
 * messages (a validation message may quote the rejected value). The core scrubs the text further.
 */
export function describeProblem(status: number, body: unknown): ErrorDescription | undefined {
  const isObject = typeof body === "object" && body !== null && !Array.isArray(body);
  const parsed = problem.safeParse(isObject ? body : {});
  const { title, detail, errors } = parsed.success ? parsed.data : {};
  // A body that is not problem details (a proxy's plain-text page) is read as the core reads any body.
  const fallback = isObject ? undefined : defaultDescribeError(status, body)?.detail;
  const parts = [[title, detail, fallback].filter((part) => part !== undefined && part !== "").join(": ")];
  if (status === 403) parts.push(TENANT_SCOPED);
  const description: ErrorDescription = {};
  const text = parts.filter((part) => part !== "").join("; ");
  if (text !== "") description.detail = text;
  if (errors !== undefined && Object.keys(errors).length > 0) description.fields = Object.keys(errors);
  return description;
}

/** What every The Wallet Crew client fixes (no rate limit documented: no pace of our own; no default host). */
const WALLETCREW: ApiProfile = {
  api: "The Wallet Crew",
  credentialHint: { config: "walletcrew:apiKey", env: "WALLETCREW_API_KEY" },
  describeError: describeProblem,
};

/** A client of one The Wallet Crew account (one API key, usually one tenant). */
export class WalletCrewClient {
  private readonly http: HttpClient;
  private readonly tenantId: string | undefined;

  constructor(options: WalletCrewClientOptions) {
    this.tenantId = options.tenantId;
    this.http = apiHttpClient(
      WALLETCREW,
      options,
      options.auth === "bearer"
        ? { kind: "bearer", token: options.apiKey }
        : { kind: "header", name: "X-API-KEY", value: options.apiKey },
    );
  }

  private tenant(tenantId: string | undefined): string {
    const tenant = tenantId ?? this.tenantId;
    if (tenant === undefined || tenant === "") {
      throw new TypeError("The Wallet Crew: no tenant; pass tenantId to the client or to the call");
    }
    return tenant;
  }

  /** Key names of every secret of the tenant (expired and not-yet-valid ones included), never values. */
  list(tenantId?: string): Promise<string[]> {
    return this.http.request({
      method: "GET",
      path: "/api/{tenantId}/secrets",
      params: { tenantId: this.tenant(tenantId) },
      response: keyList,
    });
  }

  /** The value of a secret; `NotFoundError` when it is missing, expired or not valid yet. */
  retrieve(key: string, tenantId?: string): Promise<string> {
    return this.http.request({
      method: "GET",
      path: "/api/{tenantId}/secrets/{key}",
      params: { tenantId: this.tenant(tenantId), key },
      response: secretValue,
      responseType: "text",
    });
  }

  /** Stores or replaces a secret (an upsert; safe to repeat). Omit both dates for a permanent secret. */
  async put(key: string, secret: PutSecret, tenantId?: string): Promise<void> {
    const body: Record<string, string> = { value: secret.value };
    if (secret.expiresOn !== undefined) body.expiresOn = secret.expiresOn;
    if (secret.notBefore !== undefined) body.notBefore = secret.notBefore;
    await this.http.request({
      method: "PUT",
      path: "/api/{tenantId}/secrets/{key}",
      params: { tenantId: this.tenant(tenantId), key },
      body,
      response: noContent,
    });
  }

  /** Deletes a secret; `NotFoundError` when there is none. */
  async delete(key: string, tenantId?: string): Promise<void> {
    await this.http.request({
      method: "DELETE",
      path: "/api/{tenantId}/secrets/{key}",
      params: { tenantId: this.tenant(tenantId), key },
      response: noContent,
    });
  }
}
