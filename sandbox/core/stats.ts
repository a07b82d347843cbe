/** Request counts of one emulator, by `"METHOD /template"` and status, for tests and `GET /__sandbox/stats`. */

/** A snapshot of the counts; statuses are strings (`"200"`, `"dropped"`, `"aborted"`). */
export interface SandboxStats {
  /** Counts by `"METHOD /template"`, then by status. */
  requests: Record<string, Record<string, number>>;
  /** Every counted request (admin routes are never counted). */
  total: number;
  /** Requests refused by the rate limiter (not injected 429 bursts). */
  rateLimited: number;
  /** The most requests one credential had admitted in one rate-limit window (0 without a limit). */
  peakRateWindow: number;
}

/** Mutable counters behind {@link SandboxStats}. */
export class RequestStats {
  private requests = new Map<string, Map<string, number>>();
  private total = 0;
  private rateLimited = 0;

  /** Counts one finished request. */
  record(route: string, status: number | string, rateLimited = false): void {
    let byStatus = this.requests.get(route);
    if (byStatus === undefined) {
      byStatus = new Map();
      this.requests.set(route, byStatus);
    }
    const key = String(status);
    byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
    this.total++;
    if (rateLimited) this.rateLimited++;
  }

  /** A copy of the counts, safe to keep and compare. */
  snapshot(): Omit<SandboxStats, "peakRateWindow"> {
    const requests: SandboxStats["requests"] = {};
    for (const [route, byStatus] of this.requests) requests[route] = Object.fromEntries(byStatus);
    return { requests, total: this.total, rateLimited: this.rateLimited };
  }

  /** Sets every count back to zero. */
  reset(): void {
    this.requests = new Map();
    this.total = 0;
    this.rateLimited = 0;
  }
}
