/**
 * The pure half of `TenantSecret`: `check` (validate and normalize inputs) and `diff` (what a change means).
 * Neither touches the network, so previews stay offline and fast.
 */
import { type CheckFailure, type CheckResult, compact, readSetting, UNKNOWN, zodFailures } from "../kit";
import { WALLETCREW_SETTINGS } from "./connection";
import { type Connection, type Inputs, inputsSchema, isPast, type Outputs, sameInstant } from "./schema";

/** Keys the resource class registers as outputs; they may come back in `news` and are not inputs. */
const OUTPUT_ONLY = new Set(["__provider", "expired", "schemaVersion", "id", "urn"]);

/** The tenant of a resource: the arg, then `connection.tenantId`, then stack config, then the environment. */
export function resolveTenant(
  tenantArg: string | undefined,
  connection: Connection | typeof UNKNOWN | undefined,
): string | undefined {
  if (tenantArg !== undefined) return tenantArg;
  if (connection === UNKNOWN) return UNKNOWN;
  const resolved = readSetting("The Wallet Crew", WALLETCREW_SETTINGS.tenantId, connection?.tenantId);
  return resolved === undefined ? undefined : String(resolved);
}

/**
 * Validates and normalizes inputs. No network. Failures name the property and say what to do; values still
 * unknown at preview pass. An `expiresOn` already in the past fails only when it is new or changed (or the
 * secret itself is new: another key or tenant), never for an unchanged one: a secret that has expired since
 * the last `up` must not make every later `up` of the stack fail, and refresh/destroy must keep working.
 */
export function checkInputs(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  now: number,
): CheckResult<Inputs> {
  const given: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(news)) {
    // Defined, not assigned: an own `__proto__` input must stay an unknown argument, not become the prototype.
    if (!OUTPUT_ONLY.has(k) && v !== undefined) {
      Object.defineProperty(given, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
  }
  const parsed = inputsSchema.safeParse(given);
  if (!parsed.success)
    return { failures: zodFailures(parsed.error, inputsSchema, "walletcrew.TenantSecret") };
  const args = parsed.data;
  const failures: CheckFailure[] = [];

  let tenantId: string | undefined;
  try {
    tenantId = resolveTenant(args.tenantId, args.connection);
  } catch (error) {
    // Present but empty (stack config "", WALLETCREW_TENANT_ID=): the message names where it came from.
    failures.push({ property: "tenantId", reason: error instanceof Error ? error.message : "is unusable" });
    tenantId = "";
  }
  if (tenantId === undefined) {
    failures.push({
      property: "tenantId",
      reason:
        "no tenant: set the tenantId argument, connection.tenantId, the walletcrew:tenantId stack config, " +
        "or the WALLETCREW_TENANT_ID environment variable",
    });
  }

  const known = (v: string | undefined): v is string => v !== undefined && v !== UNKNOWN;
  if (
    known(args.notBefore) &&
    known(args.expiresOn) &&
    Date.parse(args.notBefore) >= Date.parse(args.expiresOn)
  ) {
    failures.push({ property: "notBefore", reason: "notBefore must be before expiresOn" });
  }
  if (known(args.expiresOn) && isPast(args.expiresOn, now)) {
    const oldExpiry = typeof olds.expiresOn === "string" ? olds.expiresOn : undefined;
    const sameSecret = olds.key === args.key && olds.tenantId === tenantId;
    if (!sameSecret || !sameInstant(oldExpiry, args.expiresOn)) {
      failures.push({
        property: "expiresOn",
        reason:
          `expiresOn ${args.expiresOn} is already in the past: set a future date, or remove expiresOn ` +
          "for a secret that never expires",
      });
    }
  }
  if (failures.length > 0 || tenantId === undefined) return { failures };

  const inputs: Inputs = compact({
    key: args.key,
    value: args.value,
    tenantId,
    adopt: args.adopt ?? false,
    expiresOn: args.expiresOn,
    notBefore: args.notBefore,
    connection: normalizeConnection(args.connection),
  });
  return { inputs };
}

function normalizeConnection(
  c: Connection | typeof UNKNOWN | undefined,
): Connection | typeof UNKNOWN | undefined {
  if (c === undefined || c === UNKNOWN) return c;
  const out = compact({ ...c });
  return Object.keys(out).length > 0 ? out : undefined;
}

/** What `diff` tells the engine. */
export interface DiffResult {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
}

function sameConnection(a: Outputs["connection"], b: Inputs["connection"]): boolean {
  if (b === UNKNOWN) return false;
  return a?.apiKey === b?.apiKey && a?.tenantId === b?.tenantId && a?.baseUrl === b?.baseUrl;
}

/**
 * Compares stored outputs with checked inputs. Pure. A new key or tenant is another secret, so it replaces;
 * a value or validity change updates in place (one PUT). A connection change (a rotated API key, a new base
 * URL) updates what state records for later refresh and destroy, and never replaces. `adopt` only matters
 * when creating, so changing it alone is no change.
 *
 * Replacement is create-before-delete. Create is an upsert addressed by `tenant/key`; deleting after it is
 * safe because a replacement always has another key or another tenant than the secret it replaces, so the
 * delete can never remove the secret just created, and there is no moment without a secret.
 */
export function diffOutputs(olds: Outputs, news: Inputs): DiffResult {
  const replaces: string[] = [];
  if (news.key !== olds.key) replaces.push("key");
  if (news.tenantId !== olds.tenantId) replaces.push("tenantId");
  const updates =
    news.value !== olds.value ||
    !sameInstant(olds.expiresOn, news.expiresOn) ||
    !sameInstant(olds.notBefore, news.notBefore) ||
    !sameConnection(olds.connection, news.connection);
  return { changes: replaces.length > 0 || updates, replaces, deleteBeforeReplace: false };
}
