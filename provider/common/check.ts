import type { z } from "zod";

/** A check failure as the dynamic-provider host expects it. */
export interface CheckFailure {
  property: string;
  reason: string;
}

/** The result of a provider's `check`: normalized inputs or failures naming each property. */
export interface CheckResult<T> {
  inputs?: T;
  failures?: CheckFailure[];
}

/**
 * Turns a zod error on resource inputs into check failures, one per issue, each naming the property path
 * (`connection.baseUrl`, `publicKey`). The reason is the schema's message, which never quotes the input.
 * An unknown argument (a strict object's unrecognized key) is named itself, one failure per key, so a typo
 * points at the misspelled property rather than at the inputs as a whole.
 */
export function zodFailures(error: z.ZodError): CheckFailure[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        property: [...path, key].join("."),
        reason: "is not a known argument: check its spelling",
      }));
    }
    return [{ property: path.length > 0 ? path.join(".") : "(inputs)", reason: issue.message }];
  });
}

/** True when a value is still unknown at preview (Pulumi sends this sentinel for unresolved outputs). */
export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN;
}

/** The sentinel the Pulumi engine uses for values not known until apply. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
