// Counters for GET /__sim/stats: requests by operation and status, faults by kind, jobs, webhooks.
export class Stats {
  private counters = new Map<string, number>();

  inc(name: string, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }

  get(name: string): number {
    return this.counters.get(name) ?? 0;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counters].sort(([a], [b]) => a.localeCompare(b)));
  }

  clear(): void {
    this.counters.clear();
  }
}
