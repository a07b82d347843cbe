/** Options every emulator's `start<Api>Sandbox()` accepts. */
import type { RateLimitOptions } from "./rate-limit";

/** The options shared by the three emulators; each adds its own (credentials, dialect, …). */
export interface SandboxCommonOptions {
  /** Loopback address to listen on. @default "127.0.0.1" */
  host?: string;
  /** Port to listen on. @default 0 (any free port) */
  port?: number;
  /** Directory of the encrypted database and the key file. @default undefined (SQLite in memory) */
  dataDir?: string;
  /** The 32-byte key that encrypts the data. @default loadOrCreateKey(dataDir) */
  key?: Buffer;
  /** Requests per window per credential, or `false` for none. @default per emulator */
  rateLimit?: RateLimitOptions | false;
  /** Receives one line per request: `METHOD /templated/path STATUS 12ms`. @default no log */
  log?: (line: string) => void;
  /** Clock of the rate limiter and of time-dependent rules (e.g. expiry), epoch ms. @default Date.now */
  clock?: () => number;
}
