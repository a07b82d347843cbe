// Rotating a secret the way The Wallet Crew recommends: write each generation under a new key, keep the
// previous key for a grace period so running clients can switch over, then delete it. The same rotation can run
// in several tenants, each with its own tenant-scoped API key; by default it runs in the provider's one tenant.
//
// Driven by stack config, or by environment variables (handy in CI):
//   generation  ROTATION_GENERATION   the current generation: 1, 2, 3, ...            (default 1)
//   rotatedAt   ROTATION_ROTATED_AT   when the current generation was rolled out, ISO 8601 (required from 2 on)
//   graceHours  ROTATION_GRACE_HOURS  how long the previous key stays after rotatedAt (default 24)
//   tenants     ROTATION_TENANTS      tenant ids, comma-separated, e.g. "demo,demo-eu" (default: the one tenant
//                                     of walletcrew:tenantId or WALLETCREW_TENANT_ID, "demo" in the sandbox)
//   keyName     ROTATION_KEY_NAME     base name of the keys                          (default "webhook-signing")
//   apiKeys     (secret object)       API key per tenant, e.g. {"demo": "...", "demo-eu": "..."}; otherwise
//               WALLETCREW_API_KEY_<TENANT> (upper case, '-' as '_'), otherwise WALLETCREW_API_KEY
//   seed        (secret)              the demo derives each generation's value from it; real stacks pass the
//                                     values their issuer hands out
//
// To rotate: raise `generation` and set `rotatedAt` to now, then `pulumi up` (new key created, old key kept and
// given an expiry at the end of the grace period, so The Wallet Crew stops serving it even if nobody runs
// `up`). Once the grace period is over, `pulumi up` deletes the old key. Outside a grace period, the
// previousKey and previousExpiresOn outputs are null.
import { createHmac } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { walletcrew } from "pulumi-secretstack";

const config = new pulumi.Config();
const setting = (name: string, env: string): string | undefined =>
  config.get(name) ?? (process.env[env] || undefined);

const generation = Number(setting("generation", "ROTATION_GENERATION") ?? "1");
if (!Number.isInteger(generation) || generation < 1)
  throw new Error("generation must be a whole number from 1 up");
const graceHours = Number(setting("graceHours", "ROTATION_GRACE_HOURS") ?? "24");
if (!(graceHours >= 0)) throw new Error("graceHours must be a number of hours, 0 or more");
const rotatedAtText = setting("rotatedAt", "ROTATION_ROTATED_AT");
const rotatedAt = rotatedAtText === undefined ? Number.NaN : Date.parse(rotatedAtText);
if (generation > 1 && !Number.isFinite(rotatedAt)) {
  throw new Error(
    `set rotatedAt (or ROTATION_ROTATED_AT) to when generation ${generation} was rolled out (ISO 8601)`,
  );
}
const defaultTenant =
  new pulumi.Config("walletcrew").get("tenantId") ?? (process.env.WALLETCREW_TENANT_ID || undefined);
const tenants = (setting("tenants", "ROTATION_TENANTS") ?? defaultTenant ?? "")
  .split(",")
  .map((tenant) => tenant.trim())
  .filter((tenant) => tenant !== "");
if (tenants.length === 0) {
  throw new Error(
    "set tenants (or ROTATION_TENANTS) to the tenant ids to rotate in, or walletcrew:tenantId (or WALLETCREW_TENANT_ID) to one",
  );
}
const keyName = setting("keyName", "ROTATION_KEY_NAME") ?? "webhook-signing";
const apiKeys = config.getSecretObject<Record<string, string>>("apiKeys");
const seed = config.getSecret("seed") ?? pulumi.secret(process.env.ROTATION_SEED ?? "sandbox-rotation-seed");

// The previous generation stays until the grace period ends; it expires at The Wallet Crew at the same moment.
const graceEndsAt = generation > 1 ? new Date(rotatedAt + graceHours * 3_600_000) : undefined;
const keepPrevious = graceEndsAt !== undefined && graceEndsAt.getTime() > Date.now();

function apiKeyOf(tenant: string): pulumi.Input<string> | undefined {
  const fromEnv = process.env[`WALLETCREW_API_KEY_${tenant.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`];
  if (apiKeys !== undefined) return apiKeys.apply((keys) => keys[tenant] ?? fromEnv ?? "");
  return fromEnv === undefined || fromEnv === "" ? undefined : pulumi.secret(fromEnv);
}

function keyOf(n: number): string {
  return `${keyName}-v${n}`;
}

/** One generation's secret in one tenant; its value is derived from the seed (demo only). */
function generationSecret(tenant: string, n: number, expiresOn?: string): walletcrew.TenantSecret {
  const key = keyOf(n);
  const apiKey = apiKeyOf(tenant);
  return new walletcrew.TenantSecret(`${tenant}-${key}`, {
    tenantId: tenant,
    key,
    value: seed.apply((s) => createHmac("sha256", s).update(`${tenant}/${key}`).digest("base64url")),
    ...(expiresOn !== undefined ? { expiresOn } : {}),
    ...(apiKey !== undefined ? { connection: { apiKey } } : {}),
  });
}

const current = tenants.map((tenant) => generationSecret(tenant, generation));
const previous = keepPrevious
  ? tenants.map((tenant) => generationSecret(tenant, generation - 1, graceEndsAt.toISOString()))
  : [];

/** The key clients should use from now on. */
export const currentKey = keyOf(generation);
// Outputs are never undefined (Pulumi would drop them with a warning): null says "no previous key".
/** The key still accepted until the grace period ends, or null. */
export const previousKey = keepPrevious ? keyOf(generation - 1) : null;
/** When the previous key stops working, or null. */
export const previousExpiresOn = keepPrevious ? graceEndsAt.toISOString() : null;
/** Every managed secret, as `<tenantId>/<key>`. */
export const secretIds = [...current, ...previous].map((secret) => secret.id);
