/**
 * The provider's Pulumi package schema, made from the zod schemas the kit checks with (never written by hand):
 * each resource's arguments from its definition's `inputs` and its outputs from its `outputs`, each property's
 * type, description (the zod schema's `describe`), default, whether it is required, secret (the resource
 * class's secret arguments) and whether a change replaces the resource (the definition's change rule); the
 * provider's configuration from the kit's settings tables. The build writes it to `schema.json` beside the
 * plugin, which serves that file.
 */
import { z } from "zod";
import { UNKNOWN } from "../kit/check";
import { inPluginTerms, PLUGIN_SETTINGS } from "./config";
import { type Api, PACKAGE, type PluginResource, RESOURCES } from "./resources";

/** A property of the schema (the part of Pulumi's PropertySpec we write). */
export interface PropertySpec {
  type?: "string" | "number" | "integer" | "boolean" | "object";
  $ref?: string;
  oneOf?: PropertySpec[];
  description?: string;
  default?: string | number | boolean;
  secret?: boolean;
  replaceOnChanges?: boolean;
}

/** A named type of the schema: an object with properties, or a string enum. */
export interface TypeSpec {
  type: "object" | "string";
  description?: string;
  properties?: Record<string, PropertySpec>;
  required?: string[];
  enum?: Array<{ value: string }>;
}

/** A resource of the schema. */
export interface ResourceSpec {
  description: string;
  inputProperties: Record<string, PropertySpec>;
  requiredInputs: string[];
  properties: Record<string, PropertySpec>;
  required: string[];
}

/** The package schema. */
export interface PackageSchema {
  name: string;
  displayName: string;
  version: string;
  description: string;
  keywords: string[];
  homepage: string;
  license: string;
  repository: string;
  publisher: string;
  meta: { moduleFormat: string };
  config: { variables: Record<string, PropertySpec> };
  provider: { description: string; inputProperties: Record<string, PropertySpec> };
  types: Record<string, TypeSpec>;
  resources: Record<string, ResourceSpec>;
}

type Def = Record<string, unknown> & { type: string };

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/**
 * The first description met from the outside in (a field's own wins over the one of the type it wraps), naming
 * the plugin's config keys where the classes' documentation names theirs.
 */
function descriptionOf(schema: z.ZodType): string | undefined {
  for (let s: z.ZodType | undefined = schema, depth = 0; s !== undefined && depth < 20; depth++) {
    const own = z.globalRegistry.get(s)?.description;
    if (own !== undefined) return inPluginTerms(own);
    s = inner(s);
  }
  return undefined;
}

/**
 * The schema a wrapper wraps (optional, default, catch, the value option of `orUnknown`, a pipe's input, or its
 * output when that is an enum: a text refused when empty, then judged as one of its choices).
 */
function inner(schema: z.ZodType): z.ZodType | undefined {
  const def = defOf(schema);
  if (def.type === "optional" || def.type === "default" || def.type === "catch" || def.type === "nullable") {
    return def.innerType as z.ZodType;
  }
  if (def.type === "pipe")
    return (defOf(def.out as z.ZodType).type === "enum" ? def.out : def.in) as z.ZodType;
  if (def.type === "union") {
    const options = (def.options as z.ZodType[]).filter((o) => !isSentinel(o));
    return options.length === 1 ? options[0] : undefined;
  }
  return undefined;
}

function isSentinel(schema: z.ZodType): boolean {
  const def = defOf(schema);
  return def.type === "literal" && (def.values as unknown[]).includes(UNKNOWN);
}

