// Domain events, written in the same transaction (here: the same statement) as the change they describe
// (§3.1 step 3.4). Delivery after commit, in commit order, is the outbox relay's job (src/events/relay.ts).
import type {
  EventType,
  OperatorEventType,
  ShunyaJobStateChangedData,
} from '../../generated/otto/types.gen.ts';
import { zOperatorEventType } from '../../generated/otto/zod.gen.ts';
import type { Db, Tx } from '../db/knex.ts';

export type { EventType, OperatorEventType };

/**
 * Event types written to the outbox for the operator stream only (D381): a tenant's stream and a job's
 * journey pass them over.
 */
export const OPERATOR_ONLY_EVENTS: readonly OperatorEventType[] = zOperatorEventType.options;

export type JobStateReason = ShunyaJobStateChangedData['reason'];

export type AggregateType = 'call' | 'lead' | 'appointment' | 'recording_session' | 'shunya_job';

export interface NewEvent {
  type: EventType | OperatorEventType;
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
 * A statement's part that announces, on the operator stream (D381), each job `from` selects: it must
 * select `id`, `company_id`, `job_status`, `stage` and `next_attempt_at`, typically from the RETURNING rows
 * of the update that moved the jobs, so the event exists exactly when the move happened.
 */
export const jobStateEventsSql = (from: string, reason: JobStateReason): string =>
  `INSERT INTO outbox_events (company_id, event_type, aggregate_type, aggregate_id, payload)
   SELECT company_id, 'shunya.job.state_changed', 'shunya_job', id,
          jsonb_build_object('job_id', id, 'job_status', job_status, 'stage', stage, 'reason', '${reason}',
            'next_attempt_at', to_char(next_attempt_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
   FROM ${from}`;
