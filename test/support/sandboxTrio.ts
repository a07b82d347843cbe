/**
 * The three emulators side by side, as the reliability suites use them: one TensorDock, one The Wallet Crew
 * (one tenant) and one NetActuate sandbox with canary credentials and no server rate limit (the load suite
 * owns that), the environment a program or provider needs to reach them, a view of every stored object, and
 * a peek at TensorDock's write-only values straight from its database file.
 */
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import { openStore } from "../../sandbox/core";
import { type NetActuateSandbox, startNetActuateSandbox } from "../../sandbox/netactuate";
import { startTensorDockSandbox, type TensorDockSandbox } from "../../sandbox/tensordock";
import { startWalletCrewSandbox, type WalletCrewSandbox } from "../../sandbox/walletcrew";
import { NetActuateClient } from "../../sdk/netactuate";
import { TensorDockClient } from "../../sdk/tensordock";
import { WalletCrewClient } from "../../sdk/walletcrew";
import { canary } from "./leaks";

/** The tenant every trio serves. */
export const TRIO_TENANT = "reliability";

/** Base URLs to use instead of the sandboxes' own (e.g. a fault proxy in front of one). */
export type BaseUrls = Partial<Record<"tensordock" | "walletcrew" | "netactuate", string>>;

/** One object stored in a sandbox, in a shape common to the five resource types. */
export interface StoredObject {
  /** The id a resource in state would hold (Wallet Crew: `<tenantId>/<key>`). */
  id: string;
  /** The name or key that identifies it to a person. */
  name: string;
}

/** Every object of the trio by resource type. */
export interface TrioObjects {
  sshKeys: StoredObject[];
  secrets: StoredObject[];
  tenantSecrets: StoredObject[];
  lists: StoredObject[];
  values: StoredObject[];
}

/** The five resource types, in the order reports list them. */
export const RESOURCE_TYPES = ["sshKeys", "secrets", "tenantSecrets", "lists", "values"] as const;

/** A resource type of {@link RESOURCE_TYPES}. */
export type ResourceType = (typeof RESOURCE_TYPES)[number];

/** The type token of each resource type as it appears in URNs. */
export const URN_TYPE: Record<ResourceType, string> = {
  sshKeys: "tensordock:SshKey",
  secrets: "tensordock:GenericSecret",
  tenantSecrets: "walletcrew:TenantSecret",
  lists: "netactuate:SecretList",
  values: "netactuate:SecretValue",
};

/** The three running sandboxes and what reaches them. */
export interface Trio {
  tensordock: TensorDockSandbox;
  walletcrew: WalletCrewSandbox;
  netactuate: NetActuateSandbox;
  /** The sandboxes' data directory (one sub-directory each). */
  dataDir: string;
  /** Base URL and credential of each sandbox. */
  credentials: {
    tensordock: { baseUrl: string; apiToken: string };
    walletcrew: { baseUrl: string; apiKey: string; tenantId: string };
    netactuate: { baseUrl: string; apiKey: string };
  };
  /** Credentials, tenant and base URLs as environment variables (the providers' fallbacks). */
  env(urls?: BaseUrls): Record<string, string>;
  /** Fresh API clients (no client-side pacing). */
  clients(): { tensordock: TensorDockClient; walletcrew: WalletCrewClient; netactuate: NetActuateClient };
  /** Every object stored, by resource type. */
  objects(): TrioObjects;
  /** Every TensorDock value by id, read from the database file (the API never returns them). */
  tensorDockValues(): Map<string, string>;
  /** Clears every fault of the three sandboxes. */
  clearFaults(): void;
  close(): Promise<void>;
}

/** Options of {@link startTrio}. */
export interface TrioOptions {
  /** Where the three databases live (required for {@link Trio.tensorDockValues}). */
  dataDir: string;
  /** The Wallet Crew sandbox's clock. @default Date.now */
  walletCrewClock?: () => number;
}

