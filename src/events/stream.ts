// The tenant's event stream (Server-Sent Events): events in position order (commit order), each once,
// resumable from any position. Connections are woken by the relay's notification for their tenant.
import type { DomainEvent } from '../../generated/otto/types.gen.ts';
import { zOperatorEventType } from '../../generated/otto/zod.gen.ts';
import type { Db } from '../db/knex.ts';
import type { PgListener } from './listener.ts';

interface EventRow {
  position: number;
  company_id: string;
  event_type: DomainEvent['type'];
  aggregate_type: DomainEvent['aggregate_type'];
  aggregate_id: string;
  occurred_at: Date;
  payload: DomainEvent['data'];
}

export function toDomainEvent(r: EventRow): DomainEvent {
  return {
    id: String(r.position),
    type: r.event_type,
    company_id: r.company_id,
    aggregate_type: r.aggregate_type,
    aggregate_id: r.aggregate_id,
    occurred_at: new Date(r.occurred_at).toISOString(),
    data: r.payload,
  };
}

/** Subscribes an operator's stream to the events of every tenant (D265). */
export const ALL_TENANTS = '*';

export async function eventsAfter(
  db: Db,
  companyId: string,
  after: number,
  limit = 500,
): Promise<DomainEvent[]> {
  const query = db('outbox_events').where('position', '>', after);
  // a tenant's stream never carries the operator-only events (D381): its contract has no such type
  if (companyId !== ALL_TENANTS)
    query.andWhere({ company_id: companyId }).whereNotIn('event_type', zOperatorEventType.options);
  const rows = (await query.orderBy('position').limit(limit)) as EventRow[];
  return rows.map(toDomainEvent);
}

/** The last position the relay has handed out: where a stream opened without Last-Event-ID starts (D147). */
export async function presentPosition(db: Db): Promise<number> {
  const row = await db('outbox_relay').where({ id: 1 }).first('last_position');
  return Number(row?.last_position ?? 0);
}

export interface Subscriber {
  /** The tenant whose events it takes, or ALL_TENANTS for an operator's stream. */
  companyId: string;
  /**
   * Writes events in order until its connection's buffer is full (D91); returns how many it took, or null
   * when the subscriber is gone. One that took fewer calls hub.catchUp once its reader has drained.
   */
  deliver(events: DomainEvent[]): number | null;
  position: number;
  /** Bytes written to this subscriber's connection that its reader has not taken yet. */
  bufferedBytes?(): number;
}

/** Fans the relay's wake-ups out to the subscribers of each tenant, one catch-up query at a time each. */
export class EventHub {
  private readonly subscribers = new Set<Subscriber>();
  private readonly busy = new WeakMap<Subscriber, { again: boolean }>();

  constructor(
    private readonly db: Db,
    listener: PgListener,
  ) {
    listener.on('otto_events', (payload) => {
      let companies: string[] | '*';
      try {
        companies = JSON.parse(payload);
      } catch {
        companies = '*';
      }
      for (const s of this.subscribers)
        if (companies === '*' || s.companyId === ALL_TENANTS || companies.includes(s.companyId))
          void this.pump(s);
    });
    listener.onConnect(() => {
      for (const s of this.subscribers) void this.pump(s);
    });
  }

  subscribe(s: Subscriber): () => void {
    this.subscribers.add(s);
    void this.pump(s);
    return () => this.subscribers.delete(s);
  }

  get size(): number {
    return this.subscribers.size;
  }

  /** What each open connection holds in Otto's memory, unread by its client (for the metrics). */
  bufferedBytes(): number[] {
    return [...this.subscribers].map((s) => s.bufferedBytes?.() ?? 0);
  }

  /** Catches a subscriber up (used on heartbeats, in case a wake-up was lost to a database hiccup). */
  catchUp(s: Subscriber): void {
    if (this.subscribers.has(s)) void this.pump(s);
  }

  private async pump(s: Subscriber): Promise<void> {
    const state = this.busy.get(s);
    if (state) {
      state.again = true;
      return;
    }
    const mine = { again: true };
    this.busy.set(s, mine);
    try {
      while (mine.again && this.subscribers.has(s)) {
        mine.again = false;
        const events = await eventsAfter(this.db, s.companyId, s.position);
        if (events.length === 0) break;
        const taken = s.deliver(events);
        if (taken === null) {
          this.subscribers.delete(s);
          break;
        }
        if (taken > 0) s.position = Number(events[taken - 1]?.id ?? s.position);
        if (taken < events.length) break; // its reader is behind: it asks again once drained
        if (events.length === 500) mine.again = true;
      }
    } catch {
      // a database hiccup: the next notification or reconnection catches up from s.position
    } finally {
      this.busy.delete(s);
    }
  }
}
