// Everything stored about one job, for its journey in the console (issue 13): the trigger's row, attempts,
// Shunya operations, each poll's answer, webhook deliveries, the domain rows it wrote, the events it emitted and operators'
// actions on it. Only ids, states and times are read from the domain rows: no transcript text, phone
// number, name or address (those stay in the frontend read, which the journey shows as the frontend would).
import type { Db } from '../db/knex.ts';
import type { AuditRow } from '../domain/audit-log.ts';
import { OPERATOR_ONLY_EVENTS } from '../domain/outbox.ts';
import type { JobRow, OperationRow } from '../jobs/model.ts';

export interface JourneyAttemptRow {
  attempt: number;
  stage: string;
  started_at: Date;
  finished_at: Date | null;
  outcome: string;
  error: OperationRow['error'];
}

export interface JourneyDeliveryRow {
  id: string;
  received_at: Date;
  verdict: string;
  http_status: number;
  shunya_job_id: string | null;
  profile: 'handoff' | 'shunya' | null;
  error: string | null;
  request_id: string | null;
  operation_id: string | null;
  duration_ms: number | null;
}

/** One poll's answer (D275): its small, non-personal part only. */
export interface JourneyPollAnswerRow {
  operation_id: string;
  poll_number: number;
  answered_at: Date;
  answer: 'queued' | 'processing' | 'completed' | 'failed' | 'error' | 'unreadable';
  error_code: string | null;
  http_status: number | null;
  shunya_request_id: string | null;
  duration_ms: number | null;
}

export interface JourneyDomainRow {
  table: string;
  id: string;
  created_at: Date;
  summary: string | null;
}

export interface JourneyEventRow {
  id: string;
  event_type: string;
  aggregate_type: string;
  aggregate_id: string;
  occurred_at: Date;
  position: string | null;
}

export interface JourneyRows {
  job: JobRow;
  trigger: { kind: 'callrail_call' | 'recording_upload'; at: Date; callrail_call_id: string | null };
  attempts: JourneyAttemptRow[];
  operations: (OperationRow & { created_at: Date; updated_at: Date })[];
  deliveries: JourneyDeliveryRow[];
  pollAnswers: JourneyPollAnswerRow[];
  domainRows: JourneyDomainRow[];
  events: JourneyEventRow[];
  audit: AuditRow[];
}

/** Domain rows a job wrote, by table: what each row says in a few words (no personal data). */
async function domainRowsOf(db: Db, job: JobRow, leadId: string | null): Promise<JourneyDomainRow[]> {
  const c = job.company_id;
  const byCall = job.call_id ? { company_id: c, call_id: job.call_id } : undefined;
  const bySession = job.recording_session_id
    ? { company_id: c, recording_session_id: job.recording_session_id }
    : undefined;
  const where = (byCall ?? bySession) as Record<string, string>;
  const q = (table: string, summary: string) =>
    db(table)
      .where(where)
      .select('id', 'created_at', db.raw(`${summary} AS summary`));
  const parts = await Promise.all([
    q(
      byCall ? 'call_transcripts' : 'recording_transcripts',
      `CASE WHEN available THEN word_count || ' words' ELSE 'not available' END`,
    ).then((rows) =>
      rows.map((r) => ({ ...r, table: byCall ? 'call_transcripts' : 'recording_transcripts' })),
    ),
    (byCall
      ? q('call_analyses', `'lead quality ' || coalesce(lead_quality, '—')`)
      : q('recording_analyses', `'outcome ' || coalesce(outcome, '—')`)
    ).then((rows) => rows.map((r) => ({ ...r, table: byCall ? 'call_analyses' : 'recording_analyses' }))),
    q('tasks', `coalesce(action_type, source)`).then((rows) => rows.map((r) => ({ ...r, table: 'tasks' }))),
    q('key_signals', 'signal_type').then((rows) => rows.map((r) => ({ ...r, table: 'key_signals' }))),
    byCall
      ? q('appointments', `'appointment ' || status`).then((rows) =>
          rows.map((r) => ({ ...r, table: 'appointments' })),
        )
      : Promise.resolve([]),
    byCall
      ? q('property_intelligence_requests', 'status').then((rows) =>
          rows.map((r) => ({ ...r, table: 'property_intelligence_requests' })),
        )
      : Promise.resolve([]),
    leadId
      ? db('leads')
          .where({ company_id: c, id: leadId })
          .select('id', 'created_at', db.raw(`'lead ' || status AS summary`))
          .then((rows) => rows.map((r) => ({ ...r, table: 'leads' })))
      : Promise.resolve([]),
  ]);
  return (parts.flat() as JourneyDomainRow[]).sort(
    (a, b) => new Date(a.created_at).getTime() - new Date(b.created_at).getTime(),
  );
}

