import { afterEach, describe, expect, it, vi } from "vitest";
import { oneAtATime } from "../../provider/kit";

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

afterEach(() => {
  delete process.env.SECRETSTACK_QUEUE_DEADLINE_MS;
  vi.useRealTimers();
});

describe("creates of one identity in one process", () => {
  it("run one after another, and creates of other identities do not wait", async () => {
    const order: string[] = [];
    const gate = deferred();
    const first = oneAtATime("k", async () => {
      order.push("first starts");
      await gate.promise;
      order.push("first ends");
    });
    const second = oneAtATime("k", async () => void order.push("second"));
    await oneAtATime("other", async () => void order.push("other"));
    gate.resolve();
    await Promise.all([first, second]);
    expect(order).toEqual(["first starts", "other", "first ends", "second"]);
  });

  it("fail after the deadline, naming what they waited for, and the queue keeps its order", async () => {
    vi.useFakeTimers();
    process.env.SECRETSTACK_QUEUE_DEADLINE_MS = "50000";
    const order: string[] = [];
    const gate = deferred();
    const first = oneAtATime("k", async () => {
      await gate.promise;
      order.push("first");
    });
    const second = oneAtATime("k", async () => void order.push("second"), 'key "DB" in tenant demo');
    const failed = expect(second).rejects.toThrow(
      /^waited 50 s for another create of key "DB" in tenant demo in this process to finish.*\(SECRETSTACK_QUEUE_DEADLINE_MS sets the wait\)$/,
    );
    await vi.advanceTimersByTimeAsync(50_000);
    await failed;
    // A third caller still waits for the first, which is running, never beside it.
    process.env.SECRETSTACK_QUEUE_DEADLINE_MS = "600000";
    const third = oneAtATime("k", async () => void order.push("third"));
    await vi.advanceTimersByTimeAsync(100_000);
    expect(order).toEqual([]);
    gate.resolve();
    await Promise.all([first, third]);
    expect(order).toEqual(["first", "third"]);
  });
});
