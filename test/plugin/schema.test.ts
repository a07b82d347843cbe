/**
 * The plugin's package schema is made from the zod schemas the kit checks with: every argument and its
 * required-ness as zod parses it, every output of the outputs schema, secrets as the resource classes declare
 * them, replacements as the change rules decide them, and the configuration as the kit's settings tables list it.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { argumentNames } from "../../provider/kit/check";
import { PLUGIN_SETTINGS, pluginKeyOf } from "../../provider/plugin/config";
import { RESOURCES } from "../../provider/plugin/resources";
import { fieldsOf, packageSchema, type PropertySpec } from "../../provider/plugin/schema";
import { REPO_ROOT } from "../support/process";

const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
  version: string;
};
const schema = packageSchema(version);

/** The arguments zod requires: those whose absence alone fails the parse of that field. */
function requiredByZod(inputs: z.ZodType): string[] {
  const fields = fieldsOf(inputs);
  return Object.keys(fields).filter((name) => !fields[name]?.safeParse(undefined).success);
}

function hasType(spec: PropertySpec): boolean {
  return spec.type !== undefined || spec.$ref !== undefined || (spec.oneOf?.length ?? 0) > 0;
}

describe("the plugin's package schema", () => {
  it("declares exactly the five resources under the secretstack:<api>:<Resource> tokens", () => {
    expect(Object.keys(schema.resources).sort()).toEqual([
      "secretstack:netactuate:SecretList",
      "secretstack:netactuate:SecretValue",
      "secretstack:tensordock:GenericSecret",
      "secretstack:tensordock:SshKey",
      "secretstack:walletcrew:TenantSecret",
    ]);
    expect(schema.name).toBe("secretstack");
    expect(schema.version).toBe(version);
  });

  describe.each(RESOURCES.map((r) => [r.token, r] as const))("%s", (token, resource) => {
    const spec = schema.resources[token];
    if (spec === undefined) throw new Error(`no ${token} in the schema`);
    const inputs = resource.definition.inputs;

    it("has every argument of the zod schema, and no other", () => {
      expect(Object.keys(spec.inputProperties).sort()).toEqual([...argumentNames(inputs)].sort());
    });

    it("requires exactly the arguments zod requires", () => {
      expect([...spec.requiredInputs].sort()).toEqual(requiredByZod(inputs).sort());
      expect(spec.requiredInputs.length).toBeGreaterThan(0);
    });

    it("has every output of the outputs schema, each typed and described", () => {
      const outputs = resource.definition.outputs;
      expect(outputs).toBeDefined();
      if (outputs === undefined) return;
      expect(Object.keys(spec.properties).sort()).toEqual(Object.keys(fieldsOf(outputs)).sort());
      expect(spec.properties.schemaVersion?.type).toBe("number");
      const all = [
        ...Object.entries(spec.inputProperties).map(([name, p]) => [`argument ${name}`, p] as const),
        ...Object.entries(spec.properties).map(([name, p]) => [`output ${name}`, p] as const),
      ];
      expect(all.filter(([, p]) => !hasType(p)).map(([name]) => name)).toEqual([]);
      // A field without one needs `.describe("…")` on its zod schema: the schema's descriptions come from there.
      expect(all.filter(([, p]) => (p.description?.length ?? 0) < 10).map(([name]) => name)).toEqual([]);
    });

    it("marks secret exactly the arguments and outputs the resource class keeps secret", () => {
      const secretInputs = Object.keys(spec.inputProperties).filter((k) => spec.inputProperties[k]?.secret);
      const secretOutputs = Object.keys(spec.properties).filter((k) => spec.properties[k]?.secret);
      expect(secretInputs.sort()).toEqual([...resource.secrets].sort());
      expect(secretOutputs.sort()).toEqual([...resource.secrets].sort());
      expect(resource.secrets).toContain("connection");
    });
  });

  it("marks the arguments whose change always replaces the object, as each definition's rule says", () => {
    const replacing = Object.fromEntries(
      Object.entries(schema.resources).map(([token, spec]) => [
        token,
        Object.keys(spec.inputProperties)
          .filter((k) => spec.inputProperties[k]?.replaceOnChanges)
          .sort(),
      ]),
    );
    expect(replacing).toEqual({
      "secretstack:tensordock:SshKey": ["name", "publicKey"],
      // value: replaced, except when a value is first declared for an imported secret (recorded in place).
      "secretstack:tensordock:GenericSecret": ["name", "secretType"],
      "secretstack:walletcrew:TenantSecret": ["key", "tenantId"],
      "secretstack:netactuate:SecretList": [],
      "secretstack:netactuate:SecretValue": ["listId"],
    });
  });

  it("keeps each API's credential secret inside its connection type", () => {
    expect(schema.types["secretstack:tensordock:Connection"]?.properties?.apiToken?.secret).toBe(true);
    expect(schema.types["secretstack:walletcrew:Connection"]?.properties?.apiKey?.secret).toBe(true);
    expect(schema.types["secretstack:netactuate:Connection"]?.properties?.apiKey?.secret).toBe(true);
    expect(schema.types["secretstack:tensordock:Connection"]?.properties?.baseUrl?.secret).toBeUndefined();
    expect(schema.types["secretstack:tensordock:SecretType"]?.enum).toEqual([
      { value: "GENERIC" },
      { value: "SECRET" },
    ]);
  });

  it("gives the type's default to an argument that has one, and none to the others", () => {
    const generic = schema.resources["secretstack:tensordock:GenericSecret"];
    expect(generic?.inputProperties.secretType?.default).toBe("GENERIC");
    expect(generic?.inputProperties.name?.default).toBeUndefined();
  });

  it("offers one provider config key per setting of the kit, secret where the setting is a credential", () => {
    const variables = schema.config.variables;
    expect(Object.keys(variables).sort()).toEqual(PLUGIN_SETTINGS.map((s) => s.key).sort());
    expect(pluginKeyOf("tensordock:apiToken")).toBe("tensordockApiToken");
    expect(pluginKeyOf("walletcrew:tenantId")).toBe("walletcrewTenantId");
    expect(pluginKeyOf("netactuate:bodyEncoding")).toBe("netactuateBodyEncoding");
    expect(pluginKeyOf("secretstack:rateLimitRedisUrl")).toBe("rateLimitRedisUrl");
    const secret = Object.keys(variables)
      .filter((k) => variables[k]?.secret)
      .sort();
    expect(secret).toEqual([
      "netactuateApiKey",
      "rateLimitRedisUrl",
      "tensordockApiToken",
      "walletcrewApiKey",
    ]);
    // No default in the schema: the engine would send it as config and hide the environment variable behind it.
    expect(Object.values(variables).filter((v) => v.default !== undefined)).toEqual([]);
    expect(variables.tensordockApiToken?.description).toContain("TENSORDOCK_API_TOKEN");
    expect(schema.provider.inputProperties).toEqual(variables);
  });

  it("names the provider's config keys in its descriptions, never the classes' stack config keys", () => {
    const text = JSON.stringify(schema);
    expect(text).toContain("secretstack:walletcrewTenantId");
    expect(text.match(/(?<![\w:])(tensordock|walletcrew|netactuate):[a-z]\w*/g)).toBeNull();
  });

  it("is what the build wrote beside the plugin", () => {
    const built = JSON.parse(
      readFileSync(path.join(REPO_ROOT, "dist", "provider", "plugin", "schema.json"), "utf8"),
    ) as unknown;
    expect(built).toEqual(JSON.parse(JSON.stringify(schema)));
  });
});
