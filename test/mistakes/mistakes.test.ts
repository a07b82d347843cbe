/**
 * Every first-week mistake of issue 15, for all five resources, through the real provider host (the stand-in
 * engine), from one table. Each row asserts that the message names the property, key or setting, and that the
 * sandbox received no write while the mistake was made. A mistake that cannot be made with a resource says why in
 * the table, and its row proves the reason instead.
 *
 * The rows of a mistake share engine runs (one program declares a resource per row, each failing on its own), and
 * the runs that must write nothing run side by side: the whole table costs a few engine runs, not one per row.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeploymentError, type Summary } from "../../harness/engine";
import { NETACTUATE_SETTINGS } from "../../provider/netactuate/connection";
import { TENSORDOCK_SETTINGS } from "../../provider/tensordock/connection";
import { WALLETCREW_SETTINGS } from "../../provider/walletcrew/connection";
import { deployProgram, type ProgramStack } from "../support/deploy";
import { type FaultProxy, startFaultProxy } from "../support/faultProxy";
import { REPO_ROOT } from "../support/process";
import { withSandbox } from "../support/sandbox";

const PROGRAM = path.join(REPO_ROOT, "test", "fixtures", "mistakes");
const ENGINE = path.join(REPO_ROOT, ".build", "harness", "engine", "index.js");
const KEY_A =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBiklCBOkHnt0XIaL/k/aGdeygdaLHA1luvNP75tjibL stack-a@secretstack";
const KEY_B =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGkr3eGAnOMI2+QWKWDV6UG6TmXapSbSsqClGQPC7R6A stack-b@secretstack";

type Resource =
  | "tensordock.SshKey"
  | "tensordock.GenericSecret"
  | "walletcrew.TenantSecret"
  | "netactuate.SecretList"
  | "netactuate.SecretValue";
const RESOURCES: Resource[] = [
  "tensordock.SshKey",
  "tensordock.GenericSecret",
  "walletcrew.TenantSecret",
  "netactuate.SecretList",
  "netactuate.SecretValue",
];

/** One resource of a program: its type, its name in the program, its arguments. */
interface Declared {
  resource: Resource;
  name: string;
  args: Record<string, unknown>;
}

/** A mistake that cannot be made with a resource, and why; the row proves the reason. */
interface NotApplicable {
  notApplicable: string;
}
const isApplicable = <T extends object>(row: T | NotApplicable): row is T => !("notApplicable" in row);

/** The argument that names each resource (a name or a key), and a valid declaration built around it. */
const IDENTITY: Record<Resource, "name" | "key"> = {
  "tensordock.SshKey": "name",
  "tensordock.GenericSecret": "name",
  "walletcrew.TenantSecret": "key",
  "netactuate.SecretList": "name",
  "netactuate.SecretValue": "key",
};
function valid(resource: Resource, identity: string, listId = "1"): Record<string, unknown> {
  switch (resource) {
    case "tensordock.SshKey":
      return { name: identity, publicKey: KEY_A };
    case "tensordock.GenericSecret":
      return { name: identity, value: "v" };
    case "walletcrew.TenantSecret":
      return { key: identity, value: "v" };
    case "netactuate.SecretList":
      return { name: identity };
    case "netactuate.SecretValue":
      return { listId, key: identity, value: "v" };
  }
}
/** A name for a resource of the program, unique per row. */
const rowName = (mistake: string, resource: Resource) =>
  `${mistake}-${resource.replace(/^.*\./, "").toLowerCase()}`;

// ─── The table ───────────────────────────────────────────────────────────────────────────────────────────────

