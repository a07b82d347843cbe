/** Pieces shared by the two TensorDock providers: connection comparison and remote contexts. */
import { isUnknown, withContext } from "../kit";
import { clientFor, resolveConnection, type TensorDockConnection } from "./connection";
import type { RemoteContext } from "./lifecycle";

/** True when two `connection` values are the same (absent and `{}` are the same; unknown never is). */
export function sameConnection(a: unknown, b: unknown): boolean {
  if (isUnknown(a) || isUnknown(b)) return false;
  const norm = (c: unknown) => {
    if (c === undefined || c === null || typeof c !== "object") return "{}";
    const { apiToken, baseUrl } = c as TensorDockConnection;
    return JSON.stringify([apiToken ?? null, baseUrl ?? null]);
  };
  return norm(a) === norm(b);
}

/** A remote context for one call; missing credentials are reported with the context in front. */
export function remote(connection: TensorDockConnection | undefined, context: string): RemoteContext {
  try {
    const resolved = resolveConnection(connection);
    return { client: clientFor(resolved), account: resolved.account, context };
  } catch (error) {
    throw withContext(context, error);
  }
}

/** `tensordock:<Resource> "<name>"`, or the id when the name is not known (an import). */
export function describe(resource: string, name: string | undefined, id?: string): string {
  const subject = name !== undefined ? JSON.stringify(name) : id !== undefined ? `id ${id}` : "(unnamed)";
  return `tensordock:${resource} ${subject}`;
}
