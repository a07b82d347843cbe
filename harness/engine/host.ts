/**
 * The client side of the real `@pulumi/pulumi` dynamic-provider host: the same process, the same gRPC
 * service and the same generated stubs the Pulumi engine uses, so every provider method runs exactly as it
 * would under `pulumi up`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import * as path from "node:path";
import type * as grpcTypes from "@grpc/grpc-js";
import type * as provrpcTypes from "@pulumi/pulumi/proto/provider_grpc_pb";
import type * as provpbTypes from "@pulumi/pulumi/proto/provider_pb";
import type * as structTypes from "google-protobuf/google/protobuf/struct_pb";
import type { Props } from "./protocol";
import type { CheckResult, DiffResult, ReadResult, ResourceProvider } from "./provider";

/** The provider RPCs the engine makes, as they are counted in {@link ProviderHost.rpcCounts}. */
export type RpcMethod = "Configure" | "Check" | "Diff" | "Create" | "Read" | "Update" | "Delete";

/** Every {@link RpcMethod}, in the order the engine usually calls them. */
export const RPC_METHODS: readonly RpcMethod[] = [
  "Configure",
  "Check",
  "Diff",
  "Create",
  "Read",
  "Update",
  "Delete",
];

/** Options of {@link ProviderHost.start}. */
export interface ProviderHostOptions {
  /** The program directory: the host resolves `@pulumi/pulumi` from here and runs with it as cwd. */
  cwd: string;
  /** The host's whole environment. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Receives each line the host writes to stdout (after the port) and stderr. */
  log?: (line: string) => void;
}

/** An error returned by a provider method through the host: its message is the gRPC details, nothing else. */
export class ProviderError extends Error {
  override readonly name = "ProviderError";
  constructor(
    message: string,
    /** The RPC that failed. */
    readonly method: RpcMethod,
    /** The gRPC status code. */
    readonly code: number,
  ) {
    super(message);
  }
}

interface Stubs {
  grpc: typeof grpcTypes;
  rpc: typeof provrpcTypes;
  pb: typeof provpbTypes;
  Struct: typeof structTypes.Struct;
  scriptPath: string;
}

/** Loads the host script path and the stubs through one resolution, so the classes match the host's own. */
function loadStubs(cwd: string): Stubs {
  const fromProgram = createRequire(path.join(path.resolve(cwd), "package.json"));
  const scriptPath = fromProgram.resolve("@pulumi/pulumi/cmd/dynamic-provider/index.js");
  const pulumiDir = path.dirname(fromProgram.resolve("@pulumi/pulumi/package.json"));
  const fromPulumi = createRequire(path.join(pulumiDir, "package.json"));
  return {
    grpc: fromPulumi("@grpc/grpc-js") as typeof grpcTypes,
    rpc: fromPulumi("./proto/provider_grpc_pb") as typeof provrpcTypes,
    pb: fromPulumi("./proto/provider_pb") as typeof provpbTypes,
    Struct: (fromPulumi("google-protobuf/google/protobuf/struct_pb") as typeof structTypes).Struct,
    scriptPath,
  };
}

/** Keeps the host's stderr for secret scans without letting a chatty host grow memory without bound. */
const STDERR_LIMIT = 8 * 1024 * 1024;

