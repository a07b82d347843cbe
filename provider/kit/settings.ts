/**
 * One reader for every setting of every API. A setting comes from the resource's `connection` arg, then
 * stack config (recorded by `configure`), then the environment, and is parsed by its kind. A setting that is
 * present but empty (or only whitespace) is an error naming where it came from, never a fall-through to the
 * next source or to the vendor's production endpoint: `TENSORDOCK_BASE_URL=` left by a CI script must not
 * send a sandbox token to production. The default applies only when no source has the setting.
 */
import type { z } from "zod";
import { type RateLimitOptions, withoutTrailingSlash } from "../../sdk/core";
import { accountKey } from "./account";
import { UNKNOWN } from "./check";
import { addressing } from "./coalesce";
import { recordedConfig } from "./config";
import { waitNotice } from "./notice";

/** How a setting's text is read (`redis`: a redis:// or rediss:// URL, whose password may be in it). */
export type SettingKind = "secret" | "text" | "url" | "rate" | "choice" | "redis";

/** One setting of one API. */
export interface SettingSpec {
  /** What it is, for messages: "API token". */
  label: string;
  /** The `connection` field that overrides it; absent when only config and environment set it. */
  field?: string;
  /** Namespaced stack config key, e.g. `tensordock:apiToken`. */
  configKey: string;
  /** Environment variable, e.g. `TENSORDOCK_API_TOKEN`. */
  envVar: string;
  kind: SettingKind;
  /**
   * The values a `choice` setting takes (matched without regard to case). A choice says how the client talks
   * to the API, not which account it addresses: it shapes the client, never the account or a claim's scope.
   */
  choices?: readonly string[];
  /** The value when no source has it; absent and not `required`: the setting stays unset. */
  default?: string;
  /** A credential: its absence fails the call, naming every place to set it. */
  required?: boolean;
  /**
   * What a `text` setting's value must be, wherever it comes from (its `connection` field, stack config or the
   * environment), e.g. a tenant id that travels in a URL path. Its messages never quote the value.
   */
  rule?: z.ZodType<unknown, string>;
}

/** The result of reading a setting: the parsed value (`false` is a rate turned off). */
export type SettingValue = string | number | false | undefined;

/** A setting that is present but unusable (empty, not a URL, not a rate); the message names its source. */
export class SettingError extends Error {
  override readonly name: string = "SettingError";
}

/** A required setting that no source provides. */
export class MissingCredentialError extends SettingError {
  override readonly name = "MissingCredentialError";
  constructor(api: string, spec: SettingSpec) {
    const connection = spec.field === undefined ? "" : `, or the resource's connection.${spec.field}`;
    super(
      `${api} ${spec.label} is not set: set the ${spec.configKey} stack config (secret), the ${spec.envVar} ` +
        `environment variable${connection}`,
    );
  }
}

