/**
 * The NetActuate emulator's data: secret lists and their values in one encrypted SQLite store. List names
 * and secret keys are unique across the account; deleting a list deletes its values. Only the value is
 * sealed (AES-256-GCM, bound to the value's id); ids, names, keys and list ids are plain columns.
 * Every write is one synchronous transaction, so a check-then-insert cannot interleave with another request.
 */
import { type EncryptedStore, type ErrorFields, SandboxHttpError } from "../core";

/** A secret list as the API shows it. */
export interface ListRecord {
  id: number;
  name: string;
}

/** A value without its plaintext: what the in-process view shows. */
export interface ValueEntry {
  id: number;
  listId: number;
  key: string;
}

/** A value as the API shows it, plaintext included. */
export interface ValueRecord {
  id: number;
  secret_list_id: number;
  secret_key: string;
  secret_value: string;
}

interface ValueRow {
  id: number;
  list_id: number;
  secret_key: string;
  sealed_value: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS secret_lists (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE
) STRICT;
CREATE TABLE IF NOT EXISTS secret_values (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  list_id INTEGER NOT NULL REFERENCES secret_lists(id) ON DELETE CASCADE,
  secret_key TEXT NOT NULL UNIQUE,
  sealed_value TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS secret_values_list ON secret_values(list_id);
`;

/** Additional data that binds a sealed value to its record: a value copied onto another row fails to open. */
const aadOf = (id: number) => `netactuate/secret_values/${id}`;

/** A 404 for a list or value that does not exist; the routes answer it in their envelope variant's way. */
export class MissingObjectError extends SandboxHttpError {
  constructor(readonly what: "list" | "value") {
    super(404, what === "list" ? "Secret list could not be found." : "Secret list value could not be found.");
  }
}

/** 404 for a list the account does not have (or an id that is not a number). */
export function listNotFound(): MissingObjectError {
  return new MissingObjectError("list");
}

/** 404 for a value that does not exist in the given list. */
export function valueNotFound(): MissingObjectError {
  return new MissingObjectError("value");
}

function invalid(fields: ErrorFields): SandboxHttpError {
  return new SandboxHttpError(422, "The given data was invalid.", fields);
}

/** The lists and values of one emulated account. */
export class NetActuateStore {
  constructor(private readonly store: EncryptedStore) {
    store.db.exec(SCHEMA);
  }

  /** Every list, by id. */
  lists(): ListRecord[] {
    const rows = this.store.db
      .prepare("SELECT id, name FROM secret_lists ORDER BY id")
      .all() as unknown as ListRecord[];
    return rows.map((row) => ({ id: row.id, name: row.name }));
  }

  /** One list; 404 when absent. */
  list(id: number): ListRecord {
    const row = this.store.db.prepare("SELECT id, name FROM secret_lists WHERE id = ?").get(id) as
      ListRecord | undefined;
    if (row === undefined) throw listNotFound();
    return { id: row.id, name: row.name };
  }

  /** Creates a list; without a name it is called `Secret List <id>`. 422 when the name is taken. */
  createList(name: string | undefined): ListRecord {
    return this.store.transaction(() => {
      if (name !== undefined) this.assertNameFree(name, undefined);
      const provisional = name ?? `pending-${process.hrtime.bigint()}`;
      const result = this.store.db.prepare("INSERT INTO secret_lists (name) VALUES (?)").run(provisional);
      const id = Number(result.lastInsertRowid);
      if (name === undefined) {
        const chosen = this.defaultName(id);
        this.store.db.prepare("UPDATE secret_lists SET name = ? WHERE id = ?").run(chosen, id);
        return { id, name: chosen };
      }
      return { id, name };
    });
  }

  /** Renames a list; 404 when absent, 422 when another list has the name. */
  renameList(id: number, name: string): ListRecord {
    return this.store.transaction(() => {
      this.list(id);
      this.assertNameFree(name, id);
      this.store.db.prepare("UPDATE secret_lists SET name = ? WHERE id = ?").run(name, id);
      return { id, name };
    });
  }

  /** Deletes a list and, through the foreign key, its values; 404 when absent. */
  deleteList(id: number): void {
    this.store.transaction(() => {
      const result = this.store.db.prepare("DELETE FROM secret_lists WHERE id = ?").run(id);
      if (Number(result.changes) === 0) throw listNotFound();
    });
  }

  /** Every value of the account, plaintext included (the API's `all-values`). */
  allValues(): ValueRecord[] {
    const rows = this.store.db
      .prepare("SELECT id, list_id, secret_key, sealed_value FROM secret_values ORDER BY id")
      .all() as unknown as ValueRow[];
    return rows.map((row) => this.open(row));
  }

  /** Every value of one list; 404 when the list is absent. */
  values(listId: number): ValueRecord[] {
    this.list(listId);
    const rows = this.store.db
      .prepare(
        "SELECT id, list_id, secret_key, sealed_value FROM secret_values WHERE list_id = ? ORDER BY id",
      )
      .all(listId) as unknown as ValueRow[];
    return rows.map((row) => this.open(row));
  }

  /** One value of one list; 404 when either is absent or the value belongs to another list. */
  value(listId: number, id: number): ValueRecord {
    this.list(listId);
    return this.open(this.valueRow(listId, id));
  }

  /** Adds a value to a list; 404 when the list is absent, 422 when the key exists anywhere in the account. */
  createValue(listId: number, key: string, value: string): ValueRecord {
    return this.store.transaction(() => {
      this.list(listId);
      this.assertKeyFree(key, undefined);
      // The sealed value is bound to the row id, known only after the insert; both happen in one transaction.
      const result = this.store.db
        .prepare("INSERT INTO secret_values (list_id, secret_key, sealed_value) VALUES (?, ?, '')")
        .run(listId, key);
      const id = Number(result.lastInsertRowid);
      this.store.db
        .prepare("UPDATE secret_values SET sealed_value = ? WHERE id = ?")
        .run(this.store.seal(value, aadOf(id)), id);
      return { id, secret_list_id: listId, secret_key: key, secret_value: value };
    });
  }

  /** Changes a value's key and value; 404 when absent, 422 when the new key exists on another value. */
  updateValue(listId: number, id: number, key: string, value: string): ValueRecord {
    return this.store.transaction(() => {
      this.list(listId);
      this.valueRow(listId, id);
      this.assertKeyFree(key, id);
      this.store.db
        .prepare("UPDATE secret_values SET secret_key = ?, sealed_value = ? WHERE id = ?")
        .run(key, this.store.seal(value, aadOf(id)), id);
      return { id, secret_list_id: listId, secret_key: key, secret_value: value };
    });
  }

  /** Deletes one value; 404 when it or its list is absent. */
  deleteValue(listId: number, id: number): void {
    this.store.transaction(() => {
      this.list(listId);
      this.valueRow(listId, id);
      this.store.db.prepare("DELETE FROM secret_values WHERE id = ?").run(id);
    });
  }

  /** Ids, keys and list ids of every value, never the plaintext (the in-process view for tests). */
  valueEntries(): ValueEntry[] {
    const rows = this.store.db
      .prepare("SELECT id, list_id, secret_key FROM secret_values ORDER BY id")
      .all() as unknown as Omit<ValueRow, "sealed_value">[];
    return rows.map((row) => ({ id: row.id, listId: row.list_id, key: row.secret_key }));
  }

  private valueRow(listId: number, id: number): ValueRow {
    const row = this.store.db
      .prepare("SELECT id, list_id, secret_key, sealed_value FROM secret_values WHERE id = ? AND list_id = ?")
      .get(id, listId) as ValueRow | undefined;
    if (row === undefined) throw valueNotFound();
    return row;
  }

  private open(row: ValueRow): ValueRecord {
    return {
      id: row.id,
      secret_list_id: row.list_id,
      secret_key: row.secret_key,
      secret_value: this.store.open(row.sealed_value, aadOf(row.id)),
    };
  }

  private assertNameFree(name: string, except: number | undefined): void {
    const row = this.store.db.prepare("SELECT id FROM secret_lists WHERE name = ?").get(name) as
      { id: number } | undefined;
    if (row !== undefined && row.id !== except) invalidName();
  }

  private assertKeyFree(key: string, except: number | undefined): void {
    const row = this.store.db.prepare("SELECT id FROM secret_values WHERE secret_key = ?").get(key) as
      { id: number } | undefined;
    if (row !== undefined && row.id !== except) {
      throw invalid({ secret_key: ["The secret key has already been taken."] });
    }
  }

  private defaultName(id: number): string {
    const taken = (name: string) =>
      this.store.db.prepare("SELECT 1 AS taken FROM secret_lists WHERE name = ?").get(name) !== undefined;
    let name = `Secret List ${id}`;
    for (let n = 2; taken(name); n++) name = `Secret List ${id} (${n})`;
    return name;
  }
}

function invalidName(): never {
  throw invalid({ name: ["The name has already been taken."] });
}