/** A misspelled argument, and one inside `connection`: the path check names, and the valid name it suggests. */
const UNKNOWN_ARGUMENTS: Record<Resource, Array<{ path: string; meant: string }>> = {
  "tensordock.SshKey": [
    { path: "nmae", meant: "name" },
    { path: "connection.baseUrll", meant: "baseUrl" },
  ],
  "tensordock.GenericSecret": [
    { path: "secretTyp", meant: "secretType" },
    { path: "connection.apiTokn", meant: "apiToken" },
  ],
  "walletcrew.TenantSecret": [
    { path: "expiresAt", meant: "expiresOn" },
    { path: "connection.tenantID", meant: "tenantId" },
  ],
  "netactuate.SecretList": [
    { path: "nam", meant: "name" },
    { path: "connection.apiKee", meant: "apiKey" },
  ],
  "netactuate.SecretValue": [
    { path: "valu", meant: "value" },
    { path: "connection.bodyEncodng", meant: "bodyEncoding" },
  ],
};

/** Names and keys that are empty after trimming, or carry spaces the API would keep or strip, and the rule named. */
const SPACED = ["   ", " deploy", "deploy "] as const;
const NAME_RULES = [
  "name: must not be empty or only spaces",
  "name: must not start or end with spaces",
  "name: must not start or end with spaces",
];
const NAMES: Record<Resource, string[]> = {
  "tensordock.SshKey": NAME_RULES,
  "tensordock.GenericSecret": NAME_RULES,
  "walletcrew.TenantSecret": SPACED.map(
    () => "key: must be 1 to 128 letters, digits, '-' or '_' (The Wallet Crew's key rules; case-sensitive)",
  ),
  "netactuate.SecretList": NAME_RULES,
  "netactuate.SecretValue": SPACED.map(
    () => "key: must be 1 to 128 letters, digits, '_', '.' or '-' (it is referenced as ${{secret.KEY}})",
  ),
};

/** Two resources of one stack with one identity: the message names both and the identity. */
const DUPLICATES: Record<Resource, { identity: string; message: RegExp } | NotApplicable> = {
  "tensordock.SshKey": {
    notApplicable:
      "TensorDock keeps several secrets with one name apart by id: two resources are two secrets",
  },
  "tensordock.GenericSecret": {
    notApplicable:
      "TensorDock keeps several secrets with one name apart by id: two resources are two secrets",
  },
  "walletcrew.TenantSecret": {
    identity: "dup-key",
    message:
      /walletcrew.TenantSecret resources "dup-tenantsecret-a" and "dup-tenantsecret-b" declare the same key "dup-key" in tenant demo/,
  },
  "netactuate.SecretList": {
    identity: "dup-list",
    message:
      /netactuate.SecretList resources "dup-secretlist-a" and "dup-secretlist-b" declare the same list name "dup-list"/,
  },
  "netactuate.SecretValue": {
    identity: "DUP_KEY",
    message:
      /netactuate.SecretValue resources "dup-secretvalue-a" and "dup-secretvalue-b" declare the same key "DUP_KEY"/,
  },
};

type Setting = "baseUrl" | "credential" | "tenant";
type Source = "config" | "env" | "connection";
const SETTINGS: Setting[] = ["baseUrl", "credential", "tenant"];
const SOURCES: Source[] = ["config", "env", "connection"];

/** Where each API reads a setting: its name in messages, and its config key, variable and connection field. */
interface SettingPlace {
  api: string;
  label: string;
  configKey: string;
  envVar: string;
  field: string;
  /** What check says of `connection: { <field>: "" }` (at preview: the connection is an argument): where else it comes from. */
  connection: string;
}
const API_SETTINGS: Record<string, Record<Setting, SettingPlace | NotApplicable>> = {
  tensordock: {
    baseUrl: place("TensorDock", "base URL", "tensordock:baseUrl", "TENSORDOCK_BASE_URL", "baseUrl"),
    credential: place("TensorDock", "API token", "tensordock:apiToken", "TENSORDOCK_API_TOKEN", "apiToken"),
    tenant: { notApplicable: "TensorDock has no tenants: an organization's token is its account" },
  },
  walletcrew: {
    baseUrl: place("The Wallet Crew", "base URL", "walletcrew:baseUrl", "WALLETCREW_BASE_URL", "baseUrl"),
    credential: place("The Wallet Crew", "API key", "walletcrew:apiKey", "WALLETCREW_API_KEY", "apiKey"),
    tenant: place("The Wallet Crew", "tenant id", "walletcrew:tenantId", "WALLETCREW_TENANT_ID", "tenantId"),
  },
  netactuate: {
    baseUrl: place("NetActuate", "base URL", "netactuate:baseUrl", "NETACTUATE_BASE_URL", "baseUrl"),
    credential: place("NetActuate", "API key", "netactuate:apiKey", "NETACTUATE_API_KEY", "apiKey"),
    tenant: { notApplicable: "NetActuate has no tenants: an API key is its account" },
  },
};
function place(api: string, label: string, configKey: string, envVar: string, field: string): SettingPlace {
  // A credential has no default; every other setting here falls back to one.
  const fallback =
    field === "apiToken" || field === "apiKey" || field === "tenantId" ? "" : ", else the default";
  const connection =
    `is set but empty: omit connection.${field} to use stack config ${configKey} or environment variable ` +
    `${envVar}${fallback}, or give it a value`;
  return { api, label, configKey, envVar, field, connection };
}
const apiOf = (resource: Resource) => resource.slice(0, resource.indexOf("."));