/** An http(s) URL without credentials in its user-info part, a query or a fragment: what every base URL must be. */
export function isHttpUrl(text: string): boolean {
  const url = URL.parse(text);
  if (url === null || (url.protocol !== "https:" && url.protocol !== "http:")) return false;
  return !url.username && !url.password && !/[?#]/.test(text);
}

function parse(api: string, spec: SettingSpec, text: string, where: string): SettingValue {
  if (spec.kind === "url") {
    // The text itself is not repeated: a URL can carry credentials in its user-info part.
    if (!isHttpUrl(text)) {
      throw new SettingError(
        `${api} ${spec.label} from ${where} must be an http(s) URL without credentials, query or fragment`,
      );
    }
    return withoutTrailingSlash(text);
  }
  if (spec.kind === "redis") {
    const { protocol } = URL.parse(text) ?? {};
    // Never repeated: the URL may carry Redis's password.
    if (protocol !== "redis:" && protocol !== "rediss:") {
      throw new SettingError(`${api} ${spec.label} from ${where} must be a redis:// or rediss:// URL`);
    }
    return text;
  }
  if (spec.kind === "choice") {
    const chosen = spec.choices?.find((c) => c.toLowerCase() === text.toLowerCase());
    if (chosen === undefined) {
      throw new SettingError(
        `${api} ${spec.label} from ${where} must be one of ${(spec.choices ?? []).join(", ")}`,
      );
    }
    return chosen;
  }
  if (spec.kind === "rate") {
    const lower = text.toLowerCase();
    if (lower === "off" || lower === "false" || lower === "0") return false;
    const n = Number(lower);
    if (!Number.isInteger(n) || n < 1) {
      throw new SettingError(`${api} ${spec.label} from ${where} must be a positive integer or "off"`);
    }
    return n;
  }
  const judged = spec.rule?.safeParse(text);
  if (judged?.success === false) {
    throw new SettingError(
      `${api} ${spec.label} from ${where} ${judged.error.issues[0]?.message ?? "is unusable"}`,
    );
  }
  return text;
}

/**
 * Reads one setting. `fromConnection` is the resource's value (undefined when absent or unknown). Throws
 * {@link SettingError} for a present but unusable value and {@link MissingCredentialError} for a missing
 * credential; the value itself never appears in a message.
 */
export function readSetting(api: string, spec: SettingSpec, fromConnection: unknown): SettingValue {
  // Each source: its value, where it is as a user would name it, and how to unset it.
  const sources: Array<[unknown, string, string]> = [
    [
      fromConnection,
      `the resource's connection.${spec.field ?? ""}`,
      `leave connection.${spec.field ?? ""} out`,
    ],
    [
      recordedConfig(spec.configKey),
      `stack config ${spec.configKey}`,
      `remove it (pulumi config rm ${spec.configKey})`,
    ],
    [process.env[spec.envVar], `environment variable ${spec.envVar}`, `unset ${spec.envVar}`],
  ];
  for (const [value, where, unset] of sources) {
    if (value === undefined) continue;
    if (typeof value !== "string")
      throw new SettingError(`${api} ${spec.label} from ${where} must be a string`);
    const text = value.trim();
    if (text === "") {
      throw new SettingError(
        `${api} ${spec.label} is set but empty in ${where}: ${unset} to use the next source` +
          `${spec.default === undefined ? "" : " or the default"}, or give it a value`,
      );
    }
    return parse(api, spec, text, where);
  }
  if (spec.default !== undefined) return parse(api, spec, spec.default, "the default");
  if (spec.required) throw new MissingCredentialError(api, spec);
  return undefined;
}

/**
 * Settings every API shares, read once here rather than in each API's table. The Redis URL is a setting of
 * the pipeline (a service beside the CI job), not of one resource, so like `requestsPerMinute` it has no
 * `connection` field.
 */
export const SHARED_SETTINGS = {
  rateLimitRedisUrl: {
    label: "rate limit Redis URL",
    configKey: "secretstack:rateLimitRedisUrl",
    envVar: "SECRETSTACK_RATE_LIMIT_REDIS_URL",
    kind: "redis",
  },
} satisfies Record<string, SettingSpec>;

/**
 * The stack config key of every setting made in this process (see {@link connectionSetting}), so that every
 * `configure` and every lookup records them all: a resource or lookup needs no list of its own, and since every
 * configure carries the whole stack config, recording every API's keys from any of them is the same.
 */
const knownKeys = new Set<string>(Object.values(SHARED_SETTINGS).map((s) => s.configKey));

/** Every stack config key `configure` records: the shared settings' and those of every API's settings. */
export function configKeys(): string[] {
  return [...knownKeys];
}

const clients = new Map<string, unknown>();

/**
 * The client of one account and pace, made once per host process: a refresh of a thousand resources would
 * otherwise build a thousand HTTP clients. Memory only (provider modules are loaded by `require()`).
 */
export function sharedClient<T>(key: string, make: () => T): T {
  if (!clients.has(key)) clients.set(key, make());
  return clients.get(key) as T;
}

/**
 * A rate setting as the sdk takes it: `{ requestsPerMinute }`, shared through Redis when
 * `secretstack:rateLimitRedisUrl` / `SECRETSTACK_RATE_LIMIT_REDIS_URL` is set, or `false` when off or unset.
 */
export function rateLimitOf(value: SettingValue): RateLimitOptions | false {
  if (typeof value !== "number") return false;
  const redisUrl = readSetting("secretstack", SHARED_SETTINGS.rateLimitRedisUrl, undefined);
  if (typeof redisUrl !== "string") return { requestsPerMinute: value };
  return { requestsPerMinute: value, shared: { redisUrl, onNotice: sharedLimitNotice } };
}

/** One line on the provider's stderr, which the Pulumi CLI shows as a diagnostic (as the wait notices are). */
function sharedLimitNotice(message: string): void {
  process.stderr.write(`secretstack: ${message}\n`);
}

/** `apiToken` → `API_TOKEN`: the environment spelling of a setting's name. */
const envName = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

/**
 * The settings every API has, named one way: its credential (a `connection` field, `<namespace>:<field>`
 * stack config, `<PREFIX>_<FIELD>` environment variable; required), its base URL (with the vendor's default)
 * and its pace (`<namespace>:requestsPerMinute`; none of our own unless the API documents one).
 */
export function apiSettings<F extends string = "apiKey">(o: {
  namespace: string;
  /** @default an `apiKey`, "API key" in messages */
  credential?: { field: F; label: string };
  baseUrl: string;
  requestsPerMinute?: number;
}): Record<F | "baseUrl" | "requestsPerMinute", SettingSpec> {
  const { field, label } = o.credential ?? { field: "apiKey" as F, label: "API key" };
  const pace = o.requestsPerMinute === undefined ? {} : { default: String(o.requestsPerMinute) };
  const rate = { kind: "rate", ...pace } as const;
  // The pace is the host's, never one resource's: no `connection` field.
  const { field: _none, ...paceSetting } = connectionSetting(
    o.namespace,
    "requestsPerMinute",
    "requests per minute",
    rate,
  );
  return {
    [field]: connectionSetting(o.namespace, field, label, { kind: "secret", required: true }),
    baseUrl: connectionSetting(o.namespace, "baseUrl", "base URL", { kind: "url", default: o.baseUrl }),
    requestsPerMinute: paceSetting,
  } as Record<F | "baseUrl" | "requestsPerMinute", SettingSpec>;
}

/**
 * One more setting of an API, named like the others: the `connection` field `field`, stack config
 * `<namespace>:<field>`, environment variable `<NAMESPACE>_<FIELD>` (e.g. a tenant, a transport choice).
 */
export function connectionSetting(
  namespace: string,
  field: string,
  label: string,
  rest: Omit<SettingSpec, "label" | "field" | "configKey" | "envVar">,
): SettingSpec {
  knownKeys.add(`${namespace}:${field}`);
  return {
    label,
    field,
    configKey: `${namespace}:${field}`,
    envVar: `${namespace.toUpperCase()}_${envName(field)}`,
    ...rest,
  };
}

/** What a client is made from: the resolved credential, base URL and pace, the choices, and the wait notice. */
export interface ClientSettings {
  credential: string;
  baseUrl: string;
  rateLimit: RateLimitOptions | false;
  /** Every `choice` setting of the table, by its key in the table (with its default when unset). */
  choices: Record<string, string>;
  onWait: typeof waitNotice;
}

/** A client for one call, and the key of the account it addresses (for coalesced reads and baselines). */
export interface Session<C> {
  client: C;
  account: string;
}

/**
 * The client of a resource's connection (then stack config, then the environment), made once per account,
 * pace and `scope` (e.g. a tenant) in this host process. A field still unknown at preview counts as absent.
 * `account` names the API, base URL, a hash of the credential (never the credential) and the scope.
 */
export function sessionFor<C>(
  api: string,
  table: Record<string, SettingSpec>,
  connection: unknown,
  make: (settings: ClientSettings) => C,
  scope?: string,
): Session<C> {
  const given =
    connection !== null && typeof connection === "object"
      ? Object.fromEntries(Object.entries(connection).filter(([, v]) => v !== UNKNOWN))
      : undefined;
  // Only what a client is made from: other settings of the table (a tenant) are read where they are used.
  const read = (key: string | undefined) => {
    const spec = key === undefined ? undefined : table[key];
    if (spec === undefined) return undefined;
    return readSetting(api, spec, spec.field === undefined ? undefined : given?.[spec.field]);
  };
  const credential = String(read(Object.keys(table).find((k) => table[k]?.required)));
  const baseUrl = String(read("baseUrl"));
  const rateLimit = rateLimitOf(read("requestsPerMinute"));
  const account = `${accountKey(api, baseUrl, credential)}${scope === undefined ? "" : `|${scope}`}`;
  addressing(account);
  const pace = rateLimit === false ? "off" : rateLimit.requestsPerMinute;
  const choices: Record<string, string> = {};
  for (const [key, spec] of Object.entries(table)) {
    if (spec.kind !== "choice") continue;
    const chosen = read(key);
    if (chosen !== undefined) choices[key] = String(chosen);
  }
  // One client per way of talking to the account: a choice changes the client, not the account.
  const style = Object.entries(choices)
    .map(([key, value]) => `${key}=${value}`)
    .join(",");
  const client = sharedClient(`${account}|${pace}|${style}`, () =>
    make({ credential, baseUrl, rateLimit, choices, onWait: waitNotice }),
  );
  return { client, account };
}
