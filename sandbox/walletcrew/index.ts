/**
 * The Wallet Crew emulator: tenant secrets on a real HTTP server on loopback, with tenant-scoped API keys and
 * scopes, validity periods evaluated at request time, values encrypted at rest, and RFC 7807 errors.
 */
import { createHmac } from "node:crypto";
import {
  createApp,
  FaultInjector,
  listen,
  loadOrCreateKey,
  openStore,
  type SandboxCommonOptions,
  type SandboxStats,
} from "../core";
import { credentialOf, KeyRing, type Scope, type WalletCrewTenant } from "./auth";
import { PROBLEM_CONTENT_TYPE, problemBody } from "./problem";
import { registerRoutes, type ValueEncoding } from "./routes";
import { type SecretInfo, SecretTable } from "./store";

export type { Scope, WalletCrewTenant } from "./auth";
export { type Problem, problemBody } from "./problem";
export type { SecretInfo } from "./store";

/** Options of {@link startWalletCrewSandbox}. */
export interface WalletCrewSandboxOptions extends SandboxCommonOptions {
  /**
   * Tenants, their API keys and scopes.
   * @default tenant "demo" and tenant "demo-eu", each with one key holding both scopes (keys derived from the
   * sandbox key, so a sandbox on the same data directory keeps its keys)
   */
  tenants?: WalletCrewTenant[];
  /**
   * How GET answers a value: `"json"` (a JSON string; text/plain only when the client asks for nothing else)
   * or `"text"` (always text/plain), to prove clients read both.
   * @default "json"
   */
  valueEncoding?: ValueEncoding;
}

/** A running Wallet Crew emulator. */
export interface WalletCrewSandbox {
  /** `http://127.0.0.1:<port>`, the form of the production base URL (the API lives under `/api/`). */
  baseUrl: string;
  /** The first API key of the first tenant. */
  apiKey: string;
  /** The first tenant's id. */
  tenantId: string;
  /** Every tenant with its keys and scopes. */
  tenants: WalletCrewTenant[];
  /** Fault injection (latency, status bursts, dropped answers). */
  faults: FaultInjector;
  /** Request counts by route template and status. */
  stats(): SandboxStats;
  /** Keys and validity of a tenant's secrets, never values. */
  secrets(tenantId: string): SecretInfo[];
  /** Stops the server and closes the database. */
  close(): Promise<void>;
}

const FULL_SCOPE: Scope[] = ["Secret.Read", "Secret.Write"];

/** A stable credential derived from the sandbox key (the same derivation the combined sandbox uses). */
function derivedKey(key: Buffer, label: string): string {
  return `${label}_${createHmac("sha256", key).update(label).digest("base64url").slice(0, 32)}`;
}

/** Starts the emulator and resolves once it listens. */
export async function startWalletCrewSandbox(
  options: WalletCrewSandboxOptions = {},
): Promise<WalletCrewSandbox> {
  const key = options.key ?? loadOrCreateKey(options.dataDir);
  const clock = options.clock ?? Date.now;
  const tenants = options.tenants ?? [
    { id: "demo", keys: [{ key: derivedKey(key, "wc"), scopes: [...FULL_SCOPE] }] },
    { id: "demo-eu", keys: [{ key: derivedKey(key, "wceu"), scopes: [...FULL_SCOPE] }] },
  ];
  const first = tenants[0];
  const firstKey = first?.keys[0];
  if (first === undefined || firstKey === undefined) {
    throw new Error("the Wallet Crew sandbox needs at least one tenant with at least one API key");
  }
  const keyRing = new KeyRing(tenants);
  const store = openStore({
    fileName: "walletcrew.db",
    key,
    ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
  });
  try {
    const table = new SecretTable(store, clock);
    const faults = new FaultInjector();
    const app = createApp({
      name: "The Wallet Crew",
      errorBody: problemBody,
      errorContentType: PROBLEM_CONTENT_TYPE,
      credentialOf,
      faults,
      log: options.log,
      // No throttling is documented for The Wallet Crew, so none unless a test asks for it.
      rateLimit: options.rateLimit ?? false,
      clock,
    });
    registerRoutes(app, { keyRing, table, valueEncoding: options.valueEncoding ?? "json" });
    const listening = await listen(app, { host: options.host, port: options.port });
    return {
      baseUrl: listening.origin,
      apiKey: firstKey.key,
      tenantId: first.id,
      tenants: tenants.map((t) => ({
        id: t.id,
        keys: t.keys.map((k) => ({ key: k.key, scopes: [...k.scopes] })),
      })),
      faults,
      stats: () => app.sandbox.stats(),
      secrets: (tenantId) => table.describe(tenantId),
      close: async () => {
        try {
          await listening.close();
        } finally {
          store.close();
        }
      },
    };
  } catch (error) {
    store.close();
    throw error;
  }
}
