// One job's journey (issue 13) as the contract's JobJourney: the stored rows become one ordered timeline.
import type { JobError, JobJourney, JourneyEntry, MappedError } from '../../../generated/otto/types.gen.ts';
import type { JourneyRows } from '../../views/journey-rows.ts';
import { presentAnalysisError } from './analysis-error.ts';
import { presentJob } from './jobs.ts';

const iso = (d: Date | string) => new Date(d).toISOString();

/**
 * A stored Shunya error as Otto reports it to its own clients (§5.2): the frontend read's own mapping
 * (presentAnalysisError, D79), so the journey shows exactly what a user is told beside Shunya's raw code.
 */
export function mapStoredError(e: JobError | null, what: 'call' | 'visit'): MappedError | null {
  const mapped = presentAnalysisError(e, what);
  return mapped
    ? {
        error_code: mapped.error_code,
        error_type: mapped.error_type,
        message: mapped.message,
        retryable: mapped.retryable,
      }
    : null;
}

const mapperOf = (r: JourneyRows) => (e: JobError | null) =>
  mapStoredError(e, r.job.job_type === 'csr_call' ? 'call' : 'visit');

type Entry = JourneyEntry & { order: number };

function operationEntries(r: JourneyRows): Entry[] {
  const map = mapperOf(r);
  const out: Entry[] = [];
  for (const o of r.operations) {
    const refs = { operation_id: o.id, request_id: o.request_id, idempotency_key: o.idempotency_key };
    out.push({
      at: iso(o.created_at),
      kind: 'operation_created',
      title: `${o.kind}: operation created`,
      ...refs,
      order: 2,
    });
    if (o.submitted_at)
      out.push({
        at: iso(o.submitted_at),
        kind: 'operation_submitted',
        title: `${o.kind} submitted to Shunya${o.shunya_job_id ? ` (Shunya job ${o.shunya_job_id})` : ''}`,
        ...refs,
        shunya_job_id: o.shunya_job_id,
        order: 3,
      });
    // while the operation is open, its error is the last poll's or submission's (D80)
    const pending = o.status === 'submitting' || o.status === 'submitted' ? o.error : null;
    if (o.poll_count > 0 || pending)
      out.push({
        at: iso(o.completed_at ?? o.updated_at),
        kind: 'polls',
        title: `${o.kind}: polled Shunya ${o.poll_count}×`,
        ...refs,
        shunya_job_id: o.shunya_job_id,
        error: pending,
        mapped_error: map(pending),
        detail: o.unreadable_answers ? `${o.unreadable_answers} unreadable answers in a row` : null,
        order: 4,
      });
    if (o.completed_at && (o.status === 'completed' || o.status === 'failed'))
      out.push({
        at: iso(o.completed_at),
        kind: o.status === 'completed' ? 'operation_completed' : 'operation_failed',
        title: `${o.kind} ${o.status}`,
        ...refs,
        shunya_job_id: o.shunya_job_id,
        http_status: o.error?.http_status ?? null,
        error: o.error,
        mapped_error: map(o.error),
        detail: o.result_hash ? `result hash ${o.result_hash.slice(0, 12)}…` : null,
        order: 6,
      });
  }
  return out;
}

/** Each poll's answer (D275), beside its operation's other rows. */
function pollAnswerEntries(r: JourneyRows): Entry[] {
  const kindOf = new Map(r.operations.map((o) => [o.id, o]));
  return r.pollAnswers.map((p) => {
    const o = kindOf.get(p.operation_id);
    return {
      at: iso(p.answered_at),
      kind: 'poll_answer',
      title: `${o?.kind ?? 'operation'}: poll ${p.poll_number + 1} → ${p.answer}`,
      operation_id: p.operation_id,
      request_id: o?.request_id ?? null,
      http_status: p.http_status,
      answer: p.answer,
      error_code: p.error_code,
      shunya_request_id: p.shunya_request_id,
      duration_ms: p.duration_ms,
      detail: p.duration_ms === null ? null : `answered in ${Math.round(p.duration_ms)} ms`,
      order: 4,
    };
  });
}

