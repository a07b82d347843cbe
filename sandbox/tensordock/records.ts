/**
 * The TensorDock emulator's table of secrets. Only the value is sealed (AES-256-GCM, record id bound as
 * additional data); id, name and type stay plain so listing never decrypts anything.
 */
import { randomUUID } from "node:crypto";
import type { EncryptedStore } from "../core/store";

/** The three secret types of the TensorDock API. */
export const SECRET_TYPES = ["SSHKEY", "GENERIC", "SECRET"] as const;

/** One of {@link SECRET_TYPES}. */
export type SecretType = (typeof SECRET_TYPES)[number];

/** A stored secret without its value: what listing and the in-process view see. */
export interface SecretSummary {
  id: string;
  name: string;
  type: SecretType;
}

/** A stored secret with its opened value. */
export interface SecretRecord extends SecretSummary {
  value: string;
}

interface Row {
  id: string;
  name: string;
  type: string;
  value: string;
}

/** The additional data a value is sealed under: the record's identity, so a value moved to another row fails. */
function aadOf(id: string): string {
  return `secrets/${id}`;
}

function isSecretType(value: string): value is SecretType {
  return (SECRET_TYPES as readonly string[]).includes(value);
}

/** The secrets of one emulator, on top of its encrypted store. */
export class SecretRecords {
  constructor(private readonly store: EncryptedStore) {
    // seq keeps the creation order for listing; ids are random UUIDs and carry no order.
    store.db.exec(
      `CREATE TABLE IF NOT EXISTS secrets (
         seq INTEGER PRIMARY KEY AUTOINCREMENT,
         id TEXT NOT NULL UNIQUE,
         name TEXT NOT NULL,
         type TEXT NOT NULL,
         value TEXT NOT NULL
       ) STRICT`,
    );
  }

  /** Inserts a new secret with a fresh UUID and returns it; the insert is one committed transaction. */
  insert(input: { name: string; type: SecretType; value: string }): SecretRecord {
    const id = randomUUID();
    const sealed = this.store.seal(input.value, aadOf(id));
    this.store.transaction(() => {
      this.store.db
        .prepare("INSERT INTO secrets (id, name, type, value) VALUES (?, ?, ?, ?)")
        .run(id, input.name, input.type, sealed);
    });
    return { id, ...input };
  }

  /** Every secret in creation order, values opened only when `withValues` asks for them. */
  list(withValues: (type: SecretType) => boolean = () => false): (SecretSummary & { value?: string })[] {
    const rows = this.store.db
      .prepare("SELECT id, name, type, value FROM secrets ORDER BY seq")
      .all() as unknown as Row[];
    return rows.map((row) => this.toRecord(row, withValues));
  }

  /** The secret with this id, or `undefined`. */
  get(id: string): SecretRecord | undefined {
    const row = this.store.db.prepare("SELECT id, name, type, value FROM secrets WHERE id = ?").get(id) as
      Row | undefined;
    if (row === undefined) return undefined;
    const record = this.toRecord(row, () => true);
    return { ...record, value: record.value ?? "" };
  }

  /** Deletes the secret with this id; false when there was none. */
  delete(id: string): boolean {
    return this.store.transaction(() => {
      const result = this.store.db.prepare("DELETE FROM secrets WHERE id = ?").run(id);
      return Number(result.changes) > 0;
    });
  }

  private toRecord(row: Row, withValues: (type: SecretType) => boolean): SecretSummary & { value?: string } {
    // A type outside the enum can only come from a hand-edited file; refuse to serve it rather than guess.
    if (!isSecretType(row.type)) throw new Error(`secret ${row.id} has an unknown type in the database`);
    const summary: SecretSummary & { value?: string } = { id: row.id, name: row.name, type: row.type };
    if (withValues(row.type)) summary.value = this.store.open(row.value, aadOf(row.id));
    return summary;
  }
}
