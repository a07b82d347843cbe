/** Fake time for clients under test: a clock that only moves when the client sleeps, and a record of every sleep. */
import type { Clock, Sleep } from "../../sdk/core";

/** A clock, a sleep that advances it at once, and the waits asked for. */
export interface FakeTime {
  clock: Clock;
  sleep: Sleep;
  /** Every wait asked for, in order, in milliseconds. */
  waits: number[];
  /** Milliseconds the clock has advanced. */
  elapsed(): number;
}

/** Fake time starting at `start` (a whole second, so HTTP dates in `Retry-After` line up). */
export function fakeTime(start = 1_800_000_000_000): FakeTime {
  let now = start;
  const waits: number[] = [];
  return {
    clock: { now: () => now },
    sleep: async (ms) => {
      waits.push(ms);
      now += Math.max(0, ms);
    },
    waits,
    elapsed: () => now - start,
  };
}
