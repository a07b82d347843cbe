/**
 * sdk/core: the one request path shared by the TensorDock, The Wallet Crew and NetActuate clients.
 * See "sdk/core contract" in ARCHITECTURE.md.
 */
export {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  EntitlementError,
  type ErrorContext,
  type ErrorInit,
  errorFor,
  errorFromStatus,
  isOutcomeUnknown,
  mayHaveTakenEffect,
  NotFoundError,
  OUTCOME_UNKNOWN,
  PermissionDeniedError,
  RateLimitError,
  ResponseValidationError,
  SecretstackError,
  ServerError,
  StatusSignal,
  TimeoutError,
} from "./errors";
export { RateLimiter, SlotDeadlineError, sharedRateLimiter } from "./rateLimiter";
export {
  DEFAULT_QUEUE_DEADLINE_MS,
  type DeadlineOptions,
  QUEUE_DEADLINE_ENV,
  queueDeadlineMs,
  withDeadline,
} from "./deadline";
export {
  closeSharedRateLimits,
  DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
  DEFAULT_REDIS_KEY_PREFIX,
} from "./redisLink";
export { withoutTrailingSlash } from "./encode";
export { scrub } from "./redact";
export { DEFAULT_DEADLINE_MS, DEFAULT_TIMEOUT_MS, HttpClient, realSleep, systemClock } from "./request";
export { type ApiProfile, apiHttpClient, pickTransportOptions } from "./apiClient";
export { defaultDescribeError } from "./response";
export { isIdempotent, RETRY_DEFAULTS, shouldRetry } from "./retry";
export type {
  ApiName,
  Auth,
  Clock,
  CredentialHint,
  ErrorDescription,
  HttpClientOptions,
  HttpMethod,
  RateLimitOptions,
  SharedRateLimitOptions,
  RequestEvent,
  WaitEvent,
  RequestOptions,
  RetryOptions,
  Sleep,
  TransportOptions,
} from "./types";
