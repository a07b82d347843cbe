/**
 * The kit's one reader of settings, for every setting of every API: the resource's connection, then stack
 * config, then the environment, then the default. A present but empty setting is an error that names the
 * setting and where it came from; the vendor's production endpoint is used only when no source has one.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  MissingCredentialError,
  readSetting,
  recordConfig,
  SettingError,
  type SettingSpec,
} from "../../provider/kit";
import { NETACTUATE_SETTINGS } from "../../provider/netactuate/connection";
import { CONNECTION as NETACTUATE_CONNECTION } from "../../provider/netactuate/schemas";
import {
  CONNECTION as TENSORDOCK_CONNECTION,
  TENSORDOCK_SETTINGS,
} from "../../provider/tensordock/connection";
import { WALLETCREW_SETTINGS } from "../../provider/walletcrew/connection";
import { CONNECTION as WALLETCREW_CONNECTION } from "../../provider/walletcrew/schema";

const TABLES: Array<{ api: string; settings: Record<string, SettingSpec> }> = [
  { api: "TensorDock", settings: TENSORDOCK_SETTINGS },
  { api: "The Wallet Crew", settings: WALLETCREW_SETTINGS },
  { api: "NetActuate", settings: NETACTUATE_SETTINGS },
];
const CASES = TABLES.flatMap(({ api, settings }) =>
  Object.entries(settings).map(([name, spec]) => ({ api, name, spec })),
);

/** Records stack config as `configure` would, or forgets it. */
function config(values: Record<string, string>, keys: readonly string[]): void {
  recordConfig({ config: { get: (key) => values[key] } }, keys);
}

const saved = { ...process.env };
afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
  config(
    {},
    CASES.map((c) => c.spec.configKey),
  );
});

function clear(spec: SettingSpec): void {
  delete process.env[spec.envVar];
  config({}, [spec.configKey]);
}

function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a throw");
}

/** A choice setting's values in turn (the last one again when it has fewer), given in upper case to show case is ignored. */
const choice = (spec: SettingSpec, i: number) =>
  spec.choices?.[Math.min(i, (spec.choices?.length ?? 1) - 1)] ?? "";

describe.each(CASES)("$api $name", ({ api, spec }) => {
  const sample =
    spec.kind === "url"
      ? "https://example.test/api/"
      : spec.kind === "rate"
        ? "42"
        : spec.kind === "choice"
          ? choice(spec, 0).toUpperCase()
          : "sample-text";

  it("is an error naming the environment variable when it is set but empty or only spaces", () => {
    clear(spec);
    for (const empty of ["", "   "]) {
      process.env[spec.envVar] = empty;
      const error = caught(() => readSetting(api, spec, undefined));
      expect(error).toBeInstanceOf(SettingError);
      expect(error.message).toContain(`is set but empty in environment variable ${spec.envVar}`);
      expect(error.message).toContain(`unset ${spec.envVar}`);
    }
  });

  it("is an error naming the stack config key when it is set but empty", () => {
    clear(spec);
    process.env[spec.envVar] = sample;
    config({ [spec.configKey]: "" }, [spec.configKey]);
    const error = caught(() => readSetting(api, spec, undefined));
    expect(error.message).toContain(`is set but empty in stack config ${spec.configKey}`);
    expect(error.message).toContain(`pulumi config rm ${spec.configKey}`);
  });

  if (spec.field !== undefined) {
    it("is an error naming the connection field when it is present but empty", () => {
      clear(spec);
      const error = caught(() => readSetting(api, spec, " "));
      expect(error.message).toContain(`is set but empty in the resource's connection.${spec.field}`);
    });
  }

  it("takes connection over stack config over environment", () => {
    clear(spec);
    process.env[spec.envVar] =
      spec.kind === "rate"
        ? "7"
        : spec.kind === "url"
          ? "https://env.test"
          : spec.kind === "choice"
            ? choice(spec, 1)
            : "from-env";
    expect(readSetting(api, spec, undefined)).toBe(
      spec.kind === "rate"
        ? 7
        : spec.kind === "url"
          ? "https://env.test"
          : spec.kind === "choice"
            ? choice(spec, 1)
            : "from-env",
    );
    config({ [spec.configKey]: sample }, [spec.configKey]);
    const parsed = readSetting(api, spec, undefined);
    expect(parsed).toBe(
      spec.kind === "rate"
        ? 42
        : spec.kind === "url"
          ? "https://example.test/api"
          : spec.kind === "choice"
            ? choice(spec, 0)
            : sample,
    );
    if (spec.field !== undefined) {
      const fromConnection =
        spec.kind === "url"
          ? "http://127.0.0.1:1/x"
          : spec.kind === "rate"
            ? "3"
            : spec.kind === "choice"
              ? choice(spec, 1)
              : "from-connection";
      expect(readSetting(api, spec, fromConnection)).toBe(fromConnection);
    }
  });

  it("falls back to its default, or fails for a credential, only when no source has it", () => {
    clear(spec);
    if (spec.required) {
      const error = caught(() => readSetting(api, spec, undefined));
      expect(error).toBeInstanceOf(MissingCredentialError);
      expect(error.message).toContain(spec.configKey);
      expect(error.message).toContain(spec.envVar);
    } else if (spec.default !== undefined) {
      expect(readSetting(api, spec, undefined)).toBe(
        spec.kind === "rate" ? Number(spec.default) : spec.default.replace(/\/+$/, ""),
      );
    } else {
      expect(readSetting(api, spec, undefined)).toBe(undefined);
    }
  });

  if (spec.rule !== undefined) {
    it("refuses a value its rule refuses, from the environment and stack config, never repeating it", () => {
      clear(spec);
      const bad = "tenant|with/slash";
      process.env[spec.envVar] = bad;
      const fromEnv = caught(() => readSetting(api, spec, undefined));
      expect(fromEnv).toBeInstanceOf(SettingError);
      expect(fromEnv.message).toContain(`from environment variable ${spec.envVar} must be`);
      delete process.env[spec.envVar];
      config({ [spec.configKey]: bad }, [spec.configKey]);
      const fromConfig = caught(() => readSetting(api, spec, undefined));
      expect(fromConfig.message).toContain(`from stack config ${spec.configKey} must be`);
      for (const error of [fromEnv, fromConfig]) expect(error.message).not.toContain(bad);
    });
  }

  if (spec.kind === "url" || spec.kind === "rate" || spec.kind === "choice") {
    it("refuses a value of the wrong kind, naming where it came from and never repeating it", () => {
      clear(spec);
      const bad =
        spec.kind === "url"
          ? "ftp://user:pa55word@example.test"
          : spec.kind === "choice"
            ? "sideways"
            : "fast";
      process.env[spec.envVar] = bad;
      const error = caught(() => readSetting(api, spec, undefined));
      expect(error.message).toContain(`from environment variable ${spec.envVar} must be`);
      expect(error.message).not.toContain(bad);
    });
  }
});