/** What the message of a setting present but empty (or only spaces) in `source` says. */
function emptySettingMessage(at: SettingPlace, source: Source): string[] {
  if (source === "connection") return [`check failed: connection.${at.field}: ${at.connection}`];
  if (source === "config") {
    return [
      `${at.api} ${at.label} is set but empty in stack config ${at.configKey}`,
      `remove it (pulumi config rm ${at.configKey})`,
    ];
  }
  return [
    `${at.api} ${at.label} is set but empty in environment variable ${at.envVar}`,
    `unset ${at.envVar}`,
  ];
}

/**
 * Another stack declares the identity (not provably the same object): the create names the existing id and the
 * import that adopts it. `listId` is filled in with a list made beforehand.
 */
const CROSS_STACK: Record<
  Resource,
  { a: Record<string, unknown>; b: Record<string, unknown>; message: RegExp }
> = {
  "tensordock.SshKey": {
    a: { name: "cross-key", publicKey: KEY_A },
    b: { name: "cross-key", publicKey: KEY_B },
    message:
      /a SSHKEY secret named "cross-key" already exists in TensorDock \(id ([0-9a-f-]+)\).*\{ import: "\1" \}/,
  },
  "tensordock.GenericSecret": {
    a: { name: "cross-secret", value: "a" },
    b: { name: "cross-secret", value: "a" },
    message:
      /a GENERIC secret named "cross-secret" already exists in TensorDock \(id ([0-9a-f-]+)\).*\{ import: "\1" \}/,
  },
  "walletcrew.TenantSecret": {
    a: { key: "cross-tenant-key", value: "a" },
    b: { key: "cross-tenant-key", value: "b" },
    message:
      /the key cross-tenant-key already exists in tenant demo \(id demo\/cross-tenant-key\).*import: "demo\/cross-tenant-key"/,
  },
  "netactuate.SecretList": {
    a: { name: "cross-list" },
    b: { name: "cross-list" },
    message:
      /a secret list named "cross-list" already exists in the NetActuate account \(list (\d+)\).*\{ import: "\1" \}/,
  },
  "netactuate.SecretValue": {
    a: { key: "CROSS_VALUE", value: "a" },
    b: { key: "CROSS_VALUE", value: "b" },
    message:
      /key "CROSS_VALUE" already exists in the NetActuate account \(value (\d+) in list \d+\).*\{ import: "\1" \}/,
  },
};

/**
 * The engine killed right after its one create reached the sandbox, then the documented recovery (refresh with
 * --clear-pending-creates, then up): what is provably the object the create would make is adopted; what is not
 * fails naming the object's id and the import. `write` is the request that makes it (method and path, as it
 * passes the proxy in front of the sandbox), to kill on; `recovery` the writes the recovering `up` makes (none, but
 * for the one noted).
 */
const INTERRUPTED: Record<
  Resource,
  { args: Record<string, unknown>; write: RegExp; recovery: string[] } & (
    { adopted: string } | { refused: RegExp }
  )
