// The simulator's virtual clock and its one scheduler.
//
// Shunya's world (job durations, webhook retry schedules, idempotency expiry, rate-limit windows,
// fault durations, the timestamps in bodies) runs on virtual time: virtual = origin + real elapsed ×
// scale, plus whatever `advance()` added. SIM_TIME_SCALE=1000 makes 2 virtual minutes pass in 120 ms;
// scale 0 freezes time so that only `advance()` moves it (deterministic tests).
//
// Every timed event goes into one binary heap served by a single real timer armed for the earliest
// event, so 10 000 jobs in flight cost one setTimeout, not 10 000.

interface Entry {
  at: number; // virtual epoch ms
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

export interface Scheduled {
  cancel(): void;
}

const MAX_TIMER_MS = 2_147_483_647;

export class VirtualClock {
  private originReal = performance.now();
  private originVirtual: number;
  private scaleValue: number;
  private heap: Entry[] = [];
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Number.POSITIVE_INFINITY;
  private stopped = false;

  constructor(scale = 1, startMs = Date.now()) {
    this.originVirtual = startMs;
    this.scaleValue = scale;
  }

  /** Virtual now, epoch milliseconds. */
  now(): number {
    return this.originVirtual + (performance.now() - this.originReal) * this.scaleValue;
  }

  nowIso(): string {
    return new Date(this.now()).toISOString();
  }

  get scale(): number {
    return this.scaleValue;
  }

  setScale(scale: number): void {
    this.originVirtual = this.now();
    this.originReal = performance.now();
    this.scaleValue = scale;
    this.rearm();
  }

  /** Moves virtual time forward and runs everything that became due, in time order, each with the
   * clock showing its own due time (so what it schedules is relative to that, not to the end). */
  advance(seconds: number): number {
    const target = this.now() + seconds * 1000;
    let fired = 0;
    for (;;) {
      const top = this.heap[0];
      if (!top || top.at > target) break;
      if (top.at > this.now()) this.originVirtual += top.at - this.now();
      fired += this.runDue();
    }
    this.originVirtual += Math.max(0, target - this.now());
    return fired + this.runDue();
  }

  /** Runs `fn` when virtual time reaches `atMs`. */
  at(atMs: number, fn: () => void): Scheduled {
    const entry: Entry = { at: atMs, seq: this.seq++, fn, cancelled: false };
    this.push(entry);
    if (atMs < this.armedFor) this.rearm();
    return {
      cancel: () => {
        entry.cancelled = true;
      },
    };
  }

  /** Runs `fn` after `seconds` of virtual time. */
  after(seconds: number, fn: () => void): Scheduled {
    return this.at(this.now() + seconds * 1000, fn);
  }

  /** Drops every scheduled event (reset). */
  clear(): void {
    this.heap = [];
    this.rearm();
  }

  stop(): void {
    this.stopped = true;
    this.clear();
  }

  private runDue(): number {
    let fired = 0;
    // Events may schedule further events that are already due: keep going until none is.
    for (;;) {
      const top = this.heap[0];
      if (!top || top.at > this.now()) break;
      this.pop();
      if (top.cancelled) continue;
      fired++;
      try {
        top.fn();
      } catch (err) {
        // A failing event must not stop the others; the owner logs its own errors.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
    this.rearm();
    return fired;
  }

  private rearm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    const top = this.heap[0];
    if (!top || this.stopped || this.scaleValue === 0) return;
    const delay = Math.max(0, (top.at - this.now()) / this.scaleValue);
    this.armedFor = top.at;
    this.timer = setTimeout(() => this.runDue(), Math.min(Math.ceil(delay), MAX_TIMER_MS));
    this.timer.unref();
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && less(h[l]!, h[m]!)) m = l;
      if (r < h.length && less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

const less = (a: Entry, b: Entry) => a.at < b.at || (a.at === b.at && a.seq < b.seq);
