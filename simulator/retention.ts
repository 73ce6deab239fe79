// The retention window (D290): what a finished job, an answered idempotency key or a finished webhook
// delivery leaves behind is kept for `windowS` seconds of wall-clock time, then dropped by a periodic
// sweep. Otto's reads of a finished job happen in real time (its polling backoff, its retries, the
// kit's run), so the window is judged on the wall clock, not on the simulator's virtual one: a test that
// advances virtual time by a day still reads what it made.
//
// Records are stamped as they finish, so the queue is in time order and a sweep only looks at its front:
// the cost is proportional to what it drops, whatever the simulator holds.

/** SIMULATOR_RETENTION_S's default: an hour, twice the longest read Otto or the kit makes of a finished job. */
export const DEFAULT_RETENTION_S = 3600;

interface Kept {
  atMs: number;
  drop: () => void;
}

export class Retention {
  private queue: Kept[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Records dropped since start or reset. */
  swept = 0;

  constructor(
    readonly windowS: number,
    private readonly wallNow: () => number = Date.now,
  ) {
    if (!(windowS > 0))
      throw new Error(`retention window must be a positive number of seconds, got ${windowS}`);
  }

  /** A record that just finished: `drop` runs once it is older than the window. */
  keep(drop: () => void): void {
    this.queue.push({ atMs: this.wallNow(), drop });
  }

  /** Drops every record older than the window at `nowMs`; returns how many. */
  sweep(nowMs = this.wallNow()): number {
    const cutoff = nowMs - this.windowS * 1000;
    let n = 0;
    while (this.head < this.queue.length) {
      const k = this.queue[this.head] as Kept;
      if (k.atMs > cutoff) break;
      this.head++;
      k.drop();
      n++;
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.swept += n;
    return n;
  }

  /** Sweeps every tenth of the window (at least every second, at most every minute). */
  start(): void {
    const everyMs = Math.min(60_000, Math.max(1000, this.windowS * 100));
    this.timer = setInterval(() => this.sweep(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  get size(): number {
    return this.queue.length - this.head;
  }

  clear(): void {
    this.queue = [];
    this.head = 0;
    this.swept = 0;
  }
}
