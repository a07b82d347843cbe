/**
 * This process's share of a rate limit shared through Redis, measured while it was shared: when Redis goes
 * away, the process keeps to that share instead of each process taking the whole limit alone.
 */

/** Grants remembered to measure this process's share of the shared budget. */
const MAX_GRANTS = 256;
/** Alone, a process keeps its share of the limit, this much slower (1.1: a tenth), for the drift of clocks and phases. */
const ALONE_SLOWER = 1.1;

/** The requests the shared budget let through for one account in this process, and the pace they make. */
export class ProcessShare {
  /** When this process's recent requests were let through by the shared budget (its clock), oldest first. */
  private readonly grants: number[] = [];
  private firstGrantAt: number | undefined;
  /** Set while Redis is away: this process's pace alone, fixed when Redis went (see {@link paceWhileShared}). */
  private alonePace: number | undefined;

  /** The shared budget let a request through at `at`. */
  granted(at: number): void {
    this.firstGrantAt ??= at;
    this.grants.push(at);
    if (this.grants.length > MAX_GRANTS) this.grants.shift();
  }

  /** Redis answered: the pace alone is measured again the next time it goes. */
  shared(): void {
    this.alonePace = undefined;
  }

  /**
   * The interval between requests while Redis is away, in a server window of `windowSeconds` (undefined while
   * none is known): the one measured when Redis went, or undefined when there was no share to keep.
   */
  alone(windowSeconds: number | undefined): number | undefined {
    this.alonePace ??= this.paceWhileShared(windowSeconds);
    return this.alonePace;
  }

  /**
   * The interval between requests this process had while the budget was shared, a tenth slower. Undefined
   * before any shared window.
   */
  private paceWhileShared(windowSeconds: number | undefined): number | undefined {
    const last = this.grants[this.grants.length - 1];
    if (windowSeconds === undefined || last === undefined || this.firstGrantAt === undefined)
      return undefined;
    const span = Math.min(Math.max(3, 3 * windowSeconds) * 1000, last - this.firstGrantAt);
    const recent = this.grants.filter((at) => at > last - span).length;
    if (span <= 0 || recent < 2) return undefined;
    return (span / recent) * ALONE_SLOWER;
  }
}
