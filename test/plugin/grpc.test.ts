/**
 * The plugin as the engine drives it: the `pulumi-resource-secretstack` executable started as a process, its
 * port read from its first line of output, and every call the engine makes sent over gRPC with the generated
 * stubs (GetPluginInfo, GetSchema, CheckConfig, DiffConfig, Configure, Check, Diff, Create, Read, Update,
 * Delete), secrets wrapped as the engine wraps them and calls made concurrently, against a sandbox served from
 * this process.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import * as path from "node:path";
import type * as grpcTypes from "@grpc/grpc-js";
import type * as provrpcTypes from "@pulumi/pulumi/proto/provider_grpc_pb";
import type * as provpbTypes from "@pulumi/pulumi/proto/provider_pb";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import type * as emptyTypes from "google-protobuf/google/protobuf/empty_pb";
import type * as structTypes from "google-protobuf/google/protobuf/struct_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canary, findLeak } from "../support/leaks";
import { REPO_ROOT } from "../support/process";
import { EMPTY_SANDBOX, withSandbox } from "../support/sandbox";

const fromPulumi = createRequire(require.resolve("@pulumi/pulumi/package.json"));
const grpc = fromPulumi("@grpc/grpc-js") as typeof grpcTypes;
const rpc = fromPulumi("./proto/provider_grpc_pb") as typeof provrpcTypes;
const pb = fromPulumi("./proto/provider_pb") as typeof provpbTypes;
const { Struct } = fromPulumi("google-protobuf/google/protobuf/struct_pb") as typeof structTypes;
const { Empty } = fromPulumi("google-protobuf/google/protobuf/empty_pb") as typeof emptyTypes;

type Props = Record<string, unknown>;
const secret = (value: unknown) => ({ [specialSigKey]: specialSecretSig, value });
const isSecret = (value: unknown) =>
  value !== null && typeof value === "object" && (value as Props)[specialSigKey] === specialSecretSig;
const urn = (token: string, name: string) => `urn:pulumi:test::grpc::${token}::${name}`;
const struct = (value: Props) => Struct.fromJavaScript(value as Record<string, structTypes.JavaScriptValue>);

const sandbox = withSandbox();
let plugin: ChildProcess;
let client: provrpcTypes.ResourceProviderClient;
let stderr = "";

/** One unary call of the client, as a promise. */
function call<Req, Res>(method: keyof provrpcTypes.ResourceProviderClient, request: Req): Promise<Res> {
  const fn = client[method] as unknown as (
    req: Req,
    callback: (error: grpcTypes.ServiceError | null, response: Res) => void,
  ) => void;
  return new Promise((resolve, reject) =>
    fn.call(client, request, (error, response) => (error ? reject(error) : resolve(response))),
  );
}

async function check(token: string, name: string, news: Props, olds: Props = {}) {
  const req = new pb.CheckRequest();
  req.setUrn(urn(token, name));
  req.setOlds(struct(olds));
  req.setNews(struct(news));
  const res = await call<provpbTypes.CheckRequest, provpbTypes.CheckResponse>("check", req);
  return {
    inputs: (res.getInputs()?.toJavaScript() ?? {}) as Props,
    failures: res.getFailuresList().map((f) => `${f.getProperty()}: ${f.getReason()}`),
  };
}

async function create(token: string, name: string, inputs: Props) {
  const req = new pb.CreateRequest();
  req.setUrn(urn(token, name));
  req.setProperties(struct(inputs));
  const res = await call<provpbTypes.CreateRequest, provpbTypes.CreateResponse>("create", req);
  return { id: res.getId(), outs: (res.getProperties()?.toJavaScript() ?? {}) as Props };
}

async function diff(token: string, name: string, id: string, olds: Props, news: Props) {
  const req = new pb.DiffRequest();
  req.setUrn(urn(token, name));
  req.setId(id);
  req.setOlds(struct(olds));
  req.setNews(struct(news));
  const res = await call<provpbTypes.DiffRequest, provpbTypes.DiffResponse>("diff", req);
  const detailed: Record<string, number> = {};
  res.getDetaileddiffMap().forEach((value, key) => (detailed[key] = value.getKind()));
  return {
    changes: res.getChanges(),
    replaces: res.getReplacesList(),
    hasDetailedDiff: res.getHasdetaileddiff(),
    detailed,
  };
}

async function read(token: string, name: string, id: string, props: Props) {
  const req = new pb.ReadRequest();
  req.setUrn(urn(token, name));
  req.setId(id);
  req.setProperties(struct(props));
  const res = await call<provpbTypes.ReadRequest, provpbTypes.ReadResponse>("read", req);
  return {
    id: res.getId(),
    props: (res.getProperties()?.toJavaScript() ?? {}) as Props,
    inputs: (res.getInputs()?.toJavaScript() ?? {}) as Props,
  };
}

