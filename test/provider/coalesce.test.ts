import { afterEach, describe, expect, it, vi } from "vitest";
import { accountKey } from "../../provider/kit/account";
import {
  addressing,
  asWrite,
  CoalescingDisabledError,
  coalescingFromEnv,
  readCoalescer,
  ReadCoalescer,
} from "../../provider/kit/coalesce";
import { rejection } from "../support/failures";

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("ReadCoalescer", () => {
  it("shares one list request among reads that arrive while it is pending", async () => {
    let clock = 1_000;
    const coalescer = new ReadCoalescer({ windowMs: 0, ttlMs: 30_000, now: () => clock });
    const gate = deferred<string[]>();
    let calls = 0;
    const fetch = () => {
      calls += 1;
      return gate.promise;
    };
    const reads = Array.from({ length: 16 }, () => coalescer.get("a", fetch));
    clock += 5;
    gate.resolve(["x"]);
    const results = await Promise.all(reads);
    expect(calls).toBe(1);
    expect(results.every((r) => r[0] === "x")).toBe(true);
  });

  it("serves later reads of the same operation from the snapshot until it expires", async () => {
    let clock = 0;
    const coalescer = new ReadCoalescer({ windowMs: 0, ttlMs: 100, now: () => clock });
    let calls = 0;
    const fetch = async () => ++calls;
    expect(await coalescer.get("a", fetch)).toBe(1);
    clock = 100;
    expect(await coalescer.get("a", fetch)).toBe(1);
    clock = 101;
    expect(await coalescer.get("a", fetch)).toBe(2);
  });

  it("never serves data fetched before this process wrote to the account", async () => {
    const coalescer = new ReadCoalescer({ windowMs: 0, ttlMs: 60_000, now: () => 0 });
    let calls = 0;
    const fetch = async () => ++calls;
    expect(await coalescer.get("a", fetch)).toBe(1);
    coalescer.invalidate("a");
    expect(await coalescer.get("a", fetch)).toBe(2);
    expect(await coalescer.get("b", fetch)).toBe(3);
  });

  it("drops the snapshots under an account's key with it, and no other account's", async () => {
    const coalescer = new ReadCoalescer({ windowMs: 0, ttlMs: 60_000, now: () => 0 });
    let calls = 0;
    const fetch = async () => ++calls;
    for (const key of ["a|lists", "a|values", "ab|lists"]) await coalescer.get(key, fetch);
    coalescer.invalidate("a");
    expect(await coalescer.get("a|lists", fetch)).toBe(4);
    expect(await coalescer.get("a|values", fetch)).toBe(5);
    expect(await coalescer.get("ab|lists", fetch)).toBe(3);
  });

  it("never serves, after a write, a list that was in flight when the write was made", async () => {
    const coalescer = new ReadCoalescer({ windowMs: 0, ttlMs: 60_000, now: () => 0 });
    const gate = deferred<string>();
    const stale = coalescer.get("a|lists", () => gate.promise);
    coalescer.invalidate("a");
    gate.resolve("before the write");
    expect(await stale).toBe("before the write");
    expect(await coalescer.get("a|lists", async () => "after the write")).toBe("after the write");
  });

  it("drops, after a create, update or delete, the snapshots of every account it addressed", async () => {
    let calls = 0;
    const fetch = async () => ++calls;
    for (const key of ["write-test-a", "write-test-b|lists", "write-test-c"])
      await readCoalescer.get(key, fetch);
    const result = await asWrite(async () => {
      addressing("write-test-a");
      await Promise.resolve();
      addressing("write-test-b");
      return "written";
    });
    expect(result).toBe("written");
    expect(await readCoalescer.get("write-test-a", fetch)).toBe(4);
    expect(await readCoalescer.get("write-test-b|lists", fetch)).toBe(5);
    expect(await readCoalescer.get("write-test-c", fetch)).toBe(3);
    // A failed write drops them too: it may have taken effect.
    await expect(
      asWrite(async () => {
        addressing("write-test-c");
        throw new Error("lost answer");
      }),
    ).rejects.toThrow("lost answer");
    expect(await readCoalescer.get("write-test-c", fetch)).toBe(6);
  });

  it("does not cache a failed list, so the next read tries again", async () => {
    const coalescer = new ReadCoalescer({ windowMs: 0, ttlMs: 60_000, now: () => 0 });
    let calls = 0;
    const fetch = async () => {
      calls += 1;
      if (calls === 1) throw new Error("list failed");
      return calls;
    };
    await expect(coalescer.get("a", fetch)).rejects.toThrow("list failed");
    expect(await coalescer.get("a", fetch)).toBe(2);
  });

  it("keys accounts by API, base URL and a hash of the credential, never the credential", () => {
    const key = accountKey("TensorDock", "http://127.0.0.1:1/api/v2/", "CANARY-token-123");
    expect(key).not.toContain("CANARY");
    expect(key).toBe(accountKey("TensorDock", "http://127.0.0.1:1/api/v2", "CANARY-token-123"));
    expect(key).not.toBe(accountKey("TensorDock", "http://127.0.0.1:1/api/v2", "other"));
  });

  it("sends no list when switched off, so every caller takes its per-id path", async () => {
    const coalescer = new ReadCoalescer({ windowMs: 0, enabled: false });
    let calls = 0;
    await expect(coalescer.get("a", async () => ++calls)).rejects.toBeInstanceOf(CoalescingDisabledError);
    expect(calls).toBe(0);
    expect(coalescer.enabled).toBe(false);
  });

  it("reads the switch from SECRETSTACK_READ_COALESCE: 0, false and off turn coalescing off", () => {
    for (const off of ["0", "false", "OFF", " off "]) {
      expect(coalescingFromEnv({ SECRETSTACK_READ_COALESCE: off })).toBe(false);
    }
    for (const on of [undefined, "", "1", "on", "true"]) {
      expect(coalescingFromEnv(on === undefined ? {} : { SECRETSTACK_READ_COALESCE: on })).toBe(true);
    }
  });
});

describe("a read waiting for a shared list", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("fails every waiting read once the deadline passes, saying what it waited for, and the next read lists anew", async () => {
    vi.useFakeTimers();
    const coalescer = new ReadCoalescer({
      windowMs: 0,
      ttlMs: 30_000,
      deadlineMs: 300_000,
      what: "the list the reads of one account share",
    });
    let calls = 0;
    const hung = () => {
      calls += 1;
      return new Promise<string[]>(() => undefined);
    };
    const reads = Array.from({ length: 3 }, () => rejection(coalescer.get("a", hung)));
    await vi.advanceTimersByTimeAsync(299_999);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    for (const error of await Promise.all(reads)) {
      expect(error.message).toBe(
        "waited 300 s for the list the reads of one account share, shared by the calls of this process, and it " +
          "has not answered: run the update again (SECRETSTACK_QUEUE_DEADLINE_MS sets the wait)",
      );
    }
    await expect(coalescer.get("a", async () => ["fresh"])).resolves.toEqual(["fresh"]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