function upper(name: string): string {
  return `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
}

/** Builds the types of one API while its resources' properties are written. */
class TypeWriter {
  constructor(
    private readonly api: Api,
    readonly types: Record<string, TypeSpec>,
  ) {}

  /** The property spec of `schema`, a field named `name` (object and enum types are named after it). */
  property(name: string, schema: z.ZodType, secrets: readonly string[] = []): PropertySpec {
    const spec = this.typeOf(name, schema);
    const description = descriptionOf(schema);
    const fallback = defaultOf(schema);
    return {
      ...spec,
      ...(description === undefined ? {} : { description }),
      ...(fallback === undefined ? {} : { default: fallback }),
      ...(secrets.includes(name) ? { secret: true } : {}),
    };
  }

  private typeOf(name: string, schema: z.ZodType): PropertySpec {
    const def = defOf(schema);
    if (def.type === "union") {
      const options = (def.options as z.ZodType[]).filter((o) => !isSentinel(o));
      if (options.length === 1 && options[0] !== undefined) return this.typeOf(name, options[0]);
      const specs = options.map((o) => this.typeOf(name, o));
      const kinds = new Set(specs.map((s) => JSON.stringify(s)));
      return kinds.size === 1 && specs[0] !== undefined ? specs[0] : { oneOf: specs };
    }
    const wrapped = inner(schema);
    if (wrapped !== undefined) return this.typeOf(name, wrapped);
    if (def.type === "object") return { $ref: this.objectType(name, def) };
    if (def.type === "enum") return { $ref: this.enumType(name, def) };
    if (def.type === "string" || def.type === "boolean") return { type: def.type };
    if (def.type === "number") {
      const json = z.toJSONSchema(schema, { unrepresentable: "any" }) as { type?: string };
      return { type: json.type === "integer" ? "integer" : "number" };
    }
    throw new Error(`${this.api} field ${name}: no schema type for a zod ${def.type}`);
  }

  private register(token: string, spec: TypeSpec): string {
    const known = this.types[token];
    if (
      known !== undefined &&
      JSON.stringify(Object.keys(known.properties ?? known.enum ?? {})) !==
        JSON.stringify(Object.keys(spec.properties ?? spec.enum ?? {}))
    ) {
      throw new Error(`${token} is declared twice with different members`);
    }
    this.types[token] ??= spec;
    return `#/types/${token}`;
  }

  private objectType(name: string, def: Def): string {
    const token = `${PACKAGE}:${this.api}:${upper(name)}`;
    if (this.types[token] !== undefined) return `#/types/${token}`;
    const shape = def.shape as Record<string, z.ZodType>;
    const properties: Record<string, PropertySpec> = {};
    const required: string[] = [];
    for (const [key, field] of Object.entries(shape)) {
      properties[key] = this.property(key, field);
      if (!isOptional(field, "input")) required.push(key);
    }
    // The API's credential is secret wherever it is, inside a connection too.
    const credential = PLUGIN_SETTINGS.find(
      (s) => s.spec.configKey.startsWith(`${this.api}:`) && s.spec.required,
    );
    const field = credential?.spec.field;
    if (field !== undefined && properties[field] !== undefined)
      properties[field] = { ...properties[field], secret: true };
    return this.register(token, { type: "object", properties, ...(required.length > 0 ? { required } : {}) });
  }

  private enumType(name: string, def: Def): string {
    const token = `${PACKAGE}:${this.api}:${upper(name)}`;
    const values = Object.values(def.entries as Record<string, string>).map((value) => ({ value }));
    return this.register(token, { type: "string", enum: values });
  }
}

/** The default of a field (`.default(v)`), if any. */
function defaultOf(schema: z.ZodType): string | number | boolean | undefined {
  for (let s: z.ZodType | undefined = schema, depth = 0; s !== undefined && depth < 20; depth++) {
    const def = defOf(s);
    if (def.type === "default") {
      const value =
        typeof def.defaultValue === "function" ? (def.defaultValue as () => unknown)() : def.defaultValue;
      return typeof value === "string" || typeof value === "number" || typeof value === "boolean"
        ? value
        : undefined;
    }
    s = inner(s);
  }
  return undefined;
}

/** Whether a field may be absent: as an argument (`input`: optional or defaulted) or in outputs (`output`). */
export function isOptional(schema: z.ZodType, side: "input" | "output"): boolean {
  const zod = (schema as unknown as { _zod: { optin?: string; optout?: string } })._zod;
  // An argument with a default may be left out (`optin` is "defaulted"); an output never is.
  return side === "input" ? zod.optin !== undefined : zod.optout === "optional";
}

/** The fields of an object schema (through the wrappers a definition may add). */
export function fieldsOf(schema: z.ZodType): Record<string, z.ZodType> {
  for (let s: z.ZodType | undefined = schema, depth = 0; s !== undefined && depth < 20; depth++) {
    const def = defOf(s);
    if (def.type === "object") return def.shape as Record<string, z.ZodType>;
    s = inner(s);
  }
  throw new Error("not an object schema");
}

/**
 * Whether changing `field` always replaces an existing object: its rule in the definition is "replace". A rule
 * that decides from the state (GenericSecret's value: recorded in place after an import, otherwise replaced) is
 * not marked: SDKs generated from the schema would force a replacement where the provider's Diff says update.
 */