/**
 * The events of this job's aggregates: its call or session, the job itself and the appointments it
 * touched; a lead's events only while the job ran (a lead may outlive many calls).
 */
async function eventsOf(db: Db, job: JobRow, leadId: string | null, appointmentIds: string[]) {
  const ids = [job.id, job.call_id, job.recording_session_id, ...appointmentIds].filter(Boolean) as string[];
  const until = job.completed_at ? new Date(new Date(job.completed_at).getTime() + 60_000) : new Date();
  const q = db('outbox_events')
    .where({ company_id: job.company_id })
    // the journey shows the job's moves from its attempts; its entries are domain events only (D381)
    .whereNotIn('event_type', OPERATOR_ONLY_EVENTS)
    .where((w) => {
      w.whereIn('aggregate_id', ids);
      if (leadId)
        w.orWhere((l) =>
          l
            .where({ aggregate_id: leadId })
            .whereBetween('occurred_at', [new Date(job.created_at).toISOString(), until.toISOString()]),
        );
    })
    .orderBy('id')
    .select('id', 'event_type', 'aggregate_type', 'aggregate_id', 'occurred_at', 'position');
  return (await q) as JourneyEventRow[];
}

export async function loadJourney(db: Db, jobId: string): Promise<JourneyRows | undefined> {
  const job = (await db('shunya_jobs').where({ id: jobId }).first()) as JobRow | undefined;
  if (!job) return undefined;
  const call = job.call_id
    ? ((await db('calls')
        .where({ company_id: job.company_id, id: job.call_id })
        .first('callrail_call_id', 'lead_id', 'created_at')) as
        | { callrail_call_id: string; lead_id: string | null; created_at: Date }
        | undefined)
    : undefined;
  const session = job.recording_session_id
    ? ((await db('recording_sessions')
        .where({ company_id: job.company_id, id: job.recording_session_id })
        .first('appointment_id', 'uploaded_at', 'created_at')) as
        | { appointment_id: string | null; uploaded_at: Date | null; created_at: Date }
        | undefined)
    : undefined;
  const leadId = call?.lead_id ?? null;
  const [attempts, operations, deliveries, pollAnswers, domainRows, audit] = await Promise.all([
    db('shunya_job_attempts').where({ job_id: jobId }).orderBy('id') as Promise<JourneyAttemptRow[]>,
    db('shunya_operations').where({ job_id: jobId }).orderBy('created_at') as Promise<
      (OperationRow & { created_at: Date; updated_at: Date })[]
    >,
    db('webhook_deliveries')
      .where({ job_id: jobId })
      .orderBy('received_at')
      .select(
        'id',
        'received_at',
        'verdict',
        'http_status',
        'shunya_job_id',
        'profile',
        'error',
        'request_id',
        'operation_id',
        'duration_ms',
      ) as Promise<JourneyDeliveryRow[]>,
    db('shunya_poll_answers')
      .where({ job_id: jobId })
      .orderBy('id')
      .select(
        'operation_id',
        'poll_number',
        'answered_at',
        'answer',
        'error_code',
        'http_status',
        'shunya_request_id',
        'duration_ms',
      ) as Promise<JourneyPollAnswerRow[]>,
    domainRowsOf(db, job, leadId),
    // operators' actions on the job; their reads of this journey are in the audit log only (D150)
    db('audit_log')
      .where({ target_type: 'job', target_id: jobId })
      .whereNot({ action: 'journey.read' })
      .orderBy('id') as Promise<AuditRow[]>,
  ]);
  const appointmentIds = [
    ...domainRows.filter((r) => r.table === 'appointments').map((r) => r.id),
    ...(session?.appointment_id ? [session.appointment_id] : []),
  ];
  return {
    job,
    trigger: call
      ? { kind: 'callrail_call', at: call.created_at, callrail_call_id: call.callrail_call_id }
      : {
          kind: 'recording_upload',
          at: session?.uploaded_at ?? session?.created_at ?? job.created_at,
          callrail_call_id: null,
        },
    attempts,
    operations,
    deliveries,
    pollAnswers,
    domainRows,
    events: await eventsOf(db, job, leadId, appointmentIds),
    audit,
  };
}
