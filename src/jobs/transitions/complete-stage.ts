// completeStage (running → running, pending → pending; the last stage: running | pending → succeeded): a
// stage's result is applied (§3.1 step 3, §3.2 step 3; §4.6, §8, §10). Each stage is one whole statement
// with named parameters (D330), in stages/: a CSR call's transcription and analysis, a sales visit's
// transcription, segmentation and analysis. Each moves the job to its next stage (or ends it), guarded by
// the status and stage it was read with and by its operation being still live; only if it moved does
// everything else happen: the operation is settled and its fallback poll removed, the stage's domain rows
// and events are written, and either the next step is added or, for the last stage, the attempt is closed,
// the slot given back and the tenant's next due jobs admitted (D332). A webhook's delivery is kept in the
// inbox by the same statement (D331). Nothing of it happens twice: a second delivery finds the job moved on
// and writes nothing.
import type { Db, Tx } from '../../db/knex.ts';
import { prepared } from '../../db/statement.ts';
import type {
  AppointmentType,
  CompleteAnalysis,
  LeadStatus,
  MeetingOutcome,
  Segmentation,
  Transcript,
} from '../../shunya/types.ts';
import { type JobRow, nextStage, type OperationRow } from '../model.ts';
import { TASK } from '../queue.ts';
import { QUOTA_WINDOW_SQL } from '../quota.ts';
import { type OperationAndJob, type WebhookLookup, webhookLookup, webhookOperations } from '../store.ts';
import { storedOutput } from '../stored-output.ts';
import type { AdmissionLimits } from './admit.ts';
import { CALL_ANALYSIS } from './stages/call-analysis.ts';
import { CALL_TRANSCRIPTION } from './stages/call-transcription.ts';
import { VISIT_ANALYSIS } from './stages/visit-analysis.ts';
import { VISIT_SEGMENTATION } from './stages/visit-segmentation.ts';
import { VISIT_TRANSCRIPTION } from './stages/visit-transcription.ts';

/** A domain row a stage writes: what apply.ts decided, as the stage's statement takes it. */
export type DomainRow =
  | { row: 'transcript'; id: string; transcript: Transcript; uwcJobId: string | null }
  | { row: 'analysis'; analysis: CompleteAnalysis; uwcJobId: string | null }
  /** a visit's: its segmentation and the meeting's outcome, kept with the analysis */
  | { row: 'visit'; segmentation: Segmentation; outcome: MeetingOutcome | null }
  | { row: 'leadStatus'; status: LeadStatus; classification: Record<string, unknown> }
  /** a booked call's appointment */
  | { row: 'appointment'; scheduledAt: string | null; type: AppointmentType | null }
  | { row: 'tasks'; rows: Record<string, unknown>[] }
  | { row: 'signals'; rows: Record<string, unknown>[] }
  | { row: 'property'; address: string };

/** A webhook delivery's inbox row (D85), written with the completion it applies (D331). */
export interface InboxRow {
  receivedAt: Date;
  /** performance.now() when the delivery arrived: duration_ms counts from it to the statement's end */
  startedAt: number;
  requestId: string;
  headers: Record<string, string | undefined>;
  bodyBytes: number;
  bodySha256: string;
  redactedBody: string | null;
  profile: 'handoff' | 'shunya';
  shunyaJobId: string | null;
  httpStatus: number;
}

export interface StageResult {
  job: JobRow;
  op: OperationRow;
  /** Shunya's id, when the webhook outran the answer to the submission (D36) */
  adoptShunyaJobId: string | null;
  /** the normalised result's hash (the operation's result_hash) */
  resultHash: string;
  /** what the stage adds to the job's output_payload */
  output: Record<string, unknown>;
  /** the stage's domain rows (each kind at most once); their events follow from them */
  domain: DomainRow[];
  /** the tenant's limits, to admit its next jobs when the last stage frees a slot; absent: none admitted */
  limits?: AdmissionLimits;
  /** the delivery to keep in the inbox when this completes the stage */
  inbox?: InboxRow | null;
  now: Date;
}