/** Starts the three sandboxes on loopback with fresh canary credentials. */
export async function startTrio(options: TrioOptions): Promise<Trio> {
  const key = randomBytes(32);
  const token = canary("TdToken");
  const wcKey = canary("WcKey");
  const naKey = canary("NaKey");
  const dirs = {
    tensordock: path.join(options.dataDir, "tensordock"),
    walletcrew: path.join(options.dataDir, "walletcrew"),
    netactuate: path.join(options.dataDir, "netactuate"),
  };
  const tensordock = await startTensorDockSandbox({
    dataDir: dirs.tensordock,
    key,
    tokens: [token],
    rateLimit: false,
  });
  const walletcrew = await startWalletCrewSandbox({
    dataDir: dirs.walletcrew,
    key,
    tenants: [{ id: TRIO_TENANT, keys: [{ key: wcKey, scopes: ["Secret.Read", "Secret.Write"] }] }],
    ...(options.walletCrewClock ? { clock: options.walletCrewClock } : {}),
  });
  const netactuate = await startNetActuateSandbox({ dataDir: dirs.netactuate, key, apiKeys: [naKey] });
  // A second connection on the TensorDock file, opened once, so a peek never races the emulator's open.
  const peek = openStore({ dataDir: dirs.tensordock, fileName: "tensordock.db", key });

  return {
    tensordock,
    walletcrew,
    netactuate,
    dataDir: options.dataDir,
    credentials: {
      tensordock: { baseUrl: tensordock.baseUrl, apiToken: token },
      walletcrew: { baseUrl: walletcrew.baseUrl, apiKey: wcKey, tenantId: TRIO_TENANT },
      netactuate: { baseUrl: netactuate.baseUrl, apiKey: naKey },
    },
    env: (urls = {}) => ({
      TENSORDOCK_API_TOKEN: token,
      TENSORDOCK_BASE_URL: urls.tensordock ?? tensordock.baseUrl,
      WALLETCREW_API_KEY: wcKey,
      WALLETCREW_TENANT_ID: TRIO_TENANT,
      WALLETCREW_BASE_URL: urls.walletcrew ?? walletcrew.baseUrl,
      NETACTUATE_API_KEY: naKey,
      NETACTUATE_BASE_URL: urls.netactuate ?? netactuate.baseUrl,
    }),
    clients: () => ({
      tensordock: new TensorDockClient({ baseUrl: tensordock.baseUrl, apiToken: token, rateLimit: false }),
      walletcrew: new WalletCrewClient({
        baseUrl: walletcrew.baseUrl,
        apiKey: wcKey,
        tenantId: TRIO_TENANT,
        rateLimit: false,
      }),
      netactuate: new NetActuateClient({ baseUrl: netactuate.baseUrl, apiKey: naKey, rateLimit: false }),
    }),
    objects: () => {
      const td = tensordock.secrets();
      return {
        sshKeys: td.filter((s) => s.type === "SSHKEY").map((s) => ({ id: s.id, name: s.name })),
        secrets: td.filter((s) => s.type !== "SSHKEY").map((s) => ({ id: s.id, name: s.name })),
        tenantSecrets: walletcrew
          .secrets(TRIO_TENANT)
          .map((s) => ({ id: `${TRIO_TENANT}/${s.key}`, name: s.key })),
        lists: netactuate.lists().map((l) => ({ id: String(l.id), name: l.name })),
        values: netactuate.values().map((v) => ({ id: String(v.id), name: v.key })),
      };
    },
    tensorDockValues: () => {
      const rows = peek.db.prepare("SELECT id, value FROM secrets").all() as { id: string; value: string }[];
      return new Map(rows.map((row) => [row.id, peek.open(row.value, `secrets/${row.id}`)]));
    },
    clearFaults: () => {
      tensordock.faults.clear();
      walletcrew.faults.clear();
      netactuate.faults.clear();
    },
    close: async () => {
      peek.close();
      await Promise.all([tensordock.close(), walletcrew.close(), netactuate.close()]);
    },
  };
}
