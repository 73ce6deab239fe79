// Idempotency-Key (§4.6), per tenant, for 24 virtual hours. The request's fingerprint is its method,
// path and exact body bytes: the same key with the same request replays the stored answer (no new job,
// header Idempotent-Replayed: true); the same key with another request is 409 IDEMPOTENCY_KEY_REUSED.
// Successes and non-retryable 4xx answers are stored; retryable errors (409 TRANSCRIPT_NOT_READY, 429,
// 5xx) are not, so that a retry with the same key can succeed. A duplicate arriving while the first
// request is still being handled waits for its answer.
import { createHash } from 'node:crypto';
import type { Middleware } from 'koa';
import type { VirtualClock } from './clock.ts';
import { errors, SimError } from './errors.ts';
import { flat } from './flat.ts';
import type { Owner, Retention } from './retention.ts';
import type { SimContextState } from './routes/pipeline.ts';

const TTL_MS = 24 * 3600 * 1000;

type Stored = { status: number; body: unknown } | { error: SimError };

interface Entry {
  /** The map's key (tenant and key), for the retention sweep. */
  id: string;
  fingerprint: string;
  createdMs: number;
  result: Stored | undefined;
  /** Until the first request is answered; then only `result` is kept (D370). */
  pending: Promise<Stored | undefined> | undefined;
}

export class IdempotencyStore {
  private entries = new Map<string, Entry>();
  replays = 0;

  /** `retention`: an answered key is also dropped once the retention window has passed (D290). */
  constructor(
    private readonly clock: VirtualClock,
    private readonly retention?: Retention,
  ) {}

  private readonly expired: Owner<Entry> = {
    drop: (entry) => {
      if (this.entries.get(entry.id) === entry) this.entries.delete(entry.id);
    },
  };

  clear(): void {
    this.entries.clear();
    this.replays = 0;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Entries are inserted in time order, so expired ones are at the front. */
  private prune(now: number): void {
    for (const [k, e] of this.entries) {
      if (now - e.createdMs < TTL_MS) break;
      this.entries.delete(k);
    }
  }

  /** `ignored`: the tenant's key is not honoured (the `idempotency_ignored` deviation); `noConflict`:
   * the same key with another request runs as a new request (`idempotency_conflict_ignored`). */
  middleware(
    ignored: (companyId: string) => boolean = () => false,
    noConflict: (companyId: string) => boolean = () => false,
  ): Middleware<SimContextState> {
    return async (ctx, next) => {
      const key = ctx.get('idempotency-key');
      if (!key || ignored(ctx.state.companyId)) return next();
      const now = this.clock.now();
      this.prune(now);
      const id = flat(`${ctx.state.companyId}\u0000${key}`);
      const fingerprint = createHash('sha256')
        .update(`${ctx.method} ${ctx.path}\n`)
        .update(ctx.state.rawBody ?? Buffer.alloc(0))
        .digest('hex');
      const existing = this.entries.get(id);
      if (existing) {
        if (existing.fingerprint !== fingerprint) {
          if (noConflict(ctx.state.companyId)) return next();
          throw errors.idempotencyReused(key);
        }
        const stored = existing.result ?? (await existing.pending);
        if (stored) {
          this.replays++;
          ctx.set('Idempotent-Replayed', 'true');
          if ('error' in stored) throw stored.error;
          ctx.status = stored.status;
          ctx.body = stored.body;
          return;
        }
      }
      let resolve!: (s: Stored | undefined) => void;
      const entry: Entry = {
        id,
        fingerprint,
        createdMs: now,
        result: undefined,
        pending: new Promise((r) => (resolve = r)),
      };
      this.entries.delete(id);
      this.entries.set(id, entry);
      let stored: Stored | undefined;
      try {
        await next();
        if (ctx.status < 400) stored = { status: ctx.status, body: ctx.body };
      } catch (err) {
        if (err instanceof SimError && err.status < 500 && err.status !== 429 && !err.retryable)
          stored = { error: err };
        throw err;
      } finally {
        entry.pending = undefined;
        if (stored) {
          entry.result = stored;
          this.retention?.keep(this.expired, entry);
        } else if (this.entries.get(id) === entry) this.entries.delete(id);
        resolve(stored);
      }
    };
  }
}
