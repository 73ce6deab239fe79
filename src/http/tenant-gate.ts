// Fairness between tenants at the door (D102): in one API process, one tenant's triggers run at most
// `limit` at a time; the rest wait in that tenant's own queue, in order. A tenant flooding CallRail
// triggers then holds a few of the process's database connections, not all of them, and the other
// tenants' requests (triggers, webhooks, reads) do not queue behind its burst. Nothing is refused: a
// waiting trigger is answered when its turn comes.
export class TenantGate {
  private readonly tenants = new Map<string, { running: number; waiting: (() => void)[] }>();

  constructor(private readonly limit: number) {}

  async run<T>(tenant: string, fn: () => Promise<T>): Promise<T> {
    let t = this.tenants.get(tenant);
    if (!t) {
      t = { running: 0, waiting: [] };
      this.tenants.set(tenant, t);
    }
    const state = t;
    if (state.running < this.limit) state.running++;
    // a waiter is resumed with the slot of the one that finished: `running` does not change
    else await new Promise<void>((resume) => state.waiting.push(resume));
    try {
      return await fn();
    } finally {
      const next = state.waiting.shift();
      if (next) next();
      else if (--state.running === 0) this.tenants.delete(tenant);
    }
  }
}

/** A quarter of the process's database connections per tenant, at least two. */
export const gateFor = (poolMax: number) => new TenantGate(Math.max(2, Math.floor(poolMax / 4)));