export interface Applied {
  /** false: the job had moved on (or ended) since it was read; nothing was written */
  applied: boolean;
  /** the job ended (succeeded) */
  ended: boolean;
  /** the job left `running` (its slot was given back) */
  freedSlot: boolean;
  /** the jobs of the tenant admitted in the same statement */
  admitted: number;
  /**
   * A slot is still free after the statement: the caller runs admission in a statement of its own, whose
   * snapshot sees a job committed while this one ran (D97's argument, D332).
   */
  slotLeft: boolean;
  /** the inbox row was written */
  inboxed: boolean;
  /** the domain events the statement wrote, in order (for the completion's span, D196) */
  events: string[];
}

type Counts = { moved: number; inboxed: number; free: number; admitted: number; event_types: string[] };

export async function completeStage(db: Db | Tx, r: StageResult): Promise<Applied> {
  const { job, op } = r;
  const last = nextStage(job.job_type, op.kind) === 'done';
  const sql = statementOf(job, op);
  const res = await prepared(db.raw(sql, paramsOf(r, last)), sql);
  const row = res.rows[0] as Counts | undefined;
  const applied = (row?.moved ?? 0) > 0;
  const freedSlot = applied && last && job.job_status === 'running';
  const admitted = row?.admitted ?? 0;
  return {
    applied,
    ended: applied && last,
    freedSlot,
    admitted,
    slotLeft: freedSlot && (r.limits === undefined || admitted < (row?.free ?? 0)),
    inboxed: (row?.inboxed ?? 0) > 0,
    events: row?.event_types ?? [],
  };
}

function statementOf(job: JobRow, op: OperationRow): string {
  if (job.job_type === 'csr_call') {
    if (op.kind === 'transcription') return CALL_TRANSCRIPTION;
    if (op.kind === 'analysis') return CALL_ANALYSIS;
  } else {
    if (op.kind === 'transcription') return VISIT_TRANSCRIPTION;
    if (op.kind === 'segmentation') return VISIT_SEGMENTATION;
    if (op.kind === 'analysis') return VISIT_ANALYSIS;
  }
  throw new Error(`No stage ${job.job_type}/${op.kind}`);
}

function paramsOf(r: StageResult, last: boolean): Record<string, unknown> {
  const { job, op } = r;
  const output = { ...(job.output_payload ?? {}), ...r.output };
  return {
    job: job.id,
    status: job.job_status,
    owner: job.call_id ?? job.recording_session_id,
    operation: op.id,
    // the whole payload, as stored (D88): the guard says nothing else wrote it since it was read
    output: JSON.stringify(storedOutput(output, last)),
    adopt: r.adoptShunyaJobId,
    adoptedAt: r.adoptShunyaJobId ? r.now : null,
    succeeded: JSON.stringify({
      job_id: job.id,
      job_type: job.job_type,
      call_id: job.call_id,
      recording_session_id: job.recording_session_id,
    }),
    ...sharedParams({ ...r, company: job.company_id }),
    ...domainParams(r.domain, job.call_id ?? job.recording_session_id),
  };
}

/** The parameters that do not depend on the job as read. */
function sharedParams(
  r: Pick<StageResult, 'resultHash' | 'now' | 'limits' | 'inbox'> & { company: string },
): Record<string, unknown> {
  return {
    company: r.company,
    resultHash: r.resultHash,
    now: r.now,
    advanceTask: TASK.advance,
    slots: r.limits?.slots ?? 0,
    perHour: r.limits?.perHour ?? 0,
    window: QUOTA_WINDOW_SQL,
    ...inboxParams(r.inbox ?? null),
  };
}

function inboxParams(i: InboxRow | null) {
  return {
    inbox: i !== null,
    receivedAt: i?.receivedAt ?? null,
    elapsedMs: i ? performance.now() - i.startedAt : null,
    requestId: i?.requestId ?? null,
    headers: i ? JSON.stringify(i.headers) : null,
    bodyBytes: i?.bodyBytes ?? null,
    bodySha256: i?.bodySha256 ?? null,
    redactedBody: i?.redactedBody ?? null,
    profile: i?.profile ?? null,
    shunyaJobId: i?.shunyaJobId ?? null,
    httpStatus: i?.httpStatus ?? null,
  };
}