function timeline(r: JourneyRows): JourneyEntry[] {
  const map = mapperOf(r);
  const { job } = r;
  const entries: Entry[] = [
    {
      at: iso(r.trigger.at),
      kind: 'trigger',
      title:
        r.trigger.kind === 'callrail_call'
          ? `CallRail call ${r.trigger.callrail_call_id} accepted`
          : 'Sales visit recording uploaded',
      order: 0,
    },
    { at: iso(job.created_at), kind: 'job_created', title: `Job created (${job.job_type})`, order: 1 },
  ];
  for (const a of r.attempts) {
    entries.push({
      at: iso(a.started_at),
      kind: 'admission',
      title: `Admitted: attempt ${a.attempt}, stage ${a.stage}`,
      order: 1,
    });
    if (a.finished_at)
      entries.push({
        at: iso(a.finished_at),
        kind: 'attempt_finished',
        title: `Attempt ${a.attempt} ${a.outcome.replace(/_/g, ' ')}`,
        error: a.error,
        mapped_error: map(a.error),
        http_status: a.error?.http_status ?? null,
        order: 7,
      });
  }
  entries.push(...operationEntries(r), ...pollAnswerEntries(r));
  for (const d of r.deliveries)
    entries.push({
      at: iso(d.received_at),
      kind: 'webhook',
      title: `Webhook from Shunya${d.profile ? ` (${d.profile} profile)` : ''} → ${d.verdict}`,
      operation_id: d.operation_id,
      request_id: d.request_id,
      shunya_job_id: d.shunya_job_id,
      verdict: d.verdict as JourneyEntry['verdict'],
      profile: d.profile,
      http_status: d.http_status,
      detail: d.error ?? (d.duration_ms !== null ? `handled in ${Math.round(d.duration_ms)} ms` : null),
      order: 5,
    });
  for (const row of r.domainRows)
    entries.push({
      at: iso(row.created_at),
      kind: 'domain_row',
      title: `Row written: ${row.table}`,
      detail: row.summary,
      order: 8,
    });
  for (const e of r.events)
    entries.push({
      at: iso(e.occurred_at),
      kind: 'event',
      title: `Event ${e.event_type}`,
      detail: e.position ? `stream position ${e.position}` : 'not yet published',
      order: 9,
    });
  for (const a of r.audit)
    entries.push({
      at: iso(a.at),
      kind: 'operator_action',
      title: `${a.actor} (${a.actor_kind.replace(/_/g, ' ')}): ${a.action}`,
      request_id: a.request_id,
      order: 1,
    });
  if (job.completed_at)
    entries.push({
      at: iso(job.completed_at),
      kind: 'job_finished',
      title: `Job ${job.job_status}`,
      error: job.last_error,
      mapped_error: job.job_status === 'succeeded' ? null : map(job.last_error),
      order: 10,
    });
  // By time; at the same instant, in the order things happen (a transaction writes rows before its
  // events). The job's end goes last: Postgres stamps it with its transaction's start, a few ms before the
  // operation that the same transaction completes (D124).
  const key = (e: Entry) => (e.kind === 'job_finished' ? Number.POSITIVE_INFINITY : Date.parse(e.at));
  return entries.sort((a, b) => key(a) - key(b) || a.order - b.order).map(({ order: _, ...e }) => e);
}

export function presentJourney(
  r: JourneyRows,
  expectedStart: Date | null,
  frontendRead: JobJourney['frontend_read'],
): JobJourney {
  const map = mapperOf(r);
  return {
    job: presentJob(r.job, expectedStart),
    trigger: { kind: r.trigger.kind, at: iso(r.trigger.at), callrail_call_id: r.trigger.callrail_call_id },
    timeline: timeline(r),
    operations: r.operations.map((o) => ({
      id: o.id,
      kind: o.kind,
      status: o.status,
      shunya_job_id: o.shunya_job_id,
      request_id: o.request_id,
      idempotency_key: o.idempotency_key,
      created_at: iso(o.created_at),
      submitted_at: o.submitted_at ? iso(o.submitted_at) : null,
      completed_at: o.completed_at ? iso(o.completed_at) : null,
      poll_count: o.poll_count,
      error: o.error,
      mapped_error: map(o.error),
    })),
    domain_rows: r.domainRows.map((d) => ({
      table: d.table,
      id: d.id,
      created_at: iso(d.created_at),
      summary: d.summary,
    })),
    events: r.events.map((e) => ({
      id: String(e.id),
      type: e.event_type,
      aggregate_type: e.aggregate_type,
      aggregate_id: e.aggregate_id,
      occurred_at: iso(e.occurred_at),
      position: e.position === null ? null : String(e.position),
    })),
    frontend_read: frontendRead,
  };
}
