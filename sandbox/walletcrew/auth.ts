/**
 * Tenants, their API keys and scopes. A key works for one tenant only, and only for what its scopes allow:
 * `Secret.Read` lists and reads, `Secret.Write` stores and deletes.
 */
import type { FastifyRequest } from "fastify";
import { SandboxHttpError } from "../core";

/** A scope an API key may hold. */
export type Scope = "Secret.Read" | "Secret.Write";

/** A tenant of the emulator and its API keys. */
export interface WalletCrewTenant {
  id: string;
  keys: { key: string; scopes: Scope[] }[];
}

interface Grant {
  tenantId: string;
  scopes: ReadonlySet<Scope>;
}

/** The API keys of every tenant, by key. */
export class KeyRing {
  private readonly grants = new Map<string, Grant>();

  constructor(tenants: readonly WalletCrewTenant[]) {
    const ids = new Set<string>();
    for (const tenant of tenants) {
      if (!/^[A-Za-z0-9_.-]{1,128}$/.test(tenant.id) || tenant.id === "." || tenant.id === "..") {
        throw new Error("a Wallet Crew sandbox tenant id must be 1 to 128 letters, digits, '.', '-' or '_'");
      }
      if (ids.has(tenant.id)) throw new Error(`the Wallet Crew sandbox tenant ${tenant.id} is listed twice`);
      ids.add(tenant.id);
      for (const { key, scopes } of tenant.keys) {
        // The key itself is never named: it is a credential.
        if (key.length < 8) throw new Error(`an API key of tenant ${tenant.id} is shorter than 8 characters`);
        if (this.grants.has(key))
          throw new Error("an API key is listed for two tenants; keys are tenant-scoped");
        this.grants.set(key, { tenantId: tenant.id, scopes: new Set(scopes) });
      }
    }
  }

  /**
   * Decides whether `credential` may use `scope` on `tenantId`: 401 without a credential or with an unknown
   * one, 403 with a key of another tenant or without the scope.
   */
  authorize(credential: string | undefined, tenantId: string, scope: Scope): void {
    if (credential === undefined) {
      throw new SandboxHttpError(
        401,
        "no API key: send the X-API-KEY header (or Authorization: Bearer <token>)",
      );
    }
    const grant = this.grants.get(credential);
    if (grant === undefined) throw new SandboxHttpError(401, "the API key is invalid or has been revoked");
    if (grant.tenantId !== tenantId) {
      throw new SandboxHttpError(403, "this API key belongs to another tenant");
    }
    if (!grant.scopes.has(scope)) throw new SandboxHttpError(403, `this API key lacks the ${scope} scope`);
  }
}

/** The credential of a request: `X-API-KEY`, else a bearer token (the OAuth2 stand-in). */
export function credentialOf(request: FastifyRequest): string | undefined {
  const header = request.headers["x-api-key"];
  const apiKey = Array.isArray(header) ? header[0] : header;
  if (apiKey !== undefined && apiKey !== "") return apiKey;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(request.headers.authorization ?? "");
  return match?.[1];
}
