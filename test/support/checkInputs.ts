/**
 * Generated inputs for the providers' `check`: per resource, each argument is absent, valid, at an edge, or
 * any JSON value (Pulumi's unknown sentinel included), plus stray keys such as `__proto__` and misspellings,
 * as the engine could send them.
 */
import fc from "fast-check";
import { UNKNOWN } from "../../provider/kit";
import { ed25519PublicKey } from "./loadSpec";

/** One resource type under test: its provider module and the arguments its class declares. */
export interface CheckedResource {
  type: string;
  /** Path of the provider module, required directly. */
  module: string;
  /** The arguments of the resource class (its inputs schema), top level. */
  args: readonly string[];
  /** Paths of the arguments that hold secrets (`value`, `connection.apiKey`), which no failure may quote. */
  secretPaths: readonly string[];
  /** Generated `news`, given where a real sandbox lives (so a request, if one were made, would be seen). */
  inputs(target: Target): fc.Arbitrary<Record<string, unknown>>;
}

/** Where generated connections point. */
export interface Target {
  tensordock: { baseUrl: string; apiToken: string };
  walletcrew: { baseUrl: string; apiKey: string; tenantId: string };
  netactuate: { baseUrl: string; apiKey: string };
}

/** Anything the engine can send for one property: JSON values, long and odd strings, the unknown sentinel. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constant(UNKNOWN) },
  {
    weight: 1,
    arbitrary: fc.constantFrom("", " ", "..", "a/b", "a\u0000b", "a\r\nb", "\u202e", "__proto__"),
  },
  // Past the 64 KiB value limit, in characters that take two bytes in UTF-8.
  { weight: 1, arbitrary: fc.integer({ min: 32_000, max: 70_000 }).map((n) => "é".repeat(n)) },
);

/** A property that is usually valid-looking, sometimes anything, sometimes absent (undefined). */
const field = (valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 12, arbitrary: valid },
    { weight: 2, arbitrary: anyValue },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );

const names = fc.oneof(
  fc.string({ minLength: 1, maxLength: 30 }),
  fc.string({ unit: "grapheme", minLength: 0, maxLength: 300 }),
  fc.constantFrom("prod", "app-secret", "Ｐｒｏｄ", "\u0430pp"),
);
const keys = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/),
  fc.stringMatching(/^[A-Za-z0-9_.-]{1,130}$/),
  fc.constantFrom("DB_PASSWORD", "key.with.dots", "K".repeat(129), "KЕY", "${{secret.X}}"),
);
const values = fc.oneof(fc.string({ minLength: 1, maxLength: 50 }), fc.constantFrom("", "x".repeat(65_537)));
const dates = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .date({ min: new Date("2040-01-01"), max: new Date("2100-01-01"), noInvalidDate: true })
      .map((d) => d.toISOString()),
  },
  {
    weight: 1,
    arbitrary: fc
      .date({ min: new Date("1990-01-01"), max: new Date("2100-01-01"), noInvalidDate: true })
      .map((d) => d.toISOString()),
  },
  fc.constantFrom(
    "2030-01-01T00:00:00+02:00",
    "2030-01-01",
    "tomorrow",
    "2030-13-01T00:00:00Z",
    "2030-01-01T00:00:00",
  ),
);
const baseUrls = (good: string) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(good, `${good}/`) },
    fc.constantFrom(
      "ftp://example.invalid",
      "http://user:pass@127.0.0.1:1",
      "not a url",
      "http://127.0.0.1:1/?q#f",
    ),
  );

/** Stray keys: misspellings, what Pulumi adds, prototype names. */
const strayKeys = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.constantFrom(
    "__proto__",
    "constructor",
    "toString",
    "__provider",
    "id",
    "urn",
    "Name",
    "values",
    "apikey",
  ),
);

/** An object of `properties` (absent ones left out) plus up to two stray keys, all own properties. */
function inputsOf(properties: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(
      fc.record(properties),
      // Most inputs have no stray key, so that valid inputs are generated often enough to be checked too.
      fc.oneof(
        { weight: 3, arbitrary: fc.constant([]) },
        { weight: 1, arbitrary: fc.array(fc.tuple(strayKeys, anyValue), { minLength: 1, maxLength: 2 }) },
      ),
    )
    .map(([known, stray]) => {
      const news: Record<string, unknown> = {};
      const define = (key: string, value: unknown) =>
        Object.defineProperty(news, key, { value, enumerable: true, writable: true, configurable: true });
      for (const [key, value] of Object.entries(known)) if (value !== undefined) define(key, value);
      for (const [key, value] of stray) define(key, value);
      return news;
    });
}