async function update(token: string, name: string, id: string, olds: Props, news: Props) {
  const req = new pb.UpdateRequest();
  req.setUrn(urn(token, name));
  req.setId(id);
  req.setOlds(struct(olds));
  req.setNews(struct(news));
  const res = await call<provpbTypes.UpdateRequest, provpbTypes.UpdateResponse>("update", req);
  return (res.getProperties()?.toJavaScript() ?? {}) as Props;
}

async function remove(token: string, name: string, id: string, props: Props) {
  const req = new pb.DeleteRequest();
  req.setUrn(urn(token, name));
  req.setId(id);
  req.setProperties(struct(props));
  await call("delete", req);
}

beforeAll(async () => {
  // The executable the engine starts, with this Node first on PATH (its `#!/usr/bin/env node`), and no
  // credentials in its environment: every setting reaches it through Configure.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(TENSORDOCK_|WALLETCREW_|NETACTUATE_|SECRETSTACK_)/.test(k),
    ),
  );
  plugin = spawn(path.join(REPO_ROOT, "bin", "pulumi-resource-secretstack"), ["127.0.0.1:1"], {
    env: { ...env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}` },
    stdio: ["ignore", "pipe", "pipe"],
  });
  plugin.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    plugin.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      const line = out.split("\n")[0] ?? "";
      if (out.includes("\n")) resolve(Number.parseInt(line, 10));
    });
    plugin.once("exit", (code) =>
      reject(new Error(`the plugin exited (${code}) before listening: ${stderr}`)),
    );
  });
  expect(port).toBeGreaterThan(0);
  client = new rpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

afterAll(() => {
  client?.close();
  plugin?.kill("SIGTERM");
});

describe("the plugin over gRPC", () => {
  it("reports the package's version and serves the schema the build wrote", async () => {
    const info = await call<emptyTypes.Empty, { getVersion(): string }>("getPluginInfo", new Empty());
    const { version } = fromPulumi(path.join(REPO_ROOT, "package.json")) as { version: string };
    expect(info.getVersion()).toBe(version);
    const req = new pb.GetSchemaRequest();
    const res = await call<provpbTypes.GetSchemaRequest, provpbTypes.GetSchemaResponse>("getSchema", req);
    const schema = JSON.parse(res.getSchema()) as { name: string; resources: Record<string, unknown> };
    expect(schema.name).toBe("secretstack");
    expect(Object.keys(schema.resources)).toHaveLength(5);
  });

  it("checks the configuration, naming an unknown key, and never replaces itself on a new setting", async () => {
    const req = new pb.CheckRequest();
    req.setUrn("urn:pulumi:test::grpc::pulumi:providers:secretstack::default");
    req.setOlds(struct({}));
    req.setNews(struct({ walletcrewTenantID: "demo", tensordockApiToken: secret("t") }));
    const res = await call<provpbTypes.CheckRequest, provpbTypes.CheckResponse>("checkConfig", req);
    expect(res.getFailuresList().map((f) => f.getProperty())).toEqual(["walletcrewTenantID"]);
    expect(res.getFailuresList()[0]?.getReason()).toContain("did you mean secretstack:walletcrewTenantId?");
    // The inputs come back as they went, the token still a secret.
    expect(isSecret(res.getInputs()?.toJavaScript().tensordockApiToken)).toBe(true);

    const changed = new pb.DiffRequest();
    changed.setUrn(req.getUrn());
    changed.setOlds(struct({ tensordockApiToken: secret("a") }));
    changed.setNews(struct({ tensordockApiToken: secret("b") }));
    const diffed = await call<provpbTypes.DiffRequest, provpbTypes.DiffResponse>("diffConfig", changed);
    expect(diffed.getChanges()).toBe(pb.DiffResponse.DiffChanges.DIFF_SOME);
    expect(diffed.getReplacesList()).toEqual([]);
  });

  it("takes its settings from Configure and accepts secrets", async () => {
    const { sandbox: s } = sandbox.current;
    const req = new pb.ConfigureRequest();
    const variables = req.getVariablesMap();
    const settings: Record<string, string> = {
      tensordockApiToken: s.tensordock.apiToken,
      tensordockBaseUrl: s.tensordock.baseUrl,
      walletcrewApiKey: s.walletcrew.apiKey,
      walletcrewBaseUrl: s.walletcrew.baseUrl,
      walletcrewTenantId: s.walletcrew.tenantId,
      netactuateApiKey: s.netactuate.apiKey,
      netactuateBaseUrl: s.netactuate.baseUrl,
    };
    // The form the engine writes: secretstack:config:<key>.
    for (const [key, value] of Object.entries(settings)) variables.set(`secretstack:config:${key}`, value);
    req.setAcceptsecrets(true);
    const res = await call<provpbTypes.ConfigureRequest, provpbTypes.ConfigureResponse>("configure", req);
    expect(res.getAcceptsecrets()).toBe(true);
    expect(res.getSupportspreview()).toBe(false);
  });

  it("runs check, create, read, diff, update and delete of many resources at once", async () => {
    const values = Array.from({ length: 8 }, (_, i) => canary(`grpc${i}`));
    const tenantToken = "secretstack:walletcrew:TenantSecret";
    const listToken = "secretstack:netactuate:SecretList";
    const secrets = await Promise.all(
      values.map(async (value, i) => {
        const checked = await check(tenantToken, `s${i}`, { key: `GRPC_${i}`, value: secret(value) });
        expect(checked.failures).toEqual([]);
        expect(isSecret(checked.inputs.value)).toBe(true);
        return {
          name: `s${i}`,
          inputs: checked.inputs,
          ...(await create(tenantToken, `s${i}`, checked.inputs)),
        };
      }),
    );
    const lists = await Promise.all(
      [0, 1, 2, 3].map(async (i) => {
        const checked = await check(listToken, `l${i}`, { name: `grpc-list-${i}` });
        return { name: `l${i}`, ...(await create(listToken, `l${i}`, checked.inputs)) };
      }),
    );
    expect(secrets.map((s) => s.id).sort()).toEqual(values.map((_, i) => `demo/GRPC_${i}`).sort());
    for (const s of secrets) expect(isSecret(s.outs.value)).toBe(true);
    const contents = await sandbox.current.contents();
    expect(contents.walletcrew).toHaveLength(8);
    expect(contents.netactuateLists).toHaveLength(4);

    // Refresh reads them all at once; state and inputs keep the values secret.
    const reads = await Promise.all(secrets.map((s) => read(tenantToken, s.name, s.id, s.outs)));
    for (const r of reads) {
      expect(isSecret(r.props.value)).toBe(true);
      expect(isSecret(r.inputs.value)).toBe(true);
    }

    // A new value is an update in place; a new key a replacement; a rename of a list an update.
    const first = secrets[0];
    if (first === undefined) throw new Error("no secret");
    const rotated = canary("grpcrotated");
    const newValue = await diff(tenantToken, first.name, first.id, first.outs, {
      ...first.inputs,
      value: secret(rotated),
    });
    expect(newValue).toEqual({
      changes: pb.DiffResponse.DiffChanges.DIFF_SOME,
      replaces: [],
      hasDetailedDiff: true,
      detailed: { value: pb.PropertyDiff.Kind.UPDATE },
    });
    const newKey = await diff(tenantToken, first.name, first.id, first.outs, {
      ...first.inputs,
      key: "GRPC_X",
    });
    expect(newKey.replaces).toEqual(["key"]);
    expect(newKey.detailed).toEqual({ key: pb.PropertyDiff.Kind.UPDATE_REPLACE });
    const unchanged = await diff(tenantToken, first.name, first.id, first.outs, first.inputs);
    expect(unchanged.changes).toBe(pb.DiffResponse.DiffChanges.DIFF_NONE);

    const updated = await update(tenantToken, first.name, first.id, first.outs, {
      ...first.inputs,
      value: secret(rotated),
    });
    expect(isSecret(updated.value)).toBe(true);
    expect(await sandbox.current.clients.walletcrew.demo?.retrieve("GRPC_0")).toBe(rotated);

    await Promise.all([
      ...secrets.map((s) => remove(tenantToken, s.name, s.id, s.outs)),
      ...lists.map((l) => remove(listToken, l.name, l.id, l.outs)),
    ]);
    expect(await sandbox.current.contents()).toEqual(EMPTY_SANDBOX);
    expect(findLeak(stderr, [...values, rotated])).toBeUndefined();
  });

  it("fails a diff of a type it does not serve as an error naming the types it serves", async () => {
    const error = await diff("secretstack:tensordock:Instance", "x", "id", {}, {}).then(
      () => undefined,
      (e: unknown) => e as grpcTypes.ServiceError,
    );
    expect(error?.code).toBe(grpc.status.UNKNOWN);
    expect(error?.details).toMatch(
      /^unknown resource type secretstack:tensordock:Instance: the secretstack provider serves secretstack:tensordock:SshKey, /,
    );
  });

  it("fails a create with the kit's message, naming the provider's config keys and no value", async () => {
    const value = canary("grpcfail");
    const error = await create("secretstack:tensordock:GenericSecret", "bad", {
      name: "grpc-bad",
      value: secret(value),
      secretType: "GENERIC",
      connection: secret({ apiToken: "wrong-token" }),
    }).then(
      () => undefined,
      (e: unknown) => e as grpcTypes.ServiceError,
    );
    expect(error?.details).toMatch(/^creating tensordock:GenericSecret "grpc-bad": /);
    expect(error?.details).toContain("secretstack:tensordockApiToken");
    expect(findLeak(`${error?.details ?? ""}\n${stderr}`, [value, "wrong-token"])).toBeUndefined();
    expect(await sandbox.current.contents()).toEqual(EMPTY_SANDBOX);
  });
});
