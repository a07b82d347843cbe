/** Shared helpers of the NetActuate tests: canaries, leak scans, and a fresh view of the account per operation. */
import { accountKey, readCoalescer } from "../../provider/kit";
export { canary, findLeak, readTree } from "../support/leaks";

/**
 * A refresh runs in a fresh provider host; in-process, that means forgetting the account snapshots the
 * coalesced reads share, so a change made behind the provider's back is seen.
 */
export function newOperation(baseUrl: string, apiKey: string): void {
  const account = accountKey("NetActuate", baseUrl.replace(/\/+$/, ""), apiKey);
  readCoalescer.invalidate(`${account}|values`);
  readCoalescer.invalidate(`${account}|lists`);
}
