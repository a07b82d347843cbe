/**
 * The program runner: a child process forked by the engine. It loads `@pulumi/pulumi` from the program's
 * directory, installs a resource monitor in place of the Pulumi engine's (the SDK's mock hook, fed the raw
 * RegisterResource requests so secrets and resource options survive), runs the program inside a stack, and
 * asks the engine over IPC for the id and outputs of every dynamic resource before handing them back to the
 * program, so one resource's outputs can feed another's inputs.
 *
 * It runs either compiled (.build/harness/engine/programRunner.js) or as TypeScript source through Node's type
 * stripping, so it imports only Node built-ins and the types of the engine's other files; the SDK it uses,
 * wire markers included, is the program's own.
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type * as resprotoTypes from "@pulumi/pulumi/proto/resource_pb";
import type * as structTypes from "google-protobuf/google/protobuf/struct_pb";
import type { EngineReply, Props, RunnerMessage, RunnerOptions } from "./protocol";

// Not exported by the SDK: the type prefix `pulumi.dynamic.Resource` gives every dynamic resource.
const DYNAMIC_PREFIX = "pulumi-nodejs:dynamic";

type Callback = (error: Error | null, response?: unknown) => void;

interface Sdk {
  runtime: {
    /** The wire markers, taken from the program's own copy of the SDK rather than copied here. */
    specialSigKey: string;
    specialSecretSig: string;
    rootPulumiStackTypeName: string;
    setMockOptions(monitor: unknown, project: string, stack: string, preview: boolean): void;
    runInPulumiStack(init: () => Promise<unknown>): Promise<unknown>;
    waitForRPCs(): Promise<void>;
  };
}

/** Secret markers on the wire, as the program's SDK writes and reads them. */
function secretWire(runtime: Sdk["runtime"]) {
  const { specialSigKey: sigKey, specialSecretSig: secretSig } = runtime;
  /** Splits secret markers off a value: the plain value, and whether any part of it was secret. */
  const unwrap = (value: unknown): { value: unknown; secret: boolean } => {
    if (Array.isArray(value)) {
      const items = value.map(unwrap);
      return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
    }
    if (value !== null && typeof value === "object") {
      const record = value as Record<string, unknown>;
      if (record[sigKey] === secretSig) return { value: unwrap(record.value).value, secret: true };
      const entries = Object.entries(record).map(([k, v]) => [k, unwrap(v)] as const);
      const plain = Object.fromEntries(entries.map(([k, inner]) => [k, inner.value]));
      return { value: plain, secret: entries.some(([, inner]) => inner.secret) };
    }
    return { value, secret: false };
  };
  return {
    /** Unwraps a property bag, recording which top-level keys held a secret. */
    unwrapProps(props: Props): { props: Props; secretKeys: string[] } {
      const entries = Object.entries(props).map(([k, v]) => [k, unwrap(v)] as const);
      return {
        props: Object.fromEntries(entries.map(([k, inner]) => [k, inner.value])),
        secretKeys: entries.filter(([, inner]) => inner.secret).map(([k]) => k),
      };
    },
    /** Marks the values of `secretKeys` secret again, for the program. */
    wrapProps: (props: Props, secretKeys: readonly string[]): Props =>
      Object.fromEntries(
        Object.entries(props).map(([k, v]) => [
          k,
          secretKeys.includes(k) ? { [sigKey]: secretSig, value: v } : v,
        ]),
      ),
  };
}

function send(message: RunnerMessage, then?: () => void): void {
  process.send?.(message, undefined, {}, then);
}

/** The program entry: package.json `main`, else index.ts, else index.js (as Pulumi resolves a directory). */
function entryOf(programDir: string): string {
  let main: unknown;
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(programDir, "package.json"), "utf8")) as {
      main?: unknown;
    };
    main = pkg.main;
  } catch {
    // No package.json: the conventional names.
  }
  const names = [...(typeof main === "string" ? [main] : []), "index.ts", "index.js"];
  const found = names.map((name) => path.join(programDir, name)).find((file) => fs.existsSync(file));
  if (found) return found;
  throw new Error(
    `no program found in ${programDir} (expected index.ts or index.js, or package.json "main")`,
  );
}

// tsc turns `import()` into `require()` under CommonJS; this keeps a real dynamic import for ES modules.
const dynamicImport = new Function("specifier", "return import(specifier)") as (
  specifier: string,
) => Promise<unknown>;