export function replacesOnChange(resource: PluginResource, field: string): boolean {
  const rule = resource.definition.changes[field];
  return rule === "replace" || (typeof rule === "object" && rule.change === "replace");
}

function resourceSpec(resource: PluginResource, writer: TypeWriter): ResourceSpec {
  const { definition, secrets } = resource;
  const inputs = fieldsOf(definition.inputs);
  if (definition.outputs === undefined) throw new Error(`${definition.type} declares no outputs schema`);
  const outputs = fieldsOf(definition.outputs);
  const inputProperties: Record<string, PropertySpec> = {};
  const requiredInputs: string[] = [];
  for (const [name, field] of Object.entries(inputs)) {
    const spec = writer.property(name, field, secrets);
    inputProperties[name] = replacesOnChange(resource, name) ? { ...spec, replaceOnChanges: true } : spec;
    if (!isOptional(field, "input")) requiredInputs.push(name);
  }
  const properties: Record<string, PropertySpec> = {};
  const required: string[] = [];
  for (const [name, field] of Object.entries(outputs)) {
    // An output that is also an argument has the argument's type (one object type per connection).
    const {
      default: _none,
      replaceOnChanges: _replace,
      ...spec
    } = inputs[name] !== undefined
      ? writer.property(name, inputs[name], secrets)
      : writer.property(name, field, secrets);
    const description = descriptionOf(field);
    properties[name] = description === undefined ? spec : { ...spec, description };
    if (!isOptional(field, "output")) required.push(name);
  }
  return {
    description: descriptionOfResource(resource),
    inputProperties,
    requiredInputs,
    properties,
    required,
  };
}

const API_NAMES: Record<Api, string> = {
  tensordock: "TensorDock",
  walletcrew: "The Wallet Crew",
  netactuate: "NetActuate",
};

function descriptionOfResource(resource: PluginResource): string {
  const secret = resource.secrets.length > 0 ? ` Always secret: ${resource.secrets.join(", ")}.` : "";
  return (
    `${resource.name} (${API_NAMES[resource.api]}): the ${resource.api}.${resource.name} resource of ` +
    `pulumi-secretstack, served by the same provider.${secret}`
  );
}

/** The description of one provider config key, from its setting. */
function settingDescription(key: string): PropertySpec {
  const found = PLUGIN_SETTINGS.find((s) => s.key === key);
  if (found === undefined) throw new Error(`no setting ${key}`);
  const { spec } = found;
  const api = spec.configKey.split(":")[0] ?? "";
  const label =
    api in API_NAMES ? `${API_NAMES[api as Api]} ${spec.label}` : `${upper(spec.label)}, shared by every API`;
  const overridden = spec.field === undefined ? "" : ` A resource's connection.${spec.field} overrides it.`;
  const choices = spec.choices === undefined ? "" : ` One of ${spec.choices.join(", ")}.`;
  const fallback = spec.default === undefined ? "" : ` Default: ${spec.default}.`;
  const secret = spec.kind === "secret" || spec.kind === "redis";
  return {
    type: "string",
    description:
      `${label}.${choices}${overridden} Unset: the ${spec.envVar} environment variable` +
      `${spec.default === undefined ? "" : ", then the default"}.${fallback}`,
    ...(secret ? { secret: true } : {}),
  };
}

/** The package schema of the provider, for `version`. */
export function packageSchema(version: string): PackageSchema {
  const types: Record<string, TypeSpec> = {};
  const resources: Record<string, ResourceSpec> = {};
  for (const resource of RESOURCES) {
    resources[resource.token] = resourceSpec(resource, new TypeWriter(resource.api, types));
  }
  const variables = Object.fromEntries(PLUGIN_SETTINGS.map(({ key }) => [key, settingDescription(key)]));
  return {
    name: PACKAGE,
    displayName: "secretstack",
    version,
    description: "Secrets in TensorDock, The Wallet Crew and NetActuate, as Pulumi resources.",
    keywords: ["pulumi", "secrets", "tensordock", "the-wallet-crew", "netactuate", "category/utility"],
    homepage: "https://github.com/secretstack/pulumi-secretstack#readme",
    license: "Apache-2.0",
    repository: "https://github.com/secretstack/pulumi-secretstack",
    publisher: "secretstack",
    meta: { moduleFormat: "(.*)" },
    config: { variables },
    provider: {
      description:
        "The secretstack provider: its configuration is each API's stack config under secretstack.",
      inputProperties: variables,
    },
    types,
    resources,
  };
}
