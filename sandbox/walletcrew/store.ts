/**
 * Tenant secrets at rest: one row per (tenant, key). The value is sealed with the tenant and key bound as
 * additional data, so a sealed value copied onto another row fails to open; validity timestamps stay plain
 * and are evaluated at request time (no timers), so an injected clock moves expiry in tests.
 */
import type { EncryptedStore } from "../core";

/** A stored secret without its value: what the list and the in-process view show. */
export interface SecretInfo {
  key: string;
  /** ISO 8601 (UTC) end of validity, when set. */
  expiresOn?: string;
  /** ISO 8601 (UTC) start of validity, when set. */
  notBefore?: string;
  /** Whether GET would return the value now. */
  valid: boolean;
}

/** What GET finds for a key. */
export type Lookup = { state: "valid"; value: string } | { state: "missing" | "expired" | "notYetValid" };

interface Row {
  key: string;
  value: string;
  expires_on: number | null;
  not_before: number | null;
}

/** The record identity bound to a sealed value. */
function aadOf(tenantId: string, key: string): string {
  return `walletcrew/secrets/${tenantId}/${key}`;
}

function validity(row: Pick<Row, "expires_on" | "not_before">, now: number): Lookup["state"] {
  if (row.expires_on !== null && now >= row.expires_on) return "expired";
  if (row.not_before !== null && now < row.not_before) return "notYetValid";
  return "valid";
}

/** The emulator's secrets table on top of an encrypted store. */
export class SecretTable {
  constructor(
    private readonly store: EncryptedStore,
    private readonly now: () => number,
  ) {
    store.db.exec(`CREATE TABLE IF NOT EXISTS walletcrew_secrets (
      tenant_id TEXT NOT NULL,
      key TEXT NOT NULL,
      value TEXT NOT NULL,
      expires_on INTEGER,
      not_before INTEGER,
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (tenant_id, key)
    ) STRICT`);
  }

  /** Key names of a tenant, sorted, including expired and not-yet-valid ones. */
  keys(tenantId: string): string[] {
    const rows = this.store.db
      .prepare("SELECT key FROM walletcrew_secrets WHERE tenant_id = ? ORDER BY key")
      .all(tenantId) as { key: string }[];
    return rows.map((row) => row.key);
  }

  /** Keys and validity of a tenant's secrets, never values (the in-process view for tests). */
  describe(tenantId: string): SecretInfo[] {
    const now = this.now();
    const rows = this.store.db
      .prepare("SELECT key, expires_on, not_before FROM walletcrew_secrets WHERE tenant_id = ? ORDER BY key")
      .all(tenantId) as Omit<Row, "value">[];
    return rows.map((row) => {
      const info: SecretInfo = { key: row.key, valid: validity(row, now) === "valid" };
      if (row.expires_on !== null) info.expiresOn = new Date(row.expires_on).toISOString();
      if (row.not_before !== null) info.notBefore = new Date(row.not_before).toISOString();
      return info;
    });
  }

  /** The value of a key if it exists and is valid now. */
  get(tenantId: string, key: string): Lookup {
    const row = this.store.db
      .prepare(
        "SELECT key, value, expires_on, not_before FROM walletcrew_secrets WHERE tenant_id = ? AND key = ?",
      )
      .get(tenantId, key) as Row | undefined;
    if (row === undefined) return { state: "missing" };
    const state = validity(row, this.now());
    return state === "valid" ? { state, value: this.store.open(row.value, aadOf(tenantId, key)) } : { state };
  }

  /** Stores or replaces a secret in one statement (an upsert is atomic without a read first). */
  put(tenantId: string, key: string, value: string, expiresOn?: number, notBefore?: number): void {
    this.store.db
      .prepare(
        `INSERT INTO walletcrew_secrets (tenant_id, key, value, expires_on, not_before, updated_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (tenant_id, key) DO UPDATE SET value = excluded.value, expires_on = excluded.expires_on,
           not_before = excluded.not_before, updated_at = excluded.updated_at`,
      )
      .run(
        tenantId,
        key,
        this.store.seal(value, aadOf(tenantId, key)),
        expiresOn ?? null,
        notBefore ?? null,
        this.now(),
      );
  }

  /** Deletes a secret; false when there was none. */
  delete(tenantId: string, key: string): boolean {
    const result = this.store.db
      .prepare("DELETE FROM walletcrew_secrets WHERE tenant_id = ? AND key = ?")
      .run(tenantId, key);
    return Number(result.changes) > 0;
  }
}
