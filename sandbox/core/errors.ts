/**
 * Errors of the sandbox core: a key that does not fit the data, a sealed record that fails authentication,
 * and the HTTP error an emulator route throws to answer through its API's own error format.
 */

/** Field-level validation messages, as each API reports them (`{ field: [message, …] }`). */
export type ErrorFields = Record<string, string[]>;

/**
 * Builds the JSON error body of one API (RFC 7807 problem details, a NetActuate envelope, …) from a status,
 * a safe message and optional field messages. The message never carries a token or a secret value.
 */
export type ErrorBody = (status: number, message: string, fields?: ErrorFields) => unknown;

/**
 * The sandbox key is malformed or does not match the data it is asked to open. Thrown instead of ever
 * returning garbage: a wrong key fails closed.
 */
export class SandboxKeyError extends Error {
  override readonly name = "SandboxKeyError";
}

/**
 * A sealed record failed authentication: its ciphertext or tag was changed, or it was opened under another
 * record identity (additional data) than it was sealed with.
 */
export class SandboxIntegrityError extends Error {
  override readonly name = "SandboxIntegrityError";
}

/**
 * Thrown by an emulator route (or hook) to answer `status` with `message` through the app's `errorBody`.
 * The message is sent to the client, so it must be safe: never a token or a secret value.
 */
export class SandboxHttpError extends Error {
  override readonly name = "SandboxHttpError";

  /**
   * @param status HTTP status, 400–599.
   * @param message Safe text for the client.
   * @param fields Field-level validation messages, passed to `errorBody`.
   * @param headers Extra response headers (e.g. `Retry-After`).
   */
  constructor(
    readonly status: number,
    message: string,
    readonly fields?: ErrorFields,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}
