// The job state machine's data (§2.1, §9.2, §10.1): a ShunyaJob, a CSR call's or a sales visit's, and its
// remote operations. The job type discriminates the row: a CsrCallJob has a call and a CsrInput, a
// SalesVisitJob a recording session and a VisitInput (the table's CHECK says the same).
import type { JobError, JobStatus, JobType } from '../../generated/otto/types.gen.ts';
import type { OperationKind } from '../shunya/types.ts';

// One job status and one job type: the contract's (generated from contracts/otto.openapi.yaml, §9.2), which
// the shunya_jobs CHECK constraints also hold. A remote Shunya job's state is RemoteJobStatus (D236).
export type { JobStatus, JobType };
export type Stage = OperationKind | 'done';

export interface CsrInput {
  call_id: string;
  shunya_call_id: number;
  audio_url: string;
  call_type: 'csr_call';
}

export interface VisitInput {
  recording_session_id: string;
  shunya_call_id: number;
  audio_url: string;
  appointment_id: string | null;
  ghost_mode: boolean;
  call_type: 'sales_call';
}

interface JobBase {
  id: string;
  company_id: string;
  job_status: JobStatus;
  stage: Stage;
  attempts: number;
  max_attempts: number;
  next_attempt_at: Date | null;
  output_payload: Record<string, unknown> | null;
  processed_output_hash: string | null;
  last_error: JobError | null;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
  /** when admission first started it (the hourly quota counts these, D98) */
  admitted_at: Date | null;
  /** the W3C `traceparent` of the request that created it, when tracing was on (D196) */
  trace_context: string | null;
}

export interface CsrCallJob extends JobBase {
  job_type: 'csr_call';
  call_id: string;
  recording_session_id: null;
  input_payload: CsrInput;
}

export interface SalesVisitJob extends JobBase {
  job_type: 'sales_visit';
  call_id: null;
  recording_session_id: string;
  input_payload: VisitInput;
}

export type JobRow = CsrCallJob | SalesVisitJob;

export type OperationStatus = 'submitting' | 'submitted' | 'completed' | 'failed' | 'superseded';

export interface OperationRow {
  id: string;
  company_id: string;
  job_id: string;
  kind: OperationKind;
  shunya_job_id: string | null;
  transcript_id: number | null;
  status: OperationStatus;
  idempotency_key: string;
  request_id: string;
  submitted_at: Date | null;
  completed_at: Date | null;
  poll_count: number;
  /** Unreadable answers in a row while polling (D80). */
  unreadable_answers: number;
  result_hash: string | null;
  /** The operation's last error: its failure, or the last failed poll or submission (D80). */
  error: JobError | null;
}

/** The stages of each job type, in order (§3.1, §3.2). */
export const STAGES: Record<JobType, OperationKind[]> = {
  csr_call: ['transcription', 'analysis'],
  sales_visit: ['transcription', 'segmentation', 'analysis'],
};

export function nextStage(type: JobType, stage: Stage): Stage {
  const stages = STAGES[type];
  const i = stages.indexOf(stage as OperationKind);
  return i >= 0 && i + 1 < stages.length ? (stages[i + 1] as OperationKind) : 'done';
}

export const isTerminal = (s: JobStatus) => s === 'succeeded' || s === 'failed' || s === 'timeout';

/** Shunya's call id of the job's call or session (the `call_id` of every Shunya request, §4). */
export const shunyaCallId = (job: JobRow): number => job.input_payload.shunya_call_id;

/** A job's span attributes (D196). */
export const jobAttributes = (job: JobRow, kind: string) => ({
  'otto.job_id': job.id,
  'otto.company_id': job.company_id,
  'otto.job_type': job.job_type,
  'otto.stage': kind,
  'otto.attempt': job.attempts,
});
