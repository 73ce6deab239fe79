// Circuit breakers per (endpoint template, tenant) (§9.1): `GET /api/v1/analysis/complete/{call_id}` for
// company_abc is one breaker whatever the call id. cockatiel's ConsecutiveBreaker: `threshold`
// consecutive failures open it; after `cooldownMs` the next call is the single probe (others wait for
// its result); success closes it, failure re-opens it for another cooldown.
//
// Each process has its own breakers, and tells the others when one opens (D101): `onOpen` receives the
// instant until which it is open, and a breaker that opened in another process (`openedElsewhere`) refuses
// calls here too until then, so that the other processes stop sending into the outage as soon as one has
// seen it, instead of each finding it out by its own `threshold` failures.
import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  IsolatedCircuitError,
} from 'cockatiel';
import type { BreakerState } from './types.ts';

/** Thrown inside a breaker to count a failure; carries the real error out. */
export class BreakerFailure extends Error {
  constructor(readonly error: unknown) {
    super('counted breaker failure');
  }
}

interface Entry {
  endpoint: string;
  companyId: string;
  policy: CircuitBreakerPolicy;
  counter: ConsecutiveBreaker;
  openedAt: number | null;
  /** open in another process until this instant (epoch ms) */
  elsewhereUntil: number | null;
}

export class BreakerRegistry {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly threshold: number,
    private readonly cooldownMs: number,
    private readonly onOpen?: (endpoint: string, companyId: string, untilMs: number) => void,
  ) {}

  static key(endpoint: string, companyId: string): string {
    return `${endpoint}|${companyId}`;
  }

  private entry(endpoint: string, companyId: string): Entry {
    const key = BreakerRegistry.key(endpoint, companyId);
    let e = this.entries.get(key);
    if (!e) {
      const counter = new ConsecutiveBreaker(this.threshold);
      const policy = circuitBreaker(
        handleWhen((err) => err instanceof BreakerFailure),
        { halfOpenAfter: this.cooldownMs, breaker: counter },
      );
      const created: Entry = { endpoint, companyId, policy, counter, openedAt: null, elsewhereUntil: null };
      // cockatiel measures the cooldown with Date.now(); so do we.
      policy.onBreak(() => {
        created.openedAt = Date.now();
        this.onOpen?.(endpoint, companyId, created.openedAt + this.cooldownMs);
      });
      policy.onReset(() => {
        created.openedAt = null;
      });
      this.entries.set(key, created);
      e = created;
    }
    return e;
  }

  /**
   * Runs `fn` through the breaker of (endpoint, companyId). `fn` throws BreakerFailure for the failures
   * that count and returns everything else (a 4xx is an answer, so it resets the count). Never rejects
   * for an open breaker: that is `{ kind: 'open' }`, and `fn` was not called.
   */
  async run<T>(
    endpoint: string,
    companyId: string,
    fn: () => Promise<T>,
  ): Promise<
    { kind: 'value'; value: T } | { kind: 'failure'; error: unknown } | { kind: 'open'; retryAfterMs: number }
  > {
    const e = this.entry(endpoint, companyId);
    const elsewhere = this.elsewhereFor(e);
    if (elsewhere !== null) return { kind: 'open', retryAfterMs: elsewhere };
    try {
      return { kind: 'value', value: await e.policy.execute(fn) };
    } catch (err) {
      if (err instanceof BreakerFailure) return { kind: 'failure', error: err.error };
      if (err instanceof BrokenCircuitError || err instanceof IsolatedCircuitError) {
        return { kind: 'open', retryAfterMs: this.retryAfterMs(e) };
      }
      throw err;
    }
  }

  /** While the breaker refuses calls: how long until it lets a probe through; otherwise null. */
  openFor(endpoint: string, companyId: string): number | null {
    const e = this.entries.get(BreakerRegistry.key(endpoint, companyId));
    if (!e) return null;
    const elsewhere = this.elsewhereFor(e);
    if (elsewhere !== null) return elsewhere;
    if (e.policy.state !== CircuitState.Open) return null;
    const ms = this.retryAfterMs(e);
    return ms > 0 ? ms : null;
  }

  /** Another process's breaker for (endpoint, tenant) opened: refuse calls here too until `untilMs`. */
  openedElsewhere(endpoint: string, companyId: string, untilMs: number): void {
    const e = this.entry(endpoint, companyId);
    if (untilMs > Date.now() && untilMs > (e.elsewhereUntil ?? 0)) e.elsewhereUntil = untilMs;
  }

  private elsewhereFor(e: Entry): number | null {
    const ms = e.elsewhereUntil === null ? 0 : e.elsewhereUntil - Date.now();
    return ms > 0 ? ms : null;
  }

  private retryAfterMs(e: Entry): number {
    return e.openedAt === null ? this.cooldownMs : Math.max(0, e.openedAt + this.cooldownMs - Date.now());
  }

  /**
   * Every breaker, for the ops API and metrics. `half_open` also covers an open breaker whose cooldown
   * has passed: its next call will be the probe.
   */
  states(): BreakerState[] {
    return [...this.entries.values()].map((e) => {
      if (this.elsewhereFor(e) !== null && e.policy.state === CircuitState.Closed)
        return {
          endpoint: e.endpoint,
          company_id: e.companyId,
          state: 'open' as const,
          consecutive_failures: e.counter.state as number,
          opened_at: new Date((e.elsewhereUntil as number) - this.cooldownMs).toISOString(),
        };
      const s = e.policy.state;
      const cooled = e.openedAt !== null && Date.now() - e.openedAt >= this.cooldownMs;
      const state =
        s === CircuitState.HalfOpen || (s === CircuitState.Open && cooled)
          ? 'half_open'
          : s === CircuitState.Closed
            ? 'closed'
            : 'open';
      return {
        endpoint: e.endpoint,
        company_id: e.companyId,
        state,
        consecutive_failures: e.counter.state as number,
        opened_at: e.openedAt === null ? null : new Date(e.openedAt).toISOString(),
      };
    });
  }
}