type RowOf<K extends DomainRow['row']> = Extract<DomainRow, { row: K }>;
const find = <K extends DomainRow['row']>(rows: DomainRow[], k: K) =>
  rows.find((d): d is RowOf<K> => d.row === k);

/** Every domain parameter of every stage's statement; an absent row's are null (its CTE writes nothing). */
function domainParams(rows: DomainRow[], ownerId: string | null): Record<string, unknown> {
  const t = find(rows, 'transcript');
  const a = find(rows, 'analysis')?.analysis;
  const visit = find(rows, 'visit');
  const lead = find(rows, 'leadStatus');
  const booked = find(rows, 'appointment');
  const q = a?.qualification;
  return {
    transcriptId: t?.id ?? null,
    transcriptText: t?.transcript.transcript_text ?? null,
    speakerLabels: t ? JSON.stringify(t.transcript.speaker_labels) : null,
    confidence: t?.transcript.confidence_score ?? null,
    language: t?.transcript.language ?? null,
    wordCount: t?.transcript.word_count ?? null,
    uwcJobId: t?.uwcJobId ?? find(rows, 'analysis')?.uwcJobId ?? null,
    summary: a?.summary.summary ?? null,
    objections: a ? JSON.stringify(a.objections) : null,
    sentiment: a?.sentiment_score ?? null,
    stagesFollowed: a ? JSON.stringify(a.compliance.stages_followed) : null,
    stagesMissed: a ? JSON.stringify(a.compliance.stages_missed) : null,
    compliance: a?.compliance.compliance_score ?? null,
    leadQuality: q?.lead_quality ?? null,
    leadTemperature: q?.lead_temperature ?? null,
    outcomeCategory: q?.call_outcome_category ?? null,
    qualification: q ? JSON.stringify(q) : null,
    analysis: a ? JSON.stringify(a) : null,
    analyzed: a ? JSON.stringify(analyzedPayload(a, visit, ownerId)) : null,
    segmentation: visit ? JSON.stringify(visit.segmentation) : null,
    outcome: visit?.outcome ?? null,
    leadStatus: lead?.status ?? null,
    classification: lead ? JSON.stringify(lead.classification) : null,
    booked: booked !== undefined,
    appointmentAt: booked?.scheduledAt ?? null,
    appointmentType: booked?.type ?? null,
    tasks: JSON.stringify(find(rows, 'tasks')?.rows ?? []),
    signals: JSON.stringify(find(rows, 'signals')?.rows ?? []),
    address: find(rows, 'property')?.address ?? null,
  };
}

/** call.analyzed's payload (its analysis_id is added by the statement), or recording_session.analyzed's. */
function analyzedPayload(a: CompleteAnalysis, visit: RowOf<'visit'> | undefined, ownerId: string | null) {
  if (visit) return { session_id: ownerId, outcome: visit.outcome };
  return {
    call_id: ownerId,
    lead_quality: a.qualification.lead_quality,
    sentiment_score: a.sentiment_score,
    sop_compliance_score: a.compliance.compliance_score,
  };
}

// --- a webhook's completion with its lookup (D510) ------------------------------------------------

/** The call id's place in a folded statement's task and signal keys, replaced by the call's id in SQL. */
export const OWNER_KEY = '{owner}';

/** A CSR call's stage completed by a webhook, with nothing read before: the statement finds the job. */
export interface FoldedStage extends Pick<StageResult, 'resultHash' | 'domain' | 'limits' | 'inbox' | 'now'> {
  lookup: WebhookLookup & { companyId: string };
  kind: 'transcription' | 'analysis';
  /** what the stage adds to the job's output_payload, already as stored (D88); SQL merges it (D510) */
  output: Record<string, unknown>;
}