const connection = (shape: Record<string, fc.Arbitrary<unknown>>) =>
  field(fc.oneof(inputsOf(shape), fc.constant({}), fc.constant(UNKNOWN)));

/** The five resource types of the package, with generators of their inputs. */
export function checkedResources(): CheckedResource[] {
  const publicKeys = [ed25519PublicKey(), ed25519PublicKey()];
  const keyLines = fc.oneof(
    fc.constantFrom(...publicKeys),
    fc.constantFrom(...publicKeys).map((k) => `  ${k}  comment with spaces `),
    fc.constantFrom(...publicKeys).map((k) => k.slice(0, -8)),
    fc.constantFrom(
      "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----",
      "ssh-rsa AAAA",
      "ssh-ed25519",
    ),
  );
  return [
    {
      type: "tensordock.SshKey",
      module: "../../provider/tensordock/sshKey.provider",
      args: ["name", "publicKey", "connection"],
      secretPaths: ["connection.apiToken"],
      inputs: (t) =>
        inputsOf({
          name: field(names),
          publicKey: field(keyLines),
          connection: connection({
            apiToken: field(fc.constant(t.tensordock.apiToken)),
            baseUrl: field(baseUrls(t.tensordock.baseUrl)),
          }),
        }),
    },
    {
      type: "tensordock.GenericSecret",
      module: "../../provider/tensordock/genericSecret.provider",
      args: ["name", "value", "secretType", "connection"],
      secretPaths: ["value", "connection.apiToken"],
      inputs: (t) =>
        inputsOf({
          name: field(names),
          value: field(values),
          secretType: field(fc.constantFrom("GENERIC", "SECRET", "SSHKEY", "generic")),
          connection: connection({
            apiToken: field(fc.constant(t.tensordock.apiToken)),
            baseUrl: field(baseUrls(t.tensordock.baseUrl)),
          }),
        }),
    },
    {
      type: "walletcrew.TenantSecret",
      module: "../../provider/walletcrew/tenantSecret.provider",
      args: ["key", "value", "expiresOn", "notBefore", "tenantId", "adopt", "connection"],
      secretPaths: ["value", "connection.apiKey"],
      inputs: (t) =>
        inputsOf({
          key: field(keys),
          value: field(values),
          expiresOn: field(dates),
          notBefore: field(dates),
          tenantId: field(
            fc.oneof(
              { weight: 4, arbitrary: fc.constant(t.walletcrew.tenantId) },
              fc.constantFrom("demo-eu", "..", "a/b"),
            ),
          ),
          adopt: field(fc.boolean()),
          connection: connection({
            apiKey: field(fc.constant(t.walletcrew.apiKey)),
            tenantId: field(fc.constant(t.walletcrew.tenantId)),
            baseUrl: field(baseUrls(t.walletcrew.baseUrl)),
          }),
        }),
    },
    {
      type: "netactuate.SecretList",
      module: "../../provider/netactuate/secretList.provider",
      args: ["name", "connection"],
      secretPaths: ["connection.apiKey"],
      inputs: (t) =>
        inputsOf({
          name: field(names),
          connection: connection({
            apiKey: field(fc.constant(t.netactuate.apiKey)),
            baseUrl: field(baseUrls(t.netactuate.baseUrl)),
          }),
        }),
    },
    {
      type: "netactuate.SecretValue",
      module: "../../provider/netactuate/secretValue.provider",
      args: ["listId", "key", "value", "connection"],
      secretPaths: ["value", "connection.apiKey"],
      inputs: (t) =>
        inputsOf({
          listId: field(
            fc.oneof(
              fc.integer({ min: -5, max: 1e6 }),
              fc.integer({ min: 1, max: 99 }).map(String),
              fc.constantFrom("0", "1e3", "١"),
            ),
          ),
          key: field(keys),
          value: field(values),
          connection: connection({
            apiKey: field(fc.constant(t.netactuate.apiKey)),
            baseUrl: field(baseUrls(t.netactuate.baseUrl)),
          }),
        }),
    },
  ];
}

/** The secret strings of `news` (at `paths`, at least `min` characters long), which no failure may quote. */
export function secretStrings(news: Record<string, unknown>, paths: readonly string[], min = 6): string[] {
  const found: string[] = [];
  for (const path of paths) {
    let value: unknown = news;
    for (const part of path.split(".")) {
      value =
        value !== null && typeof value === "object" && Object.hasOwn(value, part)
          ? (value as Record<string, unknown>)[part]
          : undefined;
    }
    if (typeof value === "string" && value.length >= min && value !== UNKNOWN) found.push(value);
  }
  return found;
}
