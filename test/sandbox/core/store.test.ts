import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type EncryptedStore,
  openStore,
  SandboxIntegrityError,
  SandboxKeyError,
} from "../../../sandbox/core";

let dir: string;
const opened: EncryptedStore[] = [];
const key = randomBytes(32);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "secretstack-core-store-"));
});

afterEach(() => {
  for (const store of opened.splice(0)) store.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(options: { dataDir?: string; key?: Buffer } = {}): EncryptedStore {
  const store = openStore({ fileName: "demo.db", key: options.key ?? key, ...options });
  opened.push(store);
  return store;
}

function createTable(store: EncryptedStore): void {
  store.db.exec("CREATE TABLE IF NOT EXISTS items (id TEXT PRIMARY KEY, value TEXT NOT NULL)");
}

/** Flips one bit of the decoded bytes at `index` and encodes again. */
function flip(sealed: string, index: number): string {
  const bytes = Buffer.from(sealed, "base64");
  bytes[index] = (bytes[index] ?? 0) ^ 0x01;
  return bytes.toString("base64");
}

describe.each([
  ["memory", false],
  ["file", true],
])("an encrypted store in %s", (_label, onDisk) => {
  it("opens what it sealed, with a fresh IV every time", () => {
    const store = open(onDisk ? { dataDir: dir } : {});
    const sealed = store.seal("hunter2 ✓", "items/1");
    expect(sealed).not.toContain("hunter2");
    expect(store.seal("hunter2 ✓", "items/1")).not.toBe(sealed);
    expect(store.open(sealed, "items/1")).toBe("hunter2 ✓");
    expect(store.location).toBe(onDisk ? join(dir, "demo.db") : ":memory:");
    expect(store.integrityCheck()).toBe("ok");
  });
});

describe("openStore", () => {
  it("refuses a record whose ciphertext, tag or identity was changed", () => {
    const store = open();
    const sealed = store.seal("the value", "items/1");
    // Layout: version (1) | iv (12) | tag (16) | ciphertext.
    expect(() => store.open(flip(sealed, 30), "items/1")).toThrow(SandboxIntegrityError);
    expect(() => store.open(flip(sealed, 14), "items/1")).toThrow(SandboxIntegrityError);
    expect(() => store.open(flip(sealed, 5), "items/1")).toThrow(SandboxIntegrityError);
    expect(() => store.open(sealed, "items/2")).toThrow(SandboxIntegrityError);
    expect(() => store.open("not base64!", "items/1")).toThrow(SandboxIntegrityError);
    expect(store.open(sealed, "items/1")).toBe("the value");
  });

  it("keeps data across a restart on the same directory with the same key", () => {
    const first = open({ dataDir: dir });
    createTable(first);
    first.db.prepare("INSERT INTO items VALUES (?, ?)").run("1", first.seal("kept", "items/1"));
    first.close();

    const second = open({ dataDir: dir });
    const row = second.db.prepare("SELECT value FROM items WHERE id = ?").get("1") as { value: string };
    expect(second.open(row.value, "items/1")).toBe("kept");
    expect(second.integrityCheck()).toBe("ok");
  });

  it("fails closed with SandboxKeyError naming what to do when the key does not match", () => {
    open({ dataDir: dir }).close();
    const attempt = () => open({ dataDir: dir, key: randomBytes(32) });
    expect(attempt).toThrow(SandboxKeyError);
    expect(attempt).toThrow(
      `the sandbox key does not match the data in ${dir}; set SECRETSTACK_SANDBOX_KEY to the key it was created with, or use a new --data-dir`,
    );
    // The right key still opens it afterwards: the refusal changed nothing.
    expect(open({ dataDir: dir }).integrityCheck()).toBe("ok");
  });

  it("uses WAL with synchronous=FULL and a database file only its owner can read", () => {
    const store = open({ dataDir: dir });
    expect(store.db.prepare("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    expect(store.db.prepare("PRAGMA synchronous").get()).toEqual({ synchronous: 2 });
    expect(statSync(join(dir, "demo.db")).mode & 0o777).toBe(0o600);
  });

  it("never writes a planted value to disk in plain, base64 or URL-encoded form", () => {
    const canary = `CANARY value/${randomBytes(6).toString("hex")}+&=`;
    const forms = [canary, Buffer.from(canary).toString("base64"), encodeURIComponent(canary)];
    const store = open({ dataDir: dir });
    createTable(store);
    for (let i = 0; i < 50; i++) {
      store.transaction(() => {
        store.db.prepare("INSERT INTO items VALUES (?, ?)").run(`${i}`, store.seal(canary, `items/${i}`));
      });
    }
    store.db.prepare("UPDATE items SET value = ? WHERE id = '0'").run(store.seal(`${canary}!`, "items/0"));
    const files = () => ["demo.db", "demo.db-wal"].map((f) => join(dir, f)).filter((f) => existsSync(f));
    expect(files()).toContain(join(dir, "demo.db-wal"));
    const scan = () => {
      const bytes = Buffer.concat(files().map((f) => readFileSync(f)));
      expect(bytes.length).toBeGreaterThan(0);
      for (const form of forms) expect(bytes.includes(Buffer.from(form))).toBe(false);
    };
    scan();
    store.close();
    scan();
  });

  it("rolls a transaction back when its function throws, and refuses an async function", () => {
    const store = open();
    createTable(store);
    const insert = (id: string) => store.db.prepare("INSERT INTO items VALUES (?, 'x')").run(id);
    expect(() =>
      store.transaction(() => {
        insert("a");
        throw new Error("changed my mind");
      }),
    ).toThrow("changed my mind");
    store.transaction(() => {
      insert("b");
      // A nested transaction is a savepoint: its rollback keeps the outer work.
      expect(() =>
        store.transaction(() => {
          insert("c");
          throw new Error("inner");
        }),
      ).toThrow("inner");
    });
    expect(() => store.transaction(async () => insert("d"))).toThrow(/synchronous/);
    const ids = store.db.prepare("SELECT id FROM items ORDER BY id").all() as { id: string }[];
    expect(ids.map((r) => r.id)).toEqual(["b"]);
    expect(store.db.isTransaction).toBe(false);
  });

  it("keys each file separately, so a value sealed for one store does not open in another", () => {
    const a = openStore({ fileName: "a.db", key });
    const b = openStore({ fileName: "b.db", key });
    opened.push(a, b);
    expect(() => b.open(a.seal("v", "items/1"), "items/1")).toThrow(SandboxIntegrityError);
  });
});
