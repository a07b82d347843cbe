/**
 * Serves the provider with `@pulumi/pulumi/provider`'s `main()`: it binds the gRPC server, prints the port for
 * the engine and runs check, create, read, update and delete through the provider object. Four calls its
 * server does not serve as a provider of ours needs are answered here, on the same gRPC service:
 *
 * - `Configure`: its server drops the configuration; ours records it for the kit's settings (and, like it,
 *   accepts secrets, so secret inputs arrive wrapped and secret outputs are written encrypted);
 * - `CheckConfig`: unknown `secretstack:` keys fail, naming the closest one (its server answers UNIMPLEMENTED);
 * - `DiffConfig`: a new setting is an update of the provider, never a replacement that would replace every
 *   resource through it (which the engine's fallback for UNIMPLEMENTED may decide);
 * - `Diff`: with the detailed diff (replace or update per property), which its server has no field for.
 *
 * The answers are added where `main()` registers its service: `addService` of the gRPC copy that
 * `@pulumi/pulumi` loads sees our handlers first; every other method stays the server's own.
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import type * as grpcTypes from "@grpc/grpc-js";
import type * as provrpcTypes from "@pulumi/pulumi/proto/provider_grpc_pb";
import type * as provpbTypes from "@pulumi/pulumi/proto/provider_pb";
import { main } from "@pulumi/pulumi/provider";
import type * as structTypes from "google-protobuf/google/protobuf/struct_pb";
import type { Props } from "../kit/resource";
import { type PropertyChange, SecretstackProvider } from "./provider";
import { packageSchema } from "./schema";
import { reveal } from "./secrets";

interface Stubs {
  grpc: typeof grpcTypes;
  rpc: typeof provrpcTypes;
  pb: typeof provpbTypes;
}

/** The gRPC library and stubs exactly as `@pulumi/pulumi`'s server loads them (one copy of each class). */
function loadStubs(): Stubs {
  const fromPulumi = createRequire(require.resolve("@pulumi/pulumi/package.json"));
  return {
    grpc: fromPulumi("@grpc/grpc-js") as typeof grpcTypes,
    rpc: fromPulumi("./proto/provider_grpc_pb") as typeof provrpcTypes,
    pb: fromPulumi("./proto/provider_pb") as typeof provpbTypes,
  };
}

/** The package's own package.json (the plugin's version), found from this file in the source or the build. */
function packageVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (fs.existsSync(file)) {
      const json = JSON.parse(fs.readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (json.name === "pulumi-secretstack" && json.version !== undefined) return json.version;
    }
    if (path.dirname(dir) === dir) throw new Error("pulumi-secretstack's package.json was not found");
  }
}

/** The schema the build wrote beside this file, or (running from the sources) the same, made now. */
async function schemaText(version: string): Promise<string> {
  const built = path.join(__dirname, "schema.json");
  if (fs.existsSync(built)) return fs.promises.readFile(built, "utf8");
  return JSON.stringify(packageSchema(version));
}

type Unary<Req, Res> = (
  call: grpcTypes.ServerUnaryCall<Req, Res>,
  callback: grpcTypes.sendUnaryData<Res>,
) => void;

function props(struct: structTypes.Struct | undefined): Props {
  return (struct?.toJavaScript() ?? {}) as Props;
}

