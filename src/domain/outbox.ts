// Domain events, written in the same transaction (here: the same statement) as the change they describe
// (§3.1 step 3.4). Delivery after commit, in commit order, is the outbox relay's job (src/events/relay.ts).
import type { EventType } from '../../generated/otto/types.gen.ts';
import type { Db, Tx } from '../db/knex.ts';
import { type Part, part } from '../db/statement.ts';

export type { EventType };

export type AggregateType = 'call' | 'lead' | 'appointment' | 'recording_session' | 'shunya_job';

export interface NewEvent {
  type: EventType;
  companyId: string;
  aggregateType: AggregateType;
  aggregateId: string;
  data: Record<string, unknown>;
}

export async function insertEvents(tx: Db | Tx, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await tx('outbox_events').insert(
    events.map((e) => ({
      company_id: e.companyId,
      event_type: e.type,
      aggregate_type: e.aggregateType,
      aggregate_id: e.aggregateId,
      payload: JSON.stringify(e.data),
    })),
  );
}

/**
 * An event written by a composed statement: `from` selects exactly (company_id, aggregate_id, payload
 * jsonb), typically over the RETURNING rows of the part that wrote the aggregate, so that the event exists
 * exactly when the row it announces was written, and its id is taken after the aggregate's row was locked
 * (the relay's ordering, src/events/relay.ts).
 */
export interface EventPart {
  type: EventType;
  aggregateType: AggregateType;
  from: string;
  bindings: unknown[];
}

/** An event with a fixed payload, written when `guard` wrote. */
export const constantEvent = (e: NewEvent, guard: string): EventPart => ({
  type: e.type,
  aggregateType: e.aggregateType,
  from: `SELECT ?::uuid AS company_id, ?::uuid AS aggregate_id, ?::jsonb AS payload WHERE EXISTS (SELECT 1 FROM ${guard})`,
  bindings: [e.companyId, e.aggregateId, JSON.stringify(e.data)],
});

/** The part that writes every event of a statement, in the order given (their ids follow it). */
export function eventsPart(name: string, events: EventPart[]): Part | null {
  if (events.length === 0) return null;
  const selects = events.map(
    (e, i) =>
      `SELECT ${i} AS ord, company_id, '${e.type}'::text AS event_type, '${e.aggregateType}'::text AS aggregate_type,
              aggregate_id, payload FROM (${e.from}) e${i}`,
  );
  return part(
    name,
    `INSERT INTO outbox_events (company_id, event_type, aggregate_type, aggregate_id, payload)
     SELECT company_id, event_type, aggregate_type, aggregate_id, payload FROM (${selects.join(' UNION ALL ')}) all_events
     ORDER BY ord RETURNING id`,
    events.flatMap((e) => e.bindings),
  );
}
