// Per-tenant request rate limit (§7.1 "rate limit per tenant", §11.2): a fixed one-minute window of
// virtual time per company. The concurrent-jobs limit is checked where jobs are created.
import type { VirtualClock } from './clock.ts';

export class RateLimiter {
  private windows = new Map<string, { startMs: number; count: number }>();

  constructor(private readonly clock: VirtualClock) {}

  /** Counts a request; returns the seconds to wait when it is over `perMinute`, else null. */
  hit(companyId: string, perMinute: number): number | null {
    const now = this.clock.now();
    let w = this.windows.get(companyId);
    if (!w || now - w.startMs >= 60_000) {
      w = { startMs: now, count: 0 };
      this.windows.set(companyId, w);
    }
    w.count++;
    return w.count > perMinute ? Math.max(1, Math.ceil((w.startMs + 60_000 - now) / 1000)) : null;
  }

  clear(): void {
    this.windows.clear();
  }
}
