import { afterEach, describe, expect, it, vi } from "vitest";
import { type Create, createOrAdopt, oneAtATime } from "../../provider/kit";
import { BadRequestError, errorFromStatus, OUTCOME_UNKNOWN } from "../../sdk/core";

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

/** A create of `key "K"` whose holders, lookup and sends are counted. */
function counted(over: Partial<Create<string>> = {}) {
  const calls = { sends: 0, looks: 0 };
  const create: Create<string> = {
    identity: "account|K",
    what: 'key "K"',
    holders: async () => [],
    held: (holder) => ({
      held: `key "K" already exists (value ${holder})`,
      id: holder,
      because: "keys are unique",
      otherwise: "choose another key",
    }),
    ...over,
    write: {
      send: async () => {
        calls.sends += 1;
        return over.write === undefined ? "made" : over.write.send();
      },
      look: async (error) => {
        calls.looks += 1;
        return over.write?.look(error);
      },
      ...(over.write?.explain === undefined ? {} : { explain: over.write.explain }),
    },
  };
  return { create, calls };
}

const lost = errorFromStatus(503, { api: "NetActuate", method: "POST", path: "/things" });

describe("createOrAdopt", () => {
  it("sends once when no one holds the identity", async () => {
    const { create, calls } = counted();
    expect(await createOrAdopt(create)).toBe("made");
    expect(calls).toEqual({ sends: 1, looks: 0 });
  });

  it("looks for holders inside the queue: a second create of one identity sees what the first made", async () => {
    const made: string[] = [];
    const create = (): Create<string> => ({
      identity: "account|same",
      what: 'key "same"',
      holders: async () => [...made],
      same: () => true,
      held: (holder) => ({ held: holder, id: holder, otherwise: "choose another key" }),
      write: {
        send: async () => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          made.push("one");
          return "one";
        },
        look: async () => undefined,
      },
    });
    expect(await Promise.all([createOrAdopt(create()), createOrAdopt(create())])).toEqual(["one", "one"]);
    expect(made).toEqual(["one"]);
  });

  it("adopts a holder provably this one without sending, and refuses any other naming its import", async () => {
    const same = counted({ holders: async () => ["7"], same: (holder) => holder === "7" });
    expect(await createOrAdopt(same.create)).toBe("7");
    expect(same.calls.sends).toBe(0);
    const other = counted({ holders: async () => ["8"], same: () => false });
    await expect(createOrAdopt(other.create)).rejects.toThrow(
      'key "K" already exists (value 8) but not in this stack\'s state, and keys are unique. If it is this ' +
        "stack's (a run was interrupted, or the state was lost), adopt it with the import resource option " +
        '{ import: "8" }; otherwise choose another key',
    );
    expect(other.calls.sends).toBe(0);
  });

  it("settles an unknown outcome by looking: what the create made is adopted, never sent twice", async () => {
    const { create, calls } = counted({
      write: { send: () => Promise.reject(lost), look: async () => "found" },
    });
    expect(await createOrAdopt(create)).toBe("found");
    expect(calls).toEqual({ sends: 1, looks: 1 });
  });

  it("says nothing was created when the lookup finds nothing, without telling the user to look", async () => {
    const { create } = counted({ write: { send: () => Promise.reject(lost), look: async () => undefined } });
    const error = (await createOrAdopt(create).catch((e: unknown) => e)) as Error;
    expect(lost.message).toContain(OUTCOME_UNKNOWN);
    expect(error.message).toMatch(
      /^nothing was created \(looked again to check\): 503 from NetActuate POST \/things/,
    );
    expect(error.message).not.toContain(OUTCOME_UNKNOWN);
  });

  it("says the create may have taken effect when the lookup request fails too", async () => {
    const lookFails = errorFromStatus(500, { api: "NetActuate", method: "GET", path: "/things" });
    const { create } = counted({
      write: { send: () => Promise.reject(lost), look: () => Promise.reject(lookFails) },
    });
    await expect(createOrAdopt(create)).rejects.toThrow(
      /; the create may have taken effect but key "K" could not be looked up \(500 from NetActuate GET \/things: .*\): if the next run reports that it already exists, adopt it with the import resource option$/,
    );
  });

  it("never looks after a refusal, and reports it explained", async () => {
    const refused = errorFromStatus(400, { api: "NetActuate", method: "POST", path: "/things" });
    expect(refused).toBeInstanceOf(BadRequestError);
    const { create, calls } = counted({
      write: {
        send: () => Promise.reject(refused),
        look: async () => "never",
        explain: async () => new Error("key K is taken"),
      },
    });
    await expect(createOrAdopt(create)).rejects.toThrow(/^key K is taken$/);
    expect(calls.looks).toBe(0);
  });
});