/** The handlers this plugin adds to the server's own. */
function handlers(provider: SecretstackProvider, { grpc, pb }: Stubs) {
  /** A failure as gRPC sends it: the message alone (no message of the kit holds a value). */
  const failed = (error: unknown): Partial<grpcTypes.StatusObject> => ({
    code: grpc.status.UNKNOWN,
    details: error instanceof Error ? error.message : String(error),
  });
  const Kind = pb.PropertyDiff.Kind;
  const kinds: Record<PropertyChange, provpbTypes.PropertyDiff.Kind> = {
    add: Kind.ADD,
    "add-replace": Kind.ADD_REPLACE,
    delete: Kind.DELETE,
    "delete-replace": Kind.DELETE_REPLACE,
    update: Kind.UPDATE,
    "update-replace": Kind.UPDATE_REPLACE,
  };

  const configure: Unary<provpbTypes.ConfigureRequest, provpbTypes.ConfigureResponse> = (call, callback) => {
    const settings = new Map<string, string>();
    call.request.getVariablesMap().forEach((value, key) => settings.set(key, value));
    // The inputs of the provider, when the engine sends them, say the same by key (secrets wrapped).
    for (const [key, value] of Object.entries(reveal(props(call.request.getArgs())) as Props)) {
      if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
        settings.set(key, String(value));
    }
    provider.configure(settings).then(
      () => {
        const response = new pb.ConfigureResponse();
        response.setAcceptsecrets(true);
        response.setSupportspreview(false);
        response.setAcceptresources(false);
        response.setAcceptoutputs(false);
        callback(null, response);
      },
      (error: unknown) => callback(failed(error)),
    );
  };

  const checkConfig: Unary<provpbTypes.CheckRequest, provpbTypes.CheckResponse> = (call, callback) => {
    try {
      const news = call.request.getNews();
      const { failures } = provider.checkConfig(props(news));
      const response = new pb.CheckResponse();
      // The inputs go back as they came, secrets still wrapped.
      if (news !== undefined) response.setInputs(news);
      response.setFailuresList(
        failures.map((f) => {
          const failure = new pb.CheckFailure();
          failure.setProperty(f.property);
          failure.setReason(f.reason);
          return failure;
        }),
      );
      callback(null, response);
    } catch (error) {
      callback(failed(error));
    }
  };

  const diffConfig: Unary<provpbTypes.DiffRequest, provpbTypes.DiffResponse> = (call, callback) => {
    try {
      const { changes, diffs } = provider.diffConfig(
        props(call.request.getOldInputs() ?? call.request.getOlds()),
        props(call.request.getNews()),
      );
      const response = new pb.DiffResponse();
      response.setChanges(
        changes ? pb.DiffResponse.DiffChanges.DIFF_SOME : pb.DiffResponse.DiffChanges.DIFF_NONE,
      );
      response.setDiffsList(diffs);
      callback(null, response);
    } catch (error) {
      callback(failed(error));
    }
  };

  const diff: Unary<provpbTypes.DiffRequest, provpbTypes.DiffResponse> = (call, callback) => {
    const req = call.request;
    provider.diff(req.getId(), req.getUrn(), props(req.getOlds()), props(req.getNews())).then(
      (result) => {
        const response = new pb.DiffResponse();
        response.setChanges(
          result.changes ? pb.DiffResponse.DiffChanges.DIFF_SOME : pb.DiffResponse.DiffChanges.DIFF_NONE,
        );
        response.setReplacesList(result.replaces);
        response.setDeletebeforereplace(result.deleteBeforeReplace);
        response.setDiffsList(Object.keys(result.detailedDiff));
        response.setHasdetaileddiff(true);
        const detailed = response.getDetaileddiffMap();
        for (const [key, change] of Object.entries(result.detailedDiff)) {
          const property = new pb.PropertyDiff();
          property.setKind(kinds[change]);
          property.setInputdiff(false);
          detailed.set(key, property);
        }
        callback(null, response);
      },
      (error: unknown) => callback(failed(error)),
    );
  };

  return { configure, checkConfig, diffConfig, diff };
}

/**
 * Starts the plugin: `main()` with our provider, its service completed by {@link handlers}. Resolves once the
 * port is printed; the process then serves until the engine stops it.
 */
export async function serve(args: string[]): Promise<void> {
  const stubs = loadStubs();
  const version = packageVersion();
  const provider = new SecretstackProvider(version, () => schemaText(version));
  const ours = handlers(provider, stubs);
  const prototype = stubs.grpc.Server.prototype;
  const addService = prototype.addService;
  let completed = false;
  prototype.addService = function (service, implementation) {
    if (service !== stubs.rpc.ResourceProviderService) return addService.call(this, service, implementation);
    completed = true;
    // The server's own methods keep running with the server as `this`; ours come first.
    return addService.call(this, service, Object.assign(Object.create(implementation) as object, ours));
  };
  let serving: Promise<void>;
  try {
    // main() registers its service before its first await, so the hook is needed only during this call.
    serving = main(provider, args);
  } finally {
    prototype.addService = addService;
  }
  if (!completed) throw new Error("the provider server of @pulumi/pulumi did not register its gRPC service");
  await serving;
}
