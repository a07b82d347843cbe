import { afterEach, describe, expect, it } from "vitest";
import { oneAtATime } from "../../provider/kit";

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

afterEach(() => {
  delete process.env.SECRETSTACK_QUEUE_DEADLINE_MS;
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
    process.env.SECRETSTACK_QUEUE_DEADLINE_MS = "50";
    const order: string[] = [];
    const gate = deferred();
    const first = oneAtATime("k", async () => {
      await gate.promise;
      order.push("first");
    });
    const second = oneAtATime("k", async () => void order.push("second"), 'key "DB" in tenant demo');
    await expect(second).rejects.toThrow(
      /waited 0 s for another create of key "DB" in tenant demo in this process to finish.*SECRETSTACK_QUEUE_DEADLINE_MS/,
    );
    // A third caller still waits for the first, which is running, never beside it.
    process.env.SECRETSTACK_QUEUE_DEADLINE_MS = "60000";
    const third = oneAtATime("k", async () => void order.push("third"));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(order).toEqual([]);
    gate.resolve();
    await Promise.all([first, third]);
    expect(order).toEqual(["first", "third"]);
  });
});
