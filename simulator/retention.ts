// The retention window (D290): what a finished job, an answered idempotency key or a finished webhook
// delivery leaves behind is kept for `windowS` seconds of wall-clock time, then dropped by a periodic
// sweep. Otto's reads of a finished job happen in real time (its polling backoff, its retries, the
// kit's run), so the window is judged on the wall clock, not on the simulator's virtual one: a test that
// advances virtual time by a day still reads what it made.
//
// Records are stamped as they finish, so the queue is in time order and a sweep only looks at its front:
// the cost is proportional to what it drops, whatever the simulator holds. The queue is three flat
// arrays (time, owner, record), not a closure per record: a closure and its context cost about 200 bytes,
// six records a call (D370).

/** SIMULATOR_RETENTION_S's default: an hour, twice the longest read Otto or the kit makes of a finished job. */
export const DEFAULT_RETENTION_S = 3600;

/** What holds a kind of record (the store, the idempotency keys, the webhook log). */
export interface Owner<T> {
  drop(record: T): void;
}

export class Retention {
  private times: number[] = [];
  private owners: Owner<never>[] = [];
  private records: unknown[] = [];
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

  /** A record that just finished: `owner.drop(record)` runs once it is older than the window. */
  keep<T>(owner: Owner<T>, record: T): void {
    this.times.push(this.wallNow());
    this.owners.push(owner as Owner<never>);
    this.records.push(record);
  }

  /** Drops every record older than the window at `nowMs`; returns how many. */
  sweep(nowMs = this.wallNow()): number {
    const cutoff = nowMs - this.windowS * 1000;
    let n = 0;
    while (this.head < this.times.length && (this.times[this.head] as number) <= cutoff) {
      const owner = this.owners[this.head] as Owner<unknown>;
      const record = this.records[this.head];
      this.records[this.head] = undefined;
      this.head++;
      owner.drop(record);
      n++;
    }
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.owners = this.owners.slice(this.head);
      this.records = this.records.slice(this.head);
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
    return this.times.length - this.head;
  }

  clear(): void {
    this.times = [];
    this.owners = [];
    this.records = [];
    this.head = 0;
    this.swept = 0;
  }
}
