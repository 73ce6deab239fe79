// Domain events, written in the same transaction (here: the same statement) as the change they describe
// (§3.1 step 3.4). Delivery after commit, in commit order, is the outbox relay's job (src/events/relay.ts).
import type {
  EventType,
  JobStatus,
  OperatorEventType,
  ShunyaJobStateChangedData,
} from '../../generated/otto/types.gen.ts';
import { zOperatorEventType } from '../../generated/otto/zod.gen.ts';
import type { Db, Tx } from '../db/knex.ts';
import { type Part, part } from '../db/statement.ts';

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
 * An event written by a composed statement: `from` selects exactly (company_id, aggregate_id, payload
 * jsonb), typically over the RETURNING rows of the part that wrote the aggregate, so that the event exists
 * exactly when the row it announces was written, and its id is taken after the aggregate's row was locked
 * (the relay's ordering, src/events/relay.ts).
 */
export interface EventPart {
  type: EventType | OperatorEventType;
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

/** The same event for one job known to the caller, written when `guard` wrote (D381). */
export const jobStateEvent = (
  job: { id: string; company_id: string; stage: string },
  status: JobStatus,
  reason: JobStateReason,
  nextAttemptAt: Date | null,
  guard: string,
): EventPart => {
  const data: ShunyaJobStateChangedData = {
    job_id: job.id,
    job_status: status,
    stage: job.stage as ShunyaJobStateChangedData['stage'],
    reason,
    next_attempt_at: nextAttemptAt?.toISOString() ?? null,
  };
  return constantEvent(
    {
      type: 'shunya.job.state_changed',
      companyId: job.company_id,
      aggregateType: 'shunya_job',
      aggregateId: job.id,
      data,
    },
    guard,
  );
};
