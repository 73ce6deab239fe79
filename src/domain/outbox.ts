// Domain events, written in the same transaction (here: the same statement) as the change they describe
// (§3.1 step 3.4). Delivery after commit, in commit order, is the outbox relay's job (src/events/relay.ts).
import type { EventType } from '../../generated/otto/types.gen.ts';
import type { Db, Tx } from '../db/knex.ts';

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