/** The real dynamic-provider host process and a gRPC client to it. */
export class ProviderHost implements ResourceProvider {
  /** Calls made per method, for benchmarks and tests. */
  readonly rpcCounts: Record<RpcMethod, number> = {
    Configure: 0,
    Check: 0,
    Diff: 0,
    Create: 0,
    Read: 0,
    Update: 0,
    Delete: 0,
  };
  private stderrChunks: string[] = [];
  private stderrSize = 0;
  private exitDescription: string | undefined;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly stubs: Stubs,
    private readonly child: ChildProcess,
    private readonly client: provrpcTypes.ResourceProviderClient,
    exited: Promise<void>,
  ) {
    this.exited = exited;
  }

  /** Spawns the host from the program directory, reads its port and connects. Rejects if the host dies first. */
  static async start(o: ProviderHostOptions): Promise<ProviderHost> {
    const stubs = loadStubs(o.cwd);
    // The host never dials the engine address; it only requires that one is given.
    const child = spawn(process.execPath, [stubs.scriptPath, "127.0.0.1:0"], {
      cwd: o.cwd,
      env: o.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let host: ProviderHost | undefined;
    const early: string[] = [];
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      if (host) host.recordStderr(chunk);
      else early.push(chunk);
      if (o.log) for (const line of chunk.split("\n")) if (line.trim()) o.log(line);
    });
    let exitInfo = "";
    const exited = new Promise<void>((resolve) => {
      child.once("exit", (code, signal) => {
        exitInfo = signal ? `signal ${signal}` : `exit code ${code ?? "?"}`;
        if (host) host.exitDescription = exitInfo;
        resolve();
      });
    });
    const port = await new Promise<number>((resolve, reject) => {
      let buffered = "";
      child.stdout?.setEncoding("utf8");
      const onData = (chunk: string) => {
        buffered += chunk;
        const newline = buffered.indexOf("\n");
        if (newline < 0) return;
        child.stdout?.off("data", onData);
        const first = buffered.slice(0, newline).trim();
        const rest = buffered.slice(newline + 1);
        if (o.log && rest.trim()) o.log(rest.trim());
        if (o.log) child.stdout?.on("data", (more: string) => o.log?.(more.trimEnd()));
        else child.stdout?.resume();
        const value = Number.parseInt(first, 10);
        if (Number.isInteger(value) && value > 0) resolve(value);
        else reject(new Error(`the provider host printed "${first.slice(0, 80)}" instead of its port`));
      };
      child.stdout?.on("data", onData);
      child.once("error", (error) =>
        reject(new Error(`could not start the provider host: ${error.message}`)),
      );
      void exited.then(() =>
        reject(
          new Error(
            `the provider host exited (${exitInfo}) before listening: ${early.join("").trim().slice(-2000)}`,
          ),
        ),
      );
    });
    const client = new stubs.rpc.ResourceProviderClient(
      `127.0.0.1:${port}`,
      stubs.grpc.credentials.createInsecure(),
      {
        "grpc.max_receive_message_length": 400 * 1024 * 1024,
        "grpc.max_send_message_length": 400 * 1024 * 1024,
        // Every call is sent once (the engine retries nothing either) and nothing reads channelz: both only
        // add per-call work, which a refresh of thousands of resources pays thousands of times.
        "grpc.enable_retries": 0,
        "grpc.enable_channelz": 0,
      },
    );
    host = new ProviderHost(stubs, child, client, exited);
    for (const chunk of early) host.recordStderr(chunk);
    if (exitInfo) host.exitDescription = exitInfo;
    return host;
  }

  /** The host's process id. */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Everything the host wrote to stderr so far (its own logs, and stacks of failed provider calls). */
  get stderr(): string {
    return this.stderrChunks.join("");
  }

  /** Sends the stack config (e.g. `tensordock:apiToken`) once, before any resource call. */
  async configure(config: Record<string, string>): Promise<void> {
    const req = new this.stubs.pb.ConfigureRequest();
    req.setArgs(this.struct(config));
    req.setAcceptsecrets(false);
    req.setAcceptresources(false);
    const vars = req.getVariablesMap();
    for (const [key, value] of Object.entries(config)) vars.set(key, value);
    await this.unary("Configure", "configure", req);
  }

  /** `Check(olds, news)`: the provider validates and normalizes the new inputs. */
  async check(urn: string, olds: Props, news: Props): Promise<CheckResult> {
    const req = new this.stubs.pb.CheckRequest();
    req.setUrn(urn);
    req.setOlds(this.struct(olds));
    req.setNews(this.struct(news));
    const res = await this.unary<provpbTypes.CheckResponse>("Check", "check", req);
    return {
      inputs: this.props(res.getInputs()),
      failures: res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  /** `Diff(id, old outputs, new inputs)`. */
  async diff(id: string, urn: string, olds: Props, news: Props, oldInputs?: Props): Promise<DiffResult> {
    const req = new this.stubs.pb.DiffRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setOlds(this.struct(olds));
    req.setNews(this.struct(news));
    if (oldInputs) req.setOldInputs(this.struct(oldInputs));
    const res = await this.unary<provpbTypes.DiffResponse>("Diff", "diff", req);
    const kinds = this.stubs.pb.DiffResponse.DiffChanges;
    const changes = res.getChanges();
    return {
      changes: changes === kinds.DIFF_SOME ? "some" : changes === kinds.DIFF_NONE ? "none" : "unknown",
      replaces: res.getReplacesList(),
      deleteBeforeReplace: res.getDeletebeforereplace(),
    };
  }

  /** `Create(checked inputs)` → the new id and outputs. */
  async create(urn: string, props: Props): Promise<ReadResult> {
    const req = new this.stubs.pb.CreateRequest();
    req.setUrn(urn);
    req.setProperties(this.struct(props));
    const res = await this.unary<provpbTypes.CreateResponse>("Create", "create", req);
    return { id: res.getId(), properties: this.props(res.getProperties()) };
  }

  /** `Read(id, old outputs, old inputs)`; an empty id in the result means the object no longer exists. */
  async read(id: string, urn: string, props: Props, inputs?: Props): Promise<ReadResult> {
    const req = new this.stubs.pb.ReadRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setProperties(this.struct(props));
    if (inputs) req.setInputs(this.struct(inputs));
    const res = await this.unary<provpbTypes.ReadResponse>("Read", "read", req);
    const result: ReadResult = { id: res.getId(), properties: this.props(res.getProperties()) };
    const returnedInputs = res.getInputs();
    if (returnedInputs) result.inputs = this.props(returnedInputs);
    return result;
  }

  /** `Update(id, old outputs, new inputs)` → the new outputs. */
  async update(id: string, urn: string, olds: Props, news: Props, oldInputs?: Props): Promise<Props> {
    const req = new this.stubs.pb.UpdateRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setOlds(this.struct(olds));
    req.setNews(this.struct(news));
    if (oldInputs) req.setOldInputs(this.struct(oldInputs));
    const res = await this.unary<provpbTypes.UpdateResponse>("Update", "update", req);
    return this.props(res.getProperties());
  }

  /** `Delete(id, old outputs)`. */
  async delete(id: string, urn: string, props: Props, oldInputs?: Props): Promise<void> {
    const req = new this.stubs.pb.DeleteRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setProperties(this.struct(props));
    if (oldInputs) req.setOldInputs(this.struct(oldInputs));
    await this.unary("Delete", "delete", req);
  }

  /** Kills the host at once (tests of crashes, and the last resort of {@link close}). */
  kill(signal: NodeJS.Signals = "SIGKILL"): void {
    if (this.exitDescription === undefined) this.child.kill(signal);
  }

  /** Closes the channel and stops the host, waiting for it to exit (SIGTERM, then SIGKILL after 5 s). */
  async close(): Promise<void> {
    this.client.close();
    if (this.exitDescription !== undefined) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.kill("SIGKILL"), 5_000);
    await this.exited;
    clearTimeout(timer);
  }

  private recordStderr(chunk: string): void {
    if (this.stderrSize >= STDERR_LIMIT) return;
    this.stderrChunks.push(chunk);
    this.stderrSize += chunk.length;
  }

  private struct(value: Props): structTypes.Struct {
    // A JSON round trip drops `undefined` (which Struct refuses) exactly as the SDK's serialization does.
    return this.stubs.Struct.fromJavaScript(
      JSON.parse(JSON.stringify(value)) as Record<string, structTypes.JavaScriptValue>,
    );
  }

  private props(value: structTypes.Struct | undefined): Props {
    return value ? (value.toJavaScript() as Props) : {};
  }

  private unary<T>(
    method: RpcMethod,
    fn: keyof provrpcTypes.ResourceProviderClient,
    req: unknown,
  ): Promise<T> {
    this.rpcCounts[method] += 1;
    const call = this.client[fn] as unknown as (
      request: unknown,
      callback: (error: grpcTypes.ServiceError | null, response: T) => void,
    ) => void;
    return new Promise<T>((resolve, reject) => {
      call.call(this.client, req, (error, response) => {
        if (!error) return resolve(response);
        this.failure(method, error).then(reject, reject);
      });
    });
  }

  private async failure(method: RpcMethod, error: grpcTypes.ServiceError): Promise<ProviderError> {
    const status = this.stubs.grpc.status;
    const transport = error.code === status.UNAVAILABLE || error.code === status.CANCELLED;
    if (transport) {
      // The broken connection is often seen before the exit event: give the exit a moment to arrive.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.exited, new Promise((resolve) => (timer = setTimeout(resolve, 2_000)))]);
      clearTimeout(timer);
    }
    if (transport && this.exitDescription !== undefined) {
      return new ProviderError(
        `the provider host exited (${this.exitDescription}) during ${method}`,
        method,
        error.code,
      );
    }
    // `details` is what the host put in the status: the provider's own error message, and nothing of the request.
    return new ProviderError(
      error.details || `${method} failed (gRPC status ${error.code})`,
      method,
      error.code,
    );
  }
}
