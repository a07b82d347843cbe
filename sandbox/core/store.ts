/**
 * The encrypted store of one emulator: a `node:sqlite` database (a WAL-mode file with synchronous=FULL, or
 * memory) whose secret columns hold values sealed with AES-256-GCM, and whose key is checked on open.
 */
import { closeSync, mkdirSync, openSync } from "node:fs";
import { join, resolve } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { SandboxIntegrityError, SandboxKeyError } from "./errors";
import { loadSqlite } from "./runtime";
import { createSealer } from "./seal";

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** Directory of the database file. @default undefined (an in-memory database) */
  dataDir?: string;
  /** File name inside `dataDir`, e.g. `tensordock.db`; also separates the encryption keys of the emulators. */
  fileName: string;
  /** The 32-byte sandbox key (see `loadOrCreateKey`). */
  key: Buffer;
}

/** An open database plus the sealing functions bound to its key. */
export interface EncryptedStore {
  /** The database; emulators create their own tables (`CREATE TABLE IF NOT EXISTS …`). */
  readonly db: DatabaseSync;
  /** The database file's path, or `:memory:`. */
  readonly location: string;
  /** Encrypts `plaintext` bound to the record identity `aad` (e.g. `secrets/<id>`); a fresh IV per call. */
  seal(plaintext: string, aad: string): string;
  /** Decrypts a sealed value under the same `aad`; throws `SandboxIntegrityError` when anything was changed. */
  open(sealed: string, aad: string): string;
  /**
   * Runs `fn` inside `BEGIN IMMEDIATE … COMMIT` (a savepoint when already inside one) and rolls back when it
   * throws, so a check-then-insert is atomic. `fn` must be synchronous, like `node:sqlite` itself.
   */
  transaction<T>(fn: () => T): T;
  /** The result of `PRAGMA integrity_check`: `"ok"` for a sound file. */
  integrityCheck(): string;
  /** Closes the database (WAL contents are checkpointed into the main file). Safe to call twice. */
  close(): void;
}

const META_TABLE = "sandbox_meta";
const VERIFIER_NAME = "key_verifier";
const VERIFIER_TEXT = "secretstack-sandbox key verifier v1";

/**
 * Opens (creating when missing) the store `<dataDir>/<fileName>`, or an in-memory store without `dataDir`.
 * Throws `SandboxKeyError` when the data was written under another key: the first open seals a verifier row,
 * every later open must be able to open it.
 */
export function openStore(options: OpenStoreOptions): EncryptedStore {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(options.fileName)) {
    throw new Error(`store file name must be a plain file name, got ${JSON.stringify(options.fileName)}`);
  }
  const sealer = createSealer(options.key, options.fileName);
  const location =
    options.dataDir === undefined ? ":memory:" : prepareFile(options.dataDir, options.fileName);
  // Loaded here, not imported: importing the sandbox must work on a Node.js that then refuses in one line.
  const { DatabaseSync: Database } = loadSqlite();
  // timeout: a second process on the same file waits for the write lock instead of failing at once.
  const db = new Database(location, { timeout: 5_000 });
  try {
    if (options.dataDir !== undefined) {
      const mode = db.prepare("PRAGMA journal_mode = WAL").get() as { journal_mode?: string } | undefined;
      if (mode?.journal_mode !== "wal") throw new Error(`could not switch ${location} to WAL mode`);
      // FULL syncs the WAL on every commit: an acknowledged write survives SIGKILL and power loss.
      db.exec("PRAGMA synchronous = FULL");
    }
    // Deleted rows are overwritten with zeros instead of lingering in free pages.
    db.exec("PRAGMA secure_delete = ON");
    db.exec("PRAGMA foreign_keys = ON");
    db.exec(`CREATE TABLE IF NOT EXISTS ${META_TABLE} (name TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT`);
  } catch (error) {
    db.close();
    throw error;
  }

  let savepoints = 0;
  const transaction = <T>(fn: () => T): T => {
    const nested = db.isTransaction;
    const savepoint = `sandbox_sp_${++savepoints}`;
    db.exec(nested ? `SAVEPOINT ${savepoint}` : "BEGIN IMMEDIATE");
    try {
      const result = fn();
      if (typeof (result as { then?: unknown } | null)?.then === "function") {
        (result as unknown as Promise<unknown>).catch(() => undefined);
        throw new TypeError(
          "store.transaction() takes a synchronous function: an await inside would let other requests interleave",
        );
      }
      db.exec(nested ? `RELEASE ${savepoint}` : "COMMIT");
      return result;
    } catch (error) {
      if (db.isTransaction) db.exec(nested ? `ROLLBACK TO ${savepoint}; RELEASE ${savepoint}` : "ROLLBACK");
      throw error;
    } finally {
      savepoints--;
    }
  };

  try {
    transaction(() => verifyKey(db, sealer, options.dataDir));
  } catch (error) {
    db.close();
    throw error;
  }

  return {
    db,
    location,
    seal: sealer.seal,
    open: sealer.open,
    transaction,
    integrityCheck() {
      const rows = db.prepare("PRAGMA integrity_check").all() as { integrity_check: string }[];
      return rows.map((row) => row.integrity_check).join("\n");
    },
    close() {
      if (db.isOpen) db.close();
    },
  };
}

/** Creates the directory (0700) and an empty database file (0600) so the file is never world-readable. */
function prepareFile(dataDir: string, fileName: string): string {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, fileName);
  // SQLite gives the -wal and -shm files the permissions of the database file.
  closeSync(openSync(path, "a", 0o600));
  return path;
}

/** Seals the verifier on first use; on every later open proves the key can open it, or fails closed. */
function verifyKey(db: DatabaseSync, sealer: ReturnType<typeof createSealer>, dataDir?: string): void {
  const aad = `${META_TABLE}/${VERIFIER_NAME}`;
  const row = db.prepare(`SELECT value FROM ${META_TABLE} WHERE name = ?`).get(VERIFIER_NAME) as
    { value: string } | undefined;
  if (row === undefined) {
    db.prepare(`INSERT INTO ${META_TABLE} (name, value) VALUES (?, ?)`).run(
      VERIFIER_NAME,
      sealer.seal(VERIFIER_TEXT, aad),
    );
    return;
  }
  let text: string | undefined;
  try {
    text = sealer.open(row.value, aad);
  } catch (error) {
    if (!(error instanceof SandboxIntegrityError)) throw error;
  }
  if (text !== VERIFIER_TEXT) {
    const where = dataDir === undefined ? "memory" : resolve(dataDir);
    throw new SandboxKeyError(
      `the sandbox key does not match the data in ${where}; set SECRETSTACK_SANDBOX_KEY to the key it was ` +
        "created with, or use a new --data-dir",
    );
  }
}
