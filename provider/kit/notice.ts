/**
 * Long waits speak: a request that waits on a rate limit, a `Retry-After` or a retry for longer than
 * `SECRETSTACK_WAIT_NOTICE_MS` (default 5 s) writes one line to the provider process's stderr, which the
 * Pulumi CLI shows as a diagnostic of the stack while the update runs ("secretstack: TensorDock rate limit
 * 100/min: waiting 41 s"). One line per wait: requests queued behind the same wait stay quiet.
 */
import type { WaitEvent } from "../../sdk/core";
import { envNumber } from "./coalesce";

/** When each cause's last notice ends (its wait is over), per API and cause. */
const quietUntil = new Map<string, number>();

/** Writes one line for `event` when its wait is long and no notice of the same cause is still running. */
export function waitNotice(event: WaitEvent): void {
  if (event.waitMs < envNumber("SECRETSTACK_WAIT_NOTICE_MS", 5_000)) return;
  const key = `${event.api}\0${event.cause}`;
  const now = Date.now();
  if ((quietUntil.get(key) ?? 0) > now) return;
  quietUntil.set(key, now + event.waitMs);
  process.stderr.write(`secretstack: ${event.message}\n`);
}
