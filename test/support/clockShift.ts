import path from "node:path";

const PRELOAD = path.join(__dirname, "clock-offset.cjs");

/**
 * The environment of a provider host whose clock runs `ms` ahead (a later run of the stack): the host preloads
 * a test-side module that shifts Date.now, so nothing in the shipped provider exists for tests.
 */
export function clockShiftedBy(ms: number): Record<string, string> {
  return { NODE_OPTIONS: `--require ${JSON.stringify(PRELOAD)}`, SECRETSTACK_CLOCK_SHIFT_MS: String(ms) };
}
