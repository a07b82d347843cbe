/**
 * The sandbox: local emulators of the TensorDock, The Wallet Crew and NetActuate secrets APIs, for trying
 * stacks and testing them in CI without vendor accounts.
 */
import { createHmac } from "node:crypto";
import { assertSupportedNode, loadOrCreateKey } from "./core";
import { type NetActuateEnvelope, startNetActuateSandbox } from "./netactuate";
import { startTensorDockSandbox } from "./tensordock";
import { startWalletCrewSandbox } from "./walletcrew";
import type { SandboxEndpoints } from "./env-file";

export * from "./netactuate";
export * from "./tensordock";
export * from "./walletcrew";
export { environmentOf, type SandboxEndpoints } from "./env-file";

/** A per-API rate limit: `limit` requests per `windowMs` per credential, or `false` for none. */
export type SandboxRateLimit = { limit: number; windowMs: number } | false;

/** A tenant of the Wallet Crew emulator and its API keys with their scopes. */
export interface SandboxTenant {
  id: string;
  keys: { key: string; scopes: ("Secret.Read" | "Secret.Write")[] }[];
}

/** Options of {@link startSandbox}; every field is optional. */
export interface SandboxOptions {
  /** First port; the emulators use `port`, `port + 1`, `port + 2`. @default 0 (any free ports) */
  port?: number;
  /** Directory for the encrypted databases and the key file. @default undefined (memory only) */
  dataDir?: string;
  /** Shape of TensorDock responses. @default "seed" (the seed OpenAPI document) */
  tensordockDialect?: "seed" | "vendor";
  /** TensorDock bearer tokens accepted. @default one token derived from the sandbox key */
  tensordockTokens?: string[];
  /** Wallet Crew tenants, keys and scopes. @default tenants "demo" and "demo-eu", one full-scope key each */
  walletcrewTenants?: SandboxTenant[];
  /** NetActuate API keys accepted. @default one key derived from the sandbox key */
  netactuateApiKeys?: string[];
  /**
   * Shape of NetActuate answers: the house envelope, or a variant NetActuate's SDKs read (`result`, `code`,
   * `sparse`), to test a client's tolerance end to end. @default "house"
   */
  netactuateEnvelope?: NetActuateEnvelope;
  /** Rate limits per API. @default TensorDock 100/min (the vendor's published limit); others off */
  rateLimits?: {
    tensordock?: SandboxRateLimit;
    walletcrew?: SandboxRateLimit;
    netactuate?: SandboxRateLimit;
  };
  /** Receives one line per request: method, templated path, status, duration. */
  log?: (line: string) => void;
}

/** A running sandbox: its endpoints and credentials, the three emulators, and `close()`. */
export interface Sandbox extends SandboxEndpoints {
  emulators: {
    tensordock: Awaited<ReturnType<typeof startTensorDockSandbox>>;
    walletcrew: Awaited<ReturnType<typeof startWalletCrewSandbox>>;
    netactuate: Awaited<ReturnType<typeof startNetActuateSandbox>>;
  };
  /** Stops the three emulators and closes their databases. */
  close(): Promise<void>;
}

/**
 * Derives a stable credential from the sandbox key, so a sandbox on the same data directory accepts the
 * same credentials after a restart without storing them anywhere.
 */
function derivedCredential(key: Buffer, label: string): string {
  return `${label}_${createHmac("sha256", key).update(label).digest("base64url").slice(0, 32)}`;
}

/** Starts the three emulators on loopback and resolves once all of them listen. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  // Rejects in one line on a Node.js without node:sqlite, before any emulator starts.
  assertSupportedNode();
  const key = loadOrCreateKey(options.dataDir);
  const port = options.port ?? 0;
  const portOf = (offset: number) => (port === 0 ? 0 : port + offset);
  const common = {
    key,
    ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
  };
  // Three emulators share one log: each line says which API it is about.
  const logFor = (api: string) => {
    const log = options.log;
    return log === undefined ? {} : { log: (line: string) => log(`${api} ${line}`) };
  };
  const limits = options.rateLimits ?? {};
  const started: { close(): Promise<void> }[] = [];
  try {
    const tensordock = await startTensorDockSandbox({
      ...common,
      ...logFor("tensordock"),
      port: portOf(0),
      dialect: options.tensordockDialect ?? "seed",
      tokens: options.tensordockTokens ?? [derivedCredential(key, "td")],
      ...(limits.tensordock !== undefined ? { rateLimit: limits.tensordock } : {}),
    });
    started.push(tensordock);
    const walletcrew = await startWalletCrewSandbox({
      ...common,
      ...logFor("walletcrew"),
      port: portOf(1),
      tenants: options.walletcrewTenants ?? [
        {
          id: "demo",
          keys: [{ key: derivedCredential(key, "wc"), scopes: ["Secret.Read", "Secret.Write"] }],
        },
        {
          id: "demo-eu",
          keys: [{ key: derivedCredential(key, "wceu"), scopes: ["Secret.Read", "Secret.Write"] }],
        },
      ],
      ...(limits.walletcrew !== undefined ? { rateLimit: limits.walletcrew } : {}),
    });
    started.push(walletcrew);
    const netactuate = await startNetActuateSandbox({
      ...common,
      ...logFor("netactuate"),
      port: portOf(2),
      apiKeys: options.netactuateApiKeys ?? [derivedCredential(key, "na")],
      ...(options.netactuateEnvelope !== undefined ? { envelope: options.netactuateEnvelope } : {}),
      ...(limits.netactuate !== undefined ? { rateLimit: limits.netactuate } : {}),
    });
    started.push(netactuate);
    return {
      tensordock: { baseUrl: tensordock.baseUrl, apiToken: tensordock.apiToken },
      walletcrew: { baseUrl: walletcrew.baseUrl, apiKey: walletcrew.apiKey, tenantId: walletcrew.tenantId },
      netactuate: { baseUrl: netactuate.baseUrl, apiKey: netactuate.apiKey },
      emulators: { tensordock, walletcrew, netactuate },
      close: async () => {
        await Promise.all(started.map((s) => s.close()));
      },
    };
  } catch (error) {
    await Promise.allSettled(started.map((s) => s.close()));
    throw error;
  }
}

/** The endpoints of a sandbox as the one JSON line the CLI prints and `npm start` reads. */
export function endpointsOf(sandbox: SandboxEndpoints): SandboxEndpoints {
  return {
    tensordock: { baseUrl: sandbox.tensordock.baseUrl, apiToken: sandbox.tensordock.apiToken },
    walletcrew: {
      baseUrl: sandbox.walletcrew.baseUrl,
      apiKey: sandbox.walletcrew.apiKey,
      tenantId: sandbox.walletcrew.tenantId,
    },
    netactuate: { baseUrl: sandbox.netactuate.baseUrl, apiKey: sandbox.netactuate.apiKey },
  };
}