> = {
  "tensordock.SshKey": {
    args: { name: "cut-key", publicKey: KEY_A },
    write: /^POST \/api\/v2\/secrets$/,
    adopted: "an SSH key with the same name and the identical public key",
    recovery: [],
  },
  "tensordock.GenericSecret": {
    args: { name: "cut-token", value: "v" },
    write: /^POST \/api\/v2\/secrets$/,
    refused:
      /a GENERIC secret named "cut-token" already exists in TensorDock \(id ([0-9a-f-]+)\).*\{ import: "\1" \}/,
    recovery: [],
  },
  "walletcrew.TenantSecret": {
    args: { key: "cut-key", value: "same" },
    write: /^PUT \/api\/demo\/secrets\/cut-key$/,
    adopted: "a key whose value reads back equal",
    // The adopting create still sends its PUT (an upsert of the value the key holds): the validity dates cannot
    // be read back, so the PUT makes them what the resource declares. The same key, never a second one.
    recovery: ["walletcrew PUT /api/:tenantId/secrets/:key"],
  },
  "netactuate.SecretList": {
    args: { name: "cut-list" },
    write: /^POST \/api\/secrets\/lists$/,
    refused:
      /a secret list named "cut-list" already exists in the NetActuate account \(list (\d+)\).*\{ import: "\1" \}/,
    recovery: [],
  },
  "netactuate.SecretValue": {
    args: { key: "CUT_KEY", value: "same" },
    write: /^POST \/api\/secrets\/lists\/\d+\/values$/,
    adopted: "a value whose key and value read back equal",
    recovery: [],
  },
};

// ─── Runs ────────────────────────────────────────────────────────────────────────────────────────────────────

/** Every request line of the sandbox. */
const requests: string[] = [];
const sandbox = withSandbox({ log: (line) => requests.push(line) });
const stacks: ProgramStack[] = [];
afterAll(() => {
  for (const stack of stacks) stack.remove();
});

function stackOf(
  resources: Declared[],
  config: Record<string, string> = {},
  env: Record<string, string> = {},
) {
  const stack = deployProgram({
    programDir: PROGRAM,
    env: { ...sandbox.current.env, ...env, MISTAKE: JSON.stringify({ resources }) },
    config,
  });
  stacks.push(stack);
  return stack;
}

/**
 * The requests that change something (anything but a GET) among the sandbox's requests from index `from` on. A
 * line reads `<api> <METHOD> <route> <status> <ms>`.
 */
const writesSince = (from: number) => requests.slice(from).filter((line) => line.split(" ")[1] !== "GET");

/** `<api> <METHOD> <route>` of a request line, without its status and duration. */
const route = (line: string) => line.split(" ").slice(0, 3).join(" ");

/** The summary of a run expected to fail. */
async function failed(run: Promise<Summary>): Promise<Summary> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeploymentError);
  return (error as DeploymentError).summary;
}

/** The failure of the resource named `name` in a summary, or undefined. */
const failureOf = (summary: Summary, name: string) =>
  summary.failures.find((line) => line.split(": ")[0]?.endsWith(` ${name}`));

/** The ids of the objects in the sandbox that hold `args`' identity (a name, or a key). */
async function objectsHolding(resource: Resource, args: Record<string, unknown>): Promise<string[]> {
  const { clients } = sandbox.current;
  switch (resource) {
    case "tensordock.SshKey":
    case "tensordock.GenericSecret":
      return (await clients.tensordock.list()).filter((s) => s.name === args.name).map((s) => s.id);
    case "walletcrew.TenantSecret": {
      const keys = (await clients.walletcrew.demo?.list()) ?? [];
      return keys.filter((k) => k === args.key).map((k) => `demo/${k}`);
    }
    case "netactuate.SecretList":
      return (await clients.netactuate.lists.list())
        .filter((l) => l.name === args.name)
        .map((l) => String(l.id));
    case "netactuate.SecretValue":
      return (await clients.netactuate.values.listAll())
        .filter((v) => v.key === args.key)
        .map((v) => String(v.id));
  }
}

