/**
 * The NetActuate Secret Manager emulator: a real HTTP server on loopback serving secret lists and values
 * under `/api/secrets`, every answer in the `{result, message, data, code, fields}` envelope (or, as a setting,
 * one of the variants NetActuate's SDKs read), values sealed at rest in `<dataDir>/netactuate.db` (or memory).
 */
import { randomBytes } from "node:crypto";
import {
  createApp,
  FaultInjector,
  listen,
  loadOrCreateKey,
  openStore,
  type SandboxCommonOptions,
  type SandboxStats,
} from "../core";
import { envelopeWriter, type NetActuateEnvelope } from "./envelope";
import { API_PREFIX, credentialOf, registerRoutes } from "./routes";
import { type ListRecord, NetActuateStore, type ValueEntry } from "./store";

export { NETACTUATE_ENVELOPES, type NetActuateEnvelope } from "./envelope";
export type { ListRecord as NetActuateListEntry, ValueEntry as NetActuateValueEntry } from "./store";

/** Options of {@link startNetActuateSandbox}. */
export interface NetActuateSandboxOptions extends SandboxCommonOptions {
  /** API keys the emulator accepts. @default one random key, returned as `apiKey` */
  apiKeys?: string[];
  /**
   * The shape of every answer: the house envelope, or a variant NetActuate's SDKs read (`result`, `code`,
   * `sparse`; see {@link NetActuateEnvelope}), so a client's tolerance is tested end to end.
   * @default "house"
   */
  envelope?: NetActuateEnvelope;
  /** Items per page of the `sparse` variant's paginated collections. @default 25 */
  pageSize?: number;
}

/** A running NetActuate emulator. */
export interface NetActuateSandbox {
  /** `http://127.0.0.1:<port>/api/`, written as NetActuate's SDKs write `https://vapi2.netactuate.com/api/`. */
  baseUrl: string;
  /** The first accepted API key. */
  apiKey: string;
  /** Fault injection (latency, error bursts, drops before or after commit). */
  faults: FaultInjector;
  /** Request counts by `"METHOD /template"` and status. */
  stats(): SandboxStats;
  /** Ids and names of every list. */
  lists(): ListRecord[];
  /** Ids, keys and list ids of every value; never the plaintext. */
  values(): ValueEntry[];
  /** Stops the server and closes the database. */
  close(): Promise<void>;
}

/** Starts the emulator on loopback and resolves once it accepts connections. Rate limiting is off by default. */
export async function startNetActuateSandbox(
  options: NetActuateSandboxOptions = {},
): Promise<NetActuateSandbox> {
  const apiKeys = options.apiKeys ?? [`na_${randomBytes(24).toString("base64url")}`];
  const apiKey = apiKeys[0];
  if (apiKey === undefined) throw new Error("startNetActuateSandbox: apiKeys must hold at least one key");
  const pageSize = options.pageSize ?? 25;
  if (!(Number.isInteger(pageSize) && pageSize >= 1)) {
    throw new Error("startNetActuateSandbox: pageSize must be a whole number of at least 1");
  }
  const envelope = envelopeWriter(options.envelope ?? "house");
  const key = options.key ?? loadOrCreateKey(options.dataDir);
  const encrypted = openStore({
    ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
    fileName: "netactuate.db",
    key,
  });
  try {
    const store = new NetActuateStore(encrypted);
    const faults = new FaultInjector();
    const app = createApp({
      name: "NetActuate",
      errorBody: envelope.error,
      httpStatusOf: envelope.httpStatusOf,
      credentialOf,
      faults,
      log: options.log,
      rateLimit: options.rateLimit ?? false,
      clock: options.clock,
    });
    registerRoutes(app, store, apiKeys, { envelope, pageSize });
    const listening = await listen(app, { host: options.host, port: options.port });
    let closed: Promise<void> | undefined;
    return {
      baseUrl: `${listening.origin}${API_PREFIX}/`,
      apiKey,
      faults,
      stats: () => app.sandbox.stats(),
      lists: () => store.lists(),
      values: () => store.valueEntries(),
      close: () => {
        closed ??= listening.close().finally(() => encrypted.close());
        return closed;
      },
    };
  } catch (error) {
    encrypted.close();
    throw error;
  }
}
