/**
 * The shared core of the sandbox emulators: the fastify app factory, the encrypted SQLite store, the key,
 * the rate limiter, fault injection, request stats and `listen()`. Shares no code with the sdk clients.
 */
export { ADMIN_PREFIX } from "./admin";
export {
  type CreateAppOptions,
  createApp,
  DEFAULT_BODY_LIMIT,
  type SandboxApp,
  type SandboxControls,
} from "./app";
export {
  type ErrorBody,
  type ErrorFields,
  SandboxHttpError,
  SandboxIntegrityError,
  SandboxKeyError,
} from "./errors";
export {
  type BurstOptions,
  FaultInjector,
  type FaultMatch,
  type FaultSnapshot,
  type FaultSpec,
  faultSpecSchema,
  type PendingFault,
} from "./faults";
export { KEY_FILE_NAME, loadOrCreateKey, parseSandboxKey, SANDBOX_KEY_ENV } from "./key";
export { type Listening, type ListenOptions, listen } from "./listen";
export type { SandboxCommonOptions } from "./options";
export { type RateLimitDecision, RateLimiter, type RateLimitOptions, rateLimitHeaders } from "./rate-limit";
export {
  assertSupportedNode,
  exitOnUnsupportedNode,
  loadSqlite,
  MIN_NODE_VERSION,
  unsupportedNode,
} from "./runtime";
export { UNMATCHED, UNPARSED } from "./requestLog";
export { createSealer, type Sealer } from "./seal";
export { RequestStats, type SandboxStats } from "./stats";
export { type EncryptedStore, type OpenStoreOptions, openStore } from "./store";