/**
 * Runs `up` of `stack` declaring `resources` in an engine process of its own, talking to the sandbox through
 * `proxies`, and kills it (its host and program too) once the sandbox has answered `write` and before the answer is
 * relayed: the object exists, and the engine cannot have recorded it. Resolves with the request it was killed on
 * (method and path, no query string), or, when it ended by itself, with what it wrote to stderr.
 */
async function upKilledAt(
  stack: ProgramStack,
  resources: Declared[],
  write: RegExp,
  proxies: FaultProxy[],
  proxyEnv: Record<string, string>,
): Promise<{ killedOn?: string; ended?: string }> {
  const script =
    "const [engine, options] = process.argv.slice(1);" +
    "require(engine).up(JSON.parse(options)).then(() => process.exit(0), (e) => {" +
    "  process.stderr.write(String(e.message));" +
    "  process.exit(1);" +
    "});";
  // The credentials travel in the environment, never in the command line.
  const env = { ...process.env, ...stack.options.env, ...proxyEnv, MISTAKE: JSON.stringify({ resources }) };
  const options = { programDir: PROGRAM, stateFile: stack.stateFile };
  const child = spawn(process.execPath, ["-e", script, ENGINE, JSON.stringify(options)], {
    detached: true,
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let killedOn: string | undefined;
  for (const proxy of proxies) {
    proxy.onAnswer = (method, target) => {
      // The query string may carry a credential (NetActuate's ?key=): never kept.
      const request = `${method} ${target.split("?")[0] ?? ""}`;
      if (killedOn !== undefined || !write.test(request)) return;
      killedOn = request;
      // The whole process group at once, as a cancelled CI job or a closed laptop ends it.
      process.kill(-(child.pid as number), "SIGKILL");
    };
  }
  try {
    await exited;
  } finally {
    for (const proxy of proxies) proxy.onAnswer = undefined;
  }
  return killedOn === undefined ? { ended: stderr || "(nothing on stderr)" } : { killedOn };
}

/** What the rows read: the summaries of the runs, and the writes the sandbox received while mistakes were made. */
const run = {
  /** One preview: unknown arguments, names, empty connection fields, and TensorDock's twins. */
  check: undefined as unknown as Summary,
  /** One preview and one up of every pair of resources with one identity. */
  duplicates: { preview: undefined as unknown as Summary, up: undefined as unknown as Summary },
  /** One up per source and setting (config or environment), each API taking the setting empty from it. */
  settings: new Map<string, Summary>(),
  /** Writes while the runs above ran. */
  checkWrites: [] as string[],
  /** Stack B's up, and the writes while it ran. */
  crossStack: undefined as unknown as Summary,
  crossStackWrites: [] as string[],
  crossStackIds: new Map<Resource, string[]>(),
  /** Per resource: the line its engine was killed on, the pending operations, the objects before and after. */
  interrupted: new Map<
    Resource,
    {
      killed: { killedOn?: string; ended?: string };
      pending: string[];
      orphans: string[];
      stateIds: string[];
      objectsAfter: string[];
    }
  >(),
  /** The error of a refresh without --clear-pending-creates, the recovering up, and its writes. */
  refreshWithoutFlag: "",
  recovery: undefined as unknown as Summary,
  recoveryWrites: [] as string[],
};
const settingsRunKey = (source: Source, setting: Setting) => `${source}/${setting}`;

/** Phase one, where nothing may be written: the check-time mistakes, the duplicates, and the empty settings. */
async function mistakesThatWriteNothing(): Promise<void> {
  const from = requests.length;
  const checkResources: Declared[] = [];
  for (const resource of RESOURCES) {
    UNKNOWN_ARGUMENTS[resource].forEach(({ path: at }, i) => {
      const args = valid(resource, IDENTITY[resource] === "key" ? `TYPO_${i}` : `typo-${i}`);
      const [head = "", field] = at.split(".");
      args[head] = field === undefined ? "x" : { [field]: "x" };
      checkResources.push({ resource, name: `${rowName("typo", resource)}-${i}`, args });
    });
    SPACED.forEach((value, i) =>
      checkResources.push({
        resource,
        name: `${rowName("name", resource)}-${i}`,
        args: valid(resource, value),
      }),
    );
    for (const setting of SETTINGS) {
      const at = API_SETTINGS[apiOf(resource)]?.[setting];
      if (at === undefined || !isApplicable(at)) continue;
      checkResources.push({
        resource,
        name: rowName(`connection-${setting}`, resource),
        args: { ...valid(resource, `C_${setting}`), connection: { [at.field]: "" } },
      });
    }
    if (!isApplicable(DUPLICATES[resource])) {
      for (const twin of ["a", "b"]) {
        checkResources.push({
          resource,
          name: `${rowName("twin", resource)}-${twin}`,
          args: valid(resource, "twin"),
        });
      }
    }
  }
  const duplicateResources: Declared[] = [];
  for (const resource of RESOURCES) {
    const duplicate = DUPLICATES[resource];
    if (!isApplicable(duplicate)) continue;
    for (const twin of ["a", "b"]) {
      duplicateResources.push({
        resource,
        name: `${rowName("dup", resource)}-${twin}`,
        args: valid(resource, duplicate.identity),
      });
    }
  }
  const settingRuns: Array<Promise<[string, Summary]>> = [];
  for (const source of ["config", "env"] as const) {
    for (const setting of SETTINGS) {
      const config: Record<string, string> = {};
      const env: Record<string, string> = {};
      const resources: Declared[] = [];
      for (const resource of RESOURCES) {
        const at = API_SETTINGS[apiOf(resource)]?.[setting];
        if (at === undefined || !isApplicable(at)) continue;
        // Empty (`TENSORDOCK_BASE_URL=`, as a racy CI script leaves it) or only spaces: both are "set but empty".
        if (source === "config") config[at.configKey] = setting === "credential" ? " " : "";
        else env[at.envVar] = setting === "baseUrl" ? "" : " ";
        resources.push({
          resource,
          name: rowName(`${source}-${setting}`, resource),
          args: valid(resource, "S"),
        });
      }
      const key = settingsRunKey(source, setting);
      settingRuns.push(failed(stackOf(resources, config, env).up()).then((summary) => [key, summary]));
    }
  }
  const [check, duplicatesPreview, duplicatesUp, ...settings] = await Promise.all([
    failed(stackOf(checkResources).run("preview")),
    failed(stackOf(duplicateResources).run("preview")),
    failed(stackOf(duplicateResources).up()),
    ...settingRuns,
  ]);
  Object.assign(run, {
    check,
    duplicates: { preview: duplicatesPreview, up: duplicatesUp },
    settings: new Map(settings),
    checkWrites: writesSince(from),
  });
}

/** Phase two: stack A deploys one of each resource, then stack B declares the same identities. */
async function duplicatesAcrossStacks(): Promise<void> {
  const listId = String((await sandbox.current.clients.netactuate.lists.create({ name: "cross-values" })).id);
  const withList = (resource: Resource, args: Record<string, unknown>) =>
    resource === "netactuate.SecretValue" ? { ...args, listId } : args;
  const declare = (side: "a" | "b") =>
    RESOURCES.map((resource) => ({
      resource,
      name: rowName("cross", resource),
      args: withList(resource, CROSS_STACK[resource][side]),
    }));
  expect((await stackOf(declare("a")).up()).created).toBe(RESOURCES.length);
  const from = requests.length;
  run.crossStack = await failed(stackOf(declare("b")).up());
  run.crossStackWrites = writesSince(from);
  for (const resource of RESOURCES) {
    run.crossStackIds.set(resource, await objectsHolding(resource, CROSS_STACK[resource].a));
  }
}

/**
 * Phase three: one stack, one engine process per resource, each killed once its one create reached the sandbox, so
 * the state collects five pending creates; then the recovery, once: refresh (refused without the flag), refresh
 * --clear-pending-creates, up of all five.
 */
async function interruptedRuns(): Promise<void> {
  const listId = String((await sandbox.current.clients.netactuate.lists.create({ name: "cut-values" })).id);
  const declared = RESOURCES.map((resource) => ({
    resource,
    name: rowName("cut", resource),
    args:
      resource === "netactuate.SecretValue"
        ? { ...INTERRUPTED[resource].args, listId }
        : INTERRUPTED[resource].args,
  }));
  const stack = stackOf(declared);
  // A proxy in front of each API holds every answer until the test has seen it.
  const { env } = sandbox.current;
  const baseUrls = ["TENSORDOCK_BASE_URL", "WALLETCREW_BASE_URL", "NETACTUATE_BASE_URL"] as const;
  const proxies = await Promise.all(baseUrls.map((name) => startFaultProxy(env[name] ?? "")));
  const proxyEnv = Object.fromEntries(baseUrls.map((name, i) => [name, proxies[i]?.baseUrl ?? ""]));
  const killed = new Map<Resource, { killedOn?: string; ended?: string }>();
  try {
    for (const one of declared) {
      const write = INTERRUPTED[one.resource].write;
      killed.set(one.resource, await upKilledAt(stack, [one], write, proxies, proxyEnv));
    }
  } finally {
    await Promise.all(proxies.map((proxy) => proxy.close()));
  }
  const pending = (await stack.state()).pendingOperations.map((p) => `${p.name} ${p.operation}`);
  const orphans = new Map<Resource, string[]>();
  for (const { resource, args } of declared) orphans.set(resource, await objectsHolding(resource, args));

  const from = requests.length;
  run.refreshWithoutFlag = await stack.run("refresh").then(
    () => "",
    (error: unknown) => (error as Error).message,
  );
  await stack.run("refresh", { clearPendingCreates: true });
  run.recovery = await stack.up().then(
    (summary) => summary,
    (error: unknown) => (error as DeploymentError).summary,
  );
  run.recoveryWrites = writesSince(from);
  const state = await stack.state();
  for (const { resource, name, args } of declared) {
    run.interrupted.set(resource, {
      killed: killed.get(resource) ?? {},
      pending,
      orphans: orphans.get(resource) ?? [],
      stateIds: state.resources.filter((r) => r.name === name).map((r) => r.id),
      objectsAfter: await objectsHolding(resource, args),
    });
  }
}

// Phases in order: the writes of each are told apart by when they happen.
beforeAll(async () => {
  await mistakesThatWriteNothing();
  await duplicatesAcrossStacks();
  await interruptedRuns();
}, 240_000);

// ─── The rows ────────────────────────────────────────────────────────────────────────────────────────────────

describe.each(RESOURCES)("%s", (resource) => {
  it.each(UNKNOWN_ARGUMENTS[resource].map((row, i) => ({ ...row, i })))(
    "fails at preview on the unknown argument `$path`, suggesting `$meant`, with no write",
    ({ path: at, meant, i }) => {
      const message = failureOf(run.check, `${rowName("typo", resource)}-${i}`);
      expect(message).toContain(`${at}: unknown argument \`${at.split(".").at(-1)}\``);
      expect(message).toContain(`did you mean \`${meant}\`?`);
      expect(run.checkWrites).toEqual([]);
    },
  );

  it.each(NAMES[resource].map((rule, i) => ({ rule, i, value: JSON.stringify(SPACED[i]) })))(
    `fails at preview on the ${IDENTITY[resource]} $value, naming the ${IDENTITY[resource]} and the rule, with no write`,
    ({ rule, i }) => {
      const message = failureOf(run.check, `${rowName("name", resource)}-${i}`);
      expect(message).toContain(`check failed: ${rule}`);
      expect(run.checkWrites).toEqual([]);
    },
  );

  const duplicate = DUPLICATES[resource];
  if (isApplicable(duplicate)) {
    it.each(["preview", "up"] as const)(
      "fails %s of two resources of one stack with one identity, naming both and the identity, with no write",
      (command) => {
        const summary = run.duplicates[command];
        expect(summary.failures.filter((line) => duplicate.message.test(line))).toHaveLength(1);
        expect(summary.created).toBe(0);
        expect(run.checkWrites).toEqual([]);
      },
    );
  } else {
    it(`lets two resources of one stack share a name: ${duplicate.notApplicable}`, () => {
      for (const twin of ["a", "b"]) {
        expect(failureOf(run.check, `${rowName("twin", resource)}-${twin}`)).toBeUndefined();
      }
      const twins = run.check.operations.filter((o) => o.urn.includes(`::${rowName("twin", resource)}-`));
      expect(twins.map((o) => o.op)).toEqual(["create", "create"]);
    });
  }

  describe.each(SETTINGS)("an empty %s", (setting) => {
    const at = API_SETTINGS[apiOf(resource)]?.[setting];
    if (at === undefined) throw new Error(`no settings row for ${resource}`);
    if (!isApplicable(at)) {
      it(`does not apply: ${at.notApplicable}`, () => {
        const table = { tensordock: TENSORDOCK_SETTINGS, netactuate: NETACTUATE_SETTINGS }[apiOf(resource)];
        expect(Object.keys(table ?? WALLETCREW_SETTINGS)).not.toContain("tenantId");
        expect(Object.keys(WALLETCREW_SETTINGS)).toContain("tenantId");
      });
      return;
    }
    it.each(SOURCES)("in %s fails naming the setting and where it came from, with no write", (source) => {
      const summary = source === "connection" ? run.check : run.settings.get(settingsRunKey(source, setting));
      const name = rowName(
        source === "connection" ? `connection-${setting}` : `${source}-${setting}`,
        resource,
      );
      const message = failureOf(summary as Summary, name);
      for (const part of emptySettingMessage(at, source)) expect(message).toContain(part);
      expect(message).not.toMatch(/ENOTFOUND|getaddrinfo/);
      expect(run.checkWrites).toEqual([]);
    });
  });

  it("fails a create whose identity another stack holds, naming the existing id and the import, with no write", () => {
    const message = failureOf(run.crossStack, rowName("cross", resource));
    expect(message).toMatch(CROSS_STACK[resource].message);
    expect(run.crossStackIds.get(resource)).toHaveLength(1);
    expect(message).toContain(run.crossStackIds.get(resource)?.[0]);
    expect(run.crossStackWrites).toEqual([]);
  });

  const interrupted = INTERRUPTED[resource];
  const outcomeText =
    "adopted" in interrupted
      ? `adopts the object it made (${interrupted.adopted})`
      : "refuses the object it made, naming its id and the import";
  const writesText = interrupted.recovery.length ? `only ${interrupted.recovery.join(", ")}` : "no write";
  it(`after a run killed right after its create, ${outcomeText}: never a duplicate, and ${writesText}`, () => {
    const name = rowName("cut", resource);
    const outcome = run.interrupted.get(resource);
    expect(outcome?.killed.killedOn, `the engine ended by itself: ${outcome?.killed.ended}`).toMatch(
      interrupted.write,
    );
    // The engine recorded the create as pending, and the object exists: the create reached the sandbox.
    expect(outcome?.pending).toContain(`${name} creating`);
    expect(outcome?.orphans).toHaveLength(1);
    // Without --clear-pending-creates, the refresh names the pending create.
    expect(run.refreshWithoutFlag).toMatch(
      new RegExp(`pending create.*::${name}, interrupted while creating`, "s"),
    );
    const failure = failureOf(run.recovery, name);
    if ("adopted" in interrupted) {
      expect(failure).toBeUndefined();
      expect(outcome?.stateIds).toEqual(outcome?.orphans);
    } else {
      expect(failure).toMatch(interrupted.refused);
      expect(failure).toContain(`{ import: "${outcome?.orphans[0]}" }`);
      expect(outcome?.stateIds).toEqual([]);
    }
    expect(outcome?.objectsAfter).toEqual(outcome?.orphans);
    // The recovery's writes, told apart by API and route.
    const api = `${apiOf(resource)} `;
    const ours = run.recoveryWrites.filter((line) => line.startsWith(api)).map((line) => route(line));
    const expected = RESOURCES.filter((r) => apiOf(r) === apiOf(resource)).flatMap(
      (r) => INTERRUPTED[r].recovery,
    );
    expect(ours).toEqual(expected);
  });
});
