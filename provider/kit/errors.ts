/**
 * One error vocabulary for every resource: a provider method that fails throws a {@link ResourceError}
 * whose message says what was being done to which object, then why: `creating tensordock:GenericSecret
 * "hf-token": 401 from TensorDock POST /secrets: the token was rejected; set …`. The reason is the message of
 * an sdk or provider error, which carry only safe text (never a token or a value); anything else is reduced
 * to its message, never its cause. The sdk error's API, status and class name stay readable as fields.
 */
import { SecretstackError } from "../../sdk/core";

/** A failed provider step, with what it was doing in front. */
export class ResourceError extends Error {
  override readonly name = "ResourceError";
  /** The API of the sdk error behind it, if one is. */
  readonly api?: string;
  /** The HTTP status of the sdk error behind it, if it had one. */
  readonly status?: number;
  /** The class name of the error behind it (e.g. `NotFoundError`, `SettingError`). */
  readonly reason: string;

  /** `context` alone is the whole message; with `error`, the error's message follows it. */
  constructor(context: string, error?: unknown) {
    const message =
      error === undefined ? undefined : error instanceof Error ? error.message : "unexpected failure";
    // An error already carrying this context (a nested step) is not prefixed twice.
    super(
      message === undefined || message.startsWith(`${context}: `) || message === context
        ? (message ?? context)
        : `${context}: ${message}`,
    );
    this.reason =
      error instanceof ResourceError ? error.reason : error instanceof Error ? error.name : "ResourceError";
    const source =
      error instanceof ResourceError ? error : error instanceof SecretstackError ? error : undefined;
    if (source?.api !== undefined) this.api = source.api;
    if (source?.status !== undefined) this.status = source.status;
  }
}

/** Runs one provider step; any failure is rethrown as a {@link ResourceError} with `context` in front. */
export async function step<T>(context: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw new ResourceError(context, error);
  }
}