async function loadProgram(entry: string, programRequire: NodeJS.Require): Promise<unknown> {
  let exported: unknown;
  try {
    exported = programRequire(entry);
  } catch (error) {
    // An ES module with top-level await cannot be required; import it instead.
    if ((error as NodeJS.ErrnoException).code !== "ERR_REQUIRE_ASYNC_MODULE") throw error;
    exported = await dynamicImport(pathToFileURL(entry).href);
  }
  if (Object.prototype.toString.call(exported) === "[object Module]") {
    const namespace = exported as Record<string, unknown>;
    const keys = Object.keys(namespace).filter((k) => k !== "__esModule" && k !== "module.exports");
    exported =
      keys.length === 1 && keys[0] === "default"
        ? namespace.default
        : Object.fromEntries(keys.map((k) => [k, namespace[k]]));
  }
  // Like Pulumi, an exported function is the program: run it and use what it returns as the outputs.
  if (typeof exported === "function") exported = await (exported as () => unknown)();
  return exported;
}

/** Describes a program failure: the message, and the first stack frame inside the program when there is one. */
function describe(error: unknown, programDir: string): string {
  if (!(error instanceof Error)) return String(error);
  const frame = (error.stack ?? "")
    .split("\n")
    .find(
      (line) =>
        line.trimStart().startsWith("at ") &&
        line.includes(programDir) &&
        !line.includes(`${path.sep}node_modules${path.sep}`),
    );
  return frame ? `${error.message}\n  ${frame.trim()}` : error.message;
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? "{}") as RunnerOptions;
  const programDir = path.resolve(options.programDir);
  const programRequire = createRequire(path.join(programDir, "package.json"));
  const pulumiDir = path.dirname(programRequire.resolve("@pulumi/pulumi/package.json"));
  const pulumiRequire = createRequire(path.join(pulumiDir, "package.json"));
  const pulumi = programRequire("@pulumi/pulumi") as Sdk;
  const { unwrapProps, wrapProps } = secretWire(pulumi.runtime);
  const ROOT_STACK_TYPE = pulumi.runtime.rootPulumiStackTypeName;
  const resproto = pulumiRequire("./proto/resource_pb") as typeof resprotoTypes;
  const { Struct } = pulumiRequire("google-protobuf/google/protobuf/struct_pb") as typeof structTypes;
  const { Empty } = pulumiRequire("google-protobuf/google/protobuf/empty_pb") as {
    Empty: new () => unknown;
  };

  const errors: string[] = [];
  const seen = new Set<unknown>();
  // Failures the engine reported for an operation come back to us as rejections; they are the engine's to
  // report, so only the rest (the program's own exceptions) are program errors.
  const engineFailures = new Set<string>();
  const record = (error: unknown): void => {
    if (seen.has(error)) return;
    seen.add(error);
    const message = error instanceof Error ? error.message : String(error);
    for (const failure of engineFailures) if (message.includes(failure)) return;
    const described = describe(error, programDir);
    if (!errors.includes(described)) errors.push(described);
  };
  process.on("uncaughtException", record);
  process.on("unhandledRejection", record);

  let seq = 0;
  const pending = new Map<number, (reply: EngineReply) => void>();
  process.on("message", (reply: EngineReply) => {
    const resolve = pending.get(reply.seq);
    pending.delete(reply.seq);
    resolve?.(reply);
  });
  const ask = (message: RunnerMessage & { seq: number }): Promise<EngineReply> =>
    new Promise((resolve) => {
      pending.set(message.seq, resolve);
      send(message);
    });

  const project = options.project;
  const stackName = options.stack;
  const urnOf = (parent: string, type: string, name: string): string => {
    const parentType = parent ? parent.split("::")[2] : undefined;
    const qualified = parentType && parentType !== ROOT_STACK_TYPE ? `${parentType}$${type}` : type;
    return `urn:pulumi:${stackName}::${project}::${qualified}::${name}`;
  };
  let stackUrn = "";

  const struct = (object: Props) =>
    Struct.fromJavaScript(object as Record<string, structTypes.JavaScriptValue>);
  const respond = (callback: Callback, urn: string, id: string, object: Props): void => {
    const response = new resproto.RegisterResourceResponse();
    response.setUrn(urn);
    response.setId(id);
    response.setObject(struct(object));
    callback(null, response);
  };
  /** Hands an operation the engine reported failed back to the program, as the rejection Pulumi gives. */
  const failed = (callback: Callback, message: string): void => {
    if (message) engineFailures.add(message);
    callback(new Error(message));
  };
  const settle = (callback: Callback, urn: string, reply: EngineReply): void =>
    reply.kind === "failed"
      ? failed(callback, reply.message)
      : respond(callback, urn, reply.id, wrapProps(reply.outputs, reply.secretKeys));

  const unsupported =
    (what: string) =>
    (_req: unknown, callback: Callback): void =>
      callback(new Error(`the secretstack engine does not support ${what}`));
  // The monitor the SDK talks to in place of the Pulumi engine's resource monitor.
  const monitor = {
    async registerResource(req: resprotoTypes.RegisterResourceRequest, callback: Callback): Promise<void> {
      try {
        const type = req.getType();
        const name = req.getName();
        const parent = req.getParent();
        const urn = urnOf(parent, type, name);
        const raw = (req.getObject()?.toJavaScript() ?? {}) as Props;
        if (type === ROOT_STACK_TYPE) stackUrn = urn;
        if (!req.getCustom() || !type.startsWith(DYNAMIC_PREFIX)) {
          // Components (and resources of other providers, which this engine does not run) echo their inputs.
          if (req.getCustom()) send({ kind: "ignored", type, name });
          respond(callback, urn, req.getCustom() && !options.preview ? name : "", raw);
          return;
        }
        const { props, secretKeys } = unwrapProps(raw);
        const importId = req.getImportid();
        seq += 1;
        const reply = await ask({
          kind: "register",
          seq,
          urn,
          type,
          name,
          ...(parent ? { parent } : {}),
          inputs: props,
          secretKeys,
          dependencies: req.getDependenciesList(),
          options: {
            protect: req.getProtect() === true,
            deleteBeforeReplace: req.getDeletebeforereplace(),
            retainOnDelete: req.getRetainondelete() === true,
            ignoreChanges: req.getIgnorechangesList(),
            replaceOnChanges: req.getReplaceonchangesList(),
            additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
            ...(importId ? { importId } : {}),
          },
        });
        settle(callback, urn, reply);
      } catch (error) {
        callback(error instanceof Error ? error : new Error(String(error)));
      }
    },
    async readResource(req: resprotoTypes.ReadResourceRequest, callback: Callback): Promise<void> {
      try {
        const type = req.getType();
        const name = req.getName();
        const urn = urnOf(req.getParent(), type, name);
        const raw = (req.getProperties()?.toJavaScript() ?? {}) as Props;
        const response = new resproto.ReadResourceResponse();
        response.setUrn(urn);
        if (!type.startsWith(DYNAMIC_PREFIX)) {
          send({ kind: "ignored", type, name });
          response.setProperties(struct(raw));
          callback(null, response);
          return;
        }
        const { props, secretKeys } = unwrapProps(raw);
        seq += 1;
        const reply = await ask({
          kind: "read",
          seq,
          urn,
          type,
          name,
          id: req.getId(),
          inputs: props,
          secretKeys,
        });
        if (reply.kind === "failed") return failed(callback, reply.message);
        response.setProperties(struct(wrapProps(reply.outputs, reply.secretKeys)));
        callback(null, response);
      } catch (error) {
        callback(error instanceof Error ? error : new Error(String(error)));
      }
    },
    registerResourceOutputs(req: resprotoTypes.RegisterResourceOutputsRequest, callback: Callback): void {
      if (req.getUrn() === stackUrn) {
        const { props, secretKeys } = unwrapProps((req.getOutputs()?.toJavaScript() ?? {}) as Props);
        send({ kind: "outputs", outputs: props, secretKeys });
      }
      callback(null, new Empty());
    },
    invoke(req: resprotoTypes.ResourceInvokeRequest, callback: Callback): void {
      callback(new Error(`the secretstack engine does not support invokes (${req.getTok()})`));
    },
    call: unsupported("method calls on components"),
    supportsFeature(req: resprotoTypes.SupportsFeatureRequest, callback: Callback): void {
      const supported = req.getId() === "secrets" || req.getId() === "aliasSpecs";
      callback(null, { getHassupport: () => supported });
    },
    getDeploymentInfo(_req: unknown, callback: Callback): void {
      // Secrets only: resource references and output values would hand dynamic inputs shapes that the
      // Pulumi engine itself flattens before they reach a dynamic provider.
      const info = new resproto.DeploymentInfo();
      const { RESOURCE_MONITOR_FEATURE_SECRETS: secrets, RESOURCE_MONITOR_FEATURE_ALIAS_SPECS: aliases } =
        resproto.ResourceMonitorFeature;
      info.setSupportedfeaturesList([secrets, aliases]);
      callback(null, info);
    },
    registerStackTransform: unsupported("stack transforms"),
    registerStackInvokeTransform: unsupported("invoke transforms"),
    registerPackage: unsupported("parameterized packages"),
    signalAndWaitForShutdown(_req: unknown, callback: Callback): void {
      callback(null, new Empty());
    },
    close(): void {},
  };

  pulumi.runtime.setMockOptions(monitor, project, stackName, options.preview);
  try {
    const entry = entryOf(programDir);
    await pulumi.runtime.runInPulumiStack(() => loadProgram(entry, programRequire));
  } catch (error) {
    record(error);
  }
  // Resources registered on later turns (and independent of a failure above) still complete.
  await pulumi.runtime.waitForRPCs().catch(record);
  // Rejections are reported on the next turns of the event loop: let them arrive before reporting.
  await new Promise((resolve) => setImmediate(resolve));
  // Exit once the engine has the report: timers a program left behind must not keep the run open.
  send({ kind: "done", errors }, () => process.exit(0));
}

main().catch((error: unknown) => {
  send({ kind: "done", errors: [error instanceof Error ? error.message : String(error)] }, () =>
    process.exit(0),
  );
});
