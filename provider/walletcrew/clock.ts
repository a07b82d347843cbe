/**
 * The provider's sense of time: "now", used to reject an `expiresOn` already in the past and to report
 * `expired`, and the wait between retries of its clients.
 *
 * It is a module-level object rather than an argument because the provider object is loaded by the Pulumi
 * host with `require()` and receives no options. Tests in the same process replace it with `setClock`;
 * tests that drive a separate host process shift it with the `SECRETSTACK_TEST_CLOCK_OFFSET_MS` environment
 * variable (a number of milliseconds added to the real time). Users set neither, so it is `Date.now` and a
 * real timer.
 */

type Now = () => number;

function offsetFromEnv(): number {
  const raw = process.env.SECRETSTACK_TEST_CLOCK_OFFSET_MS;
  const offset = raw === undefined || raw === "" ? 0 : Number(raw);
  return Number.isFinite(offset) ? offset : 0;
}

const defaultNow: Now = () => Date.now() + offsetFromEnv();
let current: Now = defaultNow;

/** The current time in milliseconds since the epoch, as the provider sees it. */
export function now(): number {
  return current();
}

/** Replaces the provider's clock (tests only); call with no argument to restore `Date.now`. */
export function setClock(clock?: Now): void {
  current = clock ?? defaultNow;
}

type Sleep = (ms: number) => Promise<void>;

const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let currentSleep: Sleep = realSleep;

/** Waits between retries of the provider's clients. */
export function sleep(ms: number): Promise<void> {
  return currentSleep(ms);
}

/** Replaces the wait between retries (tests only, so they never wait on real time); no argument restores it. */
export function setSleep(fn?: Sleep): void {
  currentSleep = fn ?? realSleep;
}
