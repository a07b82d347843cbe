import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadOrCreateKey, SandboxKeyError } from "../../../sandbox/core";

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "secretstack-core-key-"));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("loadOrCreateKey", () => {
  it("creates <dataDir>/sandbox.key with mode 0600 and reuses it", () => {
    const data = join(dir, "data");
    const created = loadOrCreateKey(data, {});
    const file = join(data, "sandbox.key");
    expect(created).toHaveLength(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8").trim()).toBe(created.toString("base64"));
    expect(loadOrCreateKey(data, {}).equals(created)).toBe(true);
  });

  it("prefers SECRETSTACK_SANDBOX_KEY, in base64 or hex, and then writes no key file", () => {
    const key = randomBytes(32);
    expect(loadOrCreateKey(dir, { SECRETSTACK_SANDBOX_KEY: key.toString("base64") }).equals(key)).toBe(true);
    expect(loadOrCreateKey(dir, { SECRETSTACK_SANDBOX_KEY: ` ${key.toString("hex")}\n` }).equals(key)).toBe(
      true,
    );
    expect(loadOrCreateKey(dir, { SECRETSTACK_SANDBOX_KEY: key.toString("base64url") }).equals(key)).toBe(
      true,
    );
    expect(existsSync(join(dir, "sandbox.key"))).toBe(false);
  });

  it("prefers SECRETSTACK_SANDBOX_KEY over an existing key file", () => {
    const fromFile = loadOrCreateKey(dir, {});
    const fromEnv = randomBytes(32);
    const loaded = loadOrCreateKey(dir, { SECRETSTACK_SANDBOX_KEY: fromEnv.toString("hex") });
    expect(loaded.equals(fromEnv)).toBe(true);
    expect(loaded.equals(fromFile)).toBe(false);
  });

  it("reads process.env by default", () => {
    const key = randomBytes(32);
    const before = process.env.SECRETSTACK_SANDBOX_KEY;
    process.env.SECRETSTACK_SANDBOX_KEY = key.toString("base64");
    try {
      expect(loadOrCreateKey(dir).equals(key)).toBe(true);
    } finally {
      if (before === undefined) delete process.env.SECRETSTACK_SANDBOX_KEY;
      else process.env.SECRETSTACK_SANDBOX_KEY = before;
    }
  });

  it("rejects a malformed SECRETSTACK_SANDBOX_KEY with a clear error that does not echo it", () => {
    for (const bad of ["CANARY-short", "Q0FOQVJZ", "zz".repeat(32), randomBytes(31).toString("base64")]) {
      let error: unknown;
      try {
        loadOrCreateKey(dir, { SECRETSTACK_SANDBOX_KEY: bad });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(SandboxKeyError);
      expect((error as Error).message).toMatch(/SECRETSTACK_SANDBOX_KEY must be 32 bytes/);
      expect((error as Error).message).not.toContain(bad);
    }
  });

  it("rejects a corrupted key file instead of replacing it", () => {
    const file = join(dir, "sandbox.key");
    writeFileSync(file, "not a key\n", { mode: 0o600 });
    expect(() => loadOrCreateKey(dir, {})).toThrow(SandboxKeyError);
    expect(readFileSync(file, "utf8")).toBe("not a key\n");
  });

  it("returns a random in-memory key without a data directory", () => {
    const a = loadOrCreateKey(undefined, {});
    const b = loadOrCreateKey(undefined, {});
    expect(a).toHaveLength(32);
    expect(a.equals(b)).toBe(false);
  });
});
