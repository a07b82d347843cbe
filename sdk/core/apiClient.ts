/**
 * How each API client builds its one `HttpClient`: the transport settings its user gave (and nothing else of
 * the client's options, so no credential travels twice), and what the client fixes about its API.
 */
import { HttpClient } from "./request";
import {
  type Auth,
  type HttpClientOptions,
  type RateLimitOptions,
  TRANSPORT_OPTION_KEYS,
  type TransportOptions,
} from "./types";

/**
 * The transport settings of a client's options, and nothing else (no credential), with unset ones left out so
 * `HttpClient` applies its defaults.
 */
export function pickTransportOptions(options: TransportOptions): TransportOptions {
  const picked: TransportOptions = {};
  for (const key of TRANSPORT_OPTION_KEYS) copyDefined(picked, options, key);
  return picked;
}

/** Generic in the key so the compiler ties each value to its own option's type. */
function copyDefined<K extends keyof TransportOptions>(
  to: TransportOptions,
  from: TransportOptions,
  key: K,
): void {
  const value = from[key];
  if (value !== undefined) to[key] = value;
}

/** What an API client fixes about its API, for every client of it. */
export interface ApiProfile extends Pick<HttpClientOptions, "api" | "credentialHint" | "describeError"> {
  /** The vendor's production base URL, when the client's user gives none. @default none: the user must give one */
  defaultBaseUrl?: string;
  /** The pace when the client's user sets none. @default none of our own */
  defaultRateLimit?: RateLimitOptions;
}

/**
 * The `HttpClient` of one API client: its user's transport settings and base URL (else the API's default), its
 * credential as `auth`, and the API's name, credential hint, error describer and default pace.
 */
export function apiHttpClient(
  profile: ApiProfile,
  options: TransportOptions & { baseUrl?: string | undefined },
  auth: Auth,
): HttpClient {
  const { defaultBaseUrl, defaultRateLimit, ...fixed } = profile;
  // No base URL at all is refused by `HttpClient`, as any URL that is not http(s).
  const baseUrl = options.baseUrl ?? defaultBaseUrl ?? "";
  const http: HttpClientOptions = { ...pickTransportOptions(options), ...fixed, auth, baseUrl };
  if (http.rateLimit === undefined && defaultRateLimit !== undefined) http.rateLimit = defaultRateLimit;
  return new HttpClient(http);
}
