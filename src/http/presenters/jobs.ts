// Jobs as the ops API presents them (contracts/otto.openapi.yaml JobSummary, JobDetail).
import type { JobDetail, JobSummary } from '../../../generated/otto/types.gen.ts';
import type { JobRow } from '../../jobs/model.ts';
import { traceIdOf } from '../../tracing.ts';
import type { JobHistory } from '../../views/job-queries.ts';

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

/** `expectedStart`: for a pending job, when admission expects to start it (D98); null otherwise. */
export function presentJob(j: JobRow, expectedStart: Date | null): JobSummary {
  return {
    id: j.id,
    company_id: j.company_id,
    job_type: j.job_type,
    job_status: j.job_status,
    stage: j.stage,
    call_id: j.call_id,
    recording_session_id: j.recording_session_id,
    attempts: j.attempts,
    max_attempts: j.max_attempts,
    next_attempt_at: iso(j.next_attempt_at),
    last_error: j.last_error,
    created_at: iso(j.created_at) as string,
    updated_at: iso(j.updated_at) as string,
    completed_at: iso(j.completed_at),
    expected_start_at: iso(expectedStart),
    trace_id: traceIdOf(j.trace_context),
  };
}

export function presentJobDetail(
  { job: j, attempts, operations: ops, deliveries }: JobHistory,
  expectedStart: Date | null,
): JobDetail {
  return {
    ...presentJob(j, expectedStart),
    input_payload: j.input_payload as unknown as Record<string, unknown>,
    output_payload: j.output_payload,
    processed_output_hash: j.processed_output_hash,
    attempts_log: attempts.map((a) => ({
      attempt: a.attempt,
      started_at: iso(a.started_at) as string,
      finished_at: iso(a.finished_at),
      outcome: a.outcome,
      error: a.error,
    })),
    operations: ops.map((o) => ({
      id: o.id,
      kind: o.kind,
      shunya_job_id: o.shunya_job_id,
      status: o.status,
      submitted_at: iso(o.submitted_at),
      completed_at: iso(o.completed_at),
      poll_count: o.poll_count,
      unreadable_answers: o.unreadable_answers,
      result_hash: o.result_hash,
      last_error: o.error,
    })),
    webhook_deliveries: deliveries.map((d) => ({
      id: d.id,
      received_at: iso(d.received_at) as string,
      verdict: d.verdict,
      http_status: d.http_status,
      shunya_job_id: d.shunya_job_id,
      profile: d.profile,
    })),
  };
}