/** The job and operation a folded completion applied to. */
export interface FoldedTarget {
  job: string;
  company: string;
  status: 'running' | 'pending';
  operation: string;
  trace_context: string | null;
  request_id: string | null;
  attempts: number;
}

export type FoldedOutcome =
  | { applied: true; result: Applied; target: FoldedTarget }
  /** nothing written: the lookup's rows, as findWebhookOperations answers them, for the two-statement path */
  | { applied: false; found: { byId: OperationAndJob[]; adoptable: OperationAndJob | null } };

/**
 * The stage statement with its lookup in front (D510): `found` is the lookup's operation when it is the
 * common case (found by its Shunya id, of this tenant, live, its CSR job running or pending at this stage),
 * and the job's id, status, owner and operation, which the two-statement path binds as read, are taken from
 * it; output_payload is the stored one merged with the stage's, by the UPDATE itself. When nothing moved, the
 * statement answers the lookup's rows instead.
 */
function foldedText(kind: FoldedStage['kind'], lookup: ReturnType<typeof webhookLookup>): string {
  const stage = kind === 'transcription' ? CALL_TRANSCRIPTION : CALL_ANALYSIS;
  const found = `found AS (
       SELECT (job->>'id')::uuid AS job, job->>'job_status' AS status, (job->>'call_id')::uuid AS owner,
              (op->>'id')::uuid AS operation, job->>'trace_context' AS trace_context, op->>'request_id' AS request_id,
              (job->>'attempts')::int AS attempts
       FROM by_id
       WHERE op->>'company_id' = :company::text AND job->>'job_type' = 'csr_call' AND op->>'kind' = '${kind}'
         AND job->>'stage' = '${kind}' AND op->>'status' IN ('submitting', 'submitted')
         AND job->>'job_status' IN ('running', 'pending'))`;
  const body = stage
    .replace(/^WITH /, `WITH ${lookup.ctes}, ${found}, `)
    .replace(/(?<!:):(job|status|owner|operation)\b|:output::jsonb/g, (_m, name?: string) =>
      name ? `(SELECT ${name} FROM found)` : `(coalesce(output_payload, '{}'::jsonb) || :output::jsonb)`,
    );
  return `${body},
            (SELECT jsonb_build_object('job', job, 'company', :company::text, 'status', status, 'operation', operation,
                                       'trace_context', trace_context, 'request_id', request_id, 'attempts', attempts)
             FROM found) AS target,
            CASE WHEN NOT EXISTS (SELECT 1 FROM moved)
                 THEN (SELECT coalesce(jsonb_agg(l), '[]'::jsonb) FROM (${lookup.rows}) l) END AS lookup`;
}

const folded = new Map<string, string>();

export async function completeFoldedStage(db: Db | Tx, r: FoldedStage): Promise<FoldedOutcome> {
  const lookup = webhookLookup(r.lookup);
  const key = `${r.kind}:${lookup.rows}`;
  const sql = folded.get(key) ?? foldedText(r.kind, lookup);
  folded.set(key, sql);
  const params = {
    ...lookup.params,
    output: JSON.stringify(r.output),
    adopt: null,
    adoptedAt: null,
    ...sharedParams({ ...r, company: r.lookup.companyId }),
    ...domainParams(r.domain, null),
  };
  const res = await prepared(db.raw(sql, params), sql);
  const row = res.rows[0] as Counts & { target: FoldedTarget | null; lookup: unknown[] | null };
  if (!row.moved) return { applied: false, found: webhookOperations((row.lookup ?? []) as never) };
  const last = r.kind === 'analysis';
  const target = row.target as FoldedTarget;
  const freedSlot = last && target.status === 'running';
  return {
    applied: true,
    target,
    result: {
      applied: true,
      ended: last,
      freedSlot,
      admitted: row.admitted,
      slotLeft: freedSlot && (r.limits === undefined || row.admitted < row.free),
      inboxed: row.inboxed > 0,
      events: row.event_types,
    },
  };
}