/** Each API's `connection` argument, built from its settings table. */
const CONNECTIONS = [
  { api: "TensorDock", settings: TENSORDOCK_SETTINGS, schema: TENSORDOCK_CONNECTION.schema },
  { api: "The Wallet Crew", settings: WALLETCREW_SETTINGS, schema: WALLETCREW_CONNECTION.schema },
  { api: "NetActuate", settings: NETACTUATE_SETTINGS, schema: NETACTUATE_CONNECTION.schema },
];

/** Base URLs and choices as users write them, good and bad. */
const CANDIDATES = [
  "https://api.example.test/v2/",
  "http://127.0.0.1:8080",
  "https://user:pa55word@api.example.test",
  "https://api.example.test/?token=pa55word",
  "https://api.example.test/#part",
  "ftp://api.example.test",
  "api.example.test",
  "query",
  "bearer",
  "form",
  "json",
  "sideways",
  "demo-tenant.eu",
  "a|b/c",
  "..",
];

describe.each(CONNECTIONS)("$api connection argument", ({ api, settings, schema }) => {
  const fields = Object.entries(settings).filter(([, spec]) => spec.field !== undefined);

  it("has one field per setting that a connection may override, and no other", () => {
    const given = Object.fromEntries(fields.map(([key]) => [key, "x"]));
    const failures = schema.safeParse({ ...given, nope: "x" }).error?.issues ?? [];
    expect(failures.map((i) => i.code)).toContain("unrecognized_keys");
    expect(Object.keys(schema.shape).sort()).toEqual(fields.map(([key]) => key).sort());
  });

  it.each(fields.filter(([, spec]) => spec.kind === "url" || spec.kind === "choice" || spec.rule))(
    "judges %s as the settings reader does",
    (key, spec) => {
      for (const text of CANDIDATES) {
        let readerTakes = true;
        try {
          readSetting(api, spec, text);
        } catch {
          readerTakes = false;
        }
        const parsed = schema.safeParse({ [key]: text });
        expect(parsed.success, `${key} = ${text}`).toBe(readerTakes);
        if (parsed.success && spec.kind === "url") {
          expect((parsed.data as Record<string, string>)[key]).toBe(readSetting(api, spec, text));
        }
      }
    },
  );
});
