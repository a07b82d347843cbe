/**
 * A sandbox for a test file: the three emulators in-process with canary credentials, the environment that
 * points programs at them, typed clients, and a listing of everything that exists in them.
 */
import { afterAll, beforeAll } from "vitest";
import {
  environmentOf,
  type Sandbox,
  type SandboxEndpoints,
  type SandboxOptions,
  startSandbox,
} from "../../sandbox/index";
import { NetActuateClient, TensorDockClient, WalletCrewClient } from "../../sdk";
import { canary } from "./leaks";

/** The tenants every test sandbox has (the defaults of the real sandbox), each with its own canary key. */
export const TEST_TENANTS = ["demo", "demo-eu"] as const;

/** The credentials a test sandbox accepts: canaries, so a test can prove none of them leaks. */
export interface SandboxCredentials {
  tensordockToken: string;
  netactuateApiKey: string;
  /** API key per tenant id. */
  walletcrewKeys: Record<string, string>;
}

/** Fresh canary credentials for a sandbox. */
export function canaryCredentials(): SandboxCredentials {
  return {
    tensordockToken: canary("td"),
    netactuateApiKey: canary("na"),
    walletcrewKeys: Object.fromEntries(TEST_TENANTS.map((id) => [id, canary(`wc${id.replace("-", "")}`)])),
  };
}

/** The sandbox options that make it accept exactly `credentials`. */
export function sandboxOptionsFor(credentials: SandboxCredentials): SandboxOptions {
  return {
    tensordockTokens: [credentials.tensordockToken],
    netactuateApiKeys: [credentials.netactuateApiKey],
    walletcrewTenants: Object.entries(credentials.walletcrewKeys).map(([id, key]) => ({
      id,
      keys: [{ key, scopes: ["Secret.Read", "Secret.Write"] }],
    })),
  };
}

/**
 * The environment variables that point the resources at a sandbox: base URLs and credentials, plus
 * `WALLETCREW_API_KEY_<TENANT>` for every tenant (what multi-tenant programs read).
 */
export function sandboxEnv(
  endpoints: SandboxEndpoints,
  walletcrewKeys: Record<string, string> = {},
): Record<string, string> {
  const env = environmentOf(endpoints);
  for (const [tenant, key] of Object.entries(walletcrewKeys)) {
    env[`WALLETCREW_API_KEY_${tenant.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`] = key;
  }
  return env;
}

/** Typed clients of the three APIs of a sandbox (no client-side pacing: tests count on the server's). */
export interface SandboxClients {
  tensordock: TensorDockClient;
  netactuate: NetActuateClient;
  /** Wallet Crew client per tenant id. */
  walletcrew: Record<string, WalletCrewClient>;
}

/** Clients of a sandbox's endpoints; `walletcrewKeys` adds a client per tenant beyond the endpoints' one. */
export function sandboxClients(
  endpoints: SandboxEndpoints,
  walletcrewKeys: Record<string, string> = {},
): SandboxClients {
  const keys = { [endpoints.walletcrew.tenantId]: endpoints.walletcrew.apiKey, ...walletcrewKeys };
  return {
    tensordock: new TensorDockClient({ ...endpoints.tensordock, rateLimit: false }),
    netactuate: new NetActuateClient({ ...endpoints.netactuate }),
    walletcrew: Object.fromEntries(
      Object.entries(keys).map(([tenantId, apiKey]) => [
        tenantId,
        new WalletCrewClient({ baseUrl: endpoints.walletcrew.baseUrl, apiKey, tenantId }),
      ]),
    ),
  };
}

/** Everything that exists in a sandbox, by name and id (never values). */
export interface SandboxContents {
  tensordock: string[];
  walletcrew: string[];
  netactuateLists: string[];
  netactuateValues: string[];
}

/** Lists every object in a sandbox through the public API, as `name (id)` / `<tenant>/<key>` strings. */
export async function sandboxContents(clients: SandboxClients): Promise<SandboxContents> {
  const [secrets, lists, values, ...tenantKeys] = await Promise.all([
    clients.tensordock.list(),
    clients.netactuate.lists.list(),
    clients.netactuate.values.listAll(),
    ...Object.entries(clients.walletcrew).map(async ([tenant, client]) =>
      (await client.list()).map((key) => `${tenant}/${key}`),
    ),
  ]);
  return {
    tensordock: secrets.map((s) => `${s.name} (${s.id})`).sort(),
    walletcrew: tenantKeys.flat().sort(),
    netactuateLists: lists.map((l) => `${l.name} (${l.id})`).sort(),
    netactuateValues: values.map((v) => `${v.key} (${v.listId}/${v.id})`).sort(),
  };
}

/** What {@link sandboxContents} returns for an empty sandbox. */
export const EMPTY_SANDBOX: SandboxContents = {
  tensordock: [],
  walletcrew: [],
  netactuateLists: [],
  netactuateValues: [],
};

/** A running test sandbox with its canary credentials, environment, clients and request log. */
export interface TestSandbox {
  sandbox: Sandbox;
  credentials: SandboxCredentials;
  /** The environment that points programs at this sandbox. */
  env: Record<string, string>;
  clients: SandboxClients;
  /** Every request line the emulators logged. */
  log: string[];
  contents(): Promise<SandboxContents>;
  close(): Promise<void>;
}

/** Starts a sandbox that accepts fresh canary credentials (extra options are passed through). */
export async function startTestSandbox(options: SandboxOptions = {}): Promise<TestSandbox> {
  const credentials = canaryCredentials();
  const log: string[] = [];
  const sandbox = await startSandbox({
    ...sandboxOptionsFor(credentials),
    log: (line) => log.push(line),
    ...options,
  });
  const clients = sandboxClients(sandbox, credentials.walletcrewKeys);
  return {
    sandbox,
    credentials,
    env: sandboxEnv(sandbox, credentials.walletcrewKeys),
    clients,
    log,
    contents: () => sandboxContents(clients),
    close: () => sandbox.close(),
  };
}

/**
 * A sandbox for the enclosing `describe` (or file): started in `beforeAll`, closed in `afterAll`. Read
 * `.current` inside tests and hooks only.
 */
export function withSandbox(options: SandboxOptions = {}): { readonly current: TestSandbox } {
  let running: TestSandbox | undefined;
  beforeAll(async () => {
    running = await startTestSandbox(options);
  });
  afterAll(async () => {
    await running?.close();
    running = undefined;
  });
  return {
    get current(): TestSandbox {
      if (running === undefined) throw new Error("withSandbox: the sandbox runs only inside tests and hooks");
      return running;
    },
  };
}
