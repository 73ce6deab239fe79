// The ONE completion path (§4.6, §8, §10): the webhook receiver, the poller and a synchronous Shunya answer
// all call completeOperation. It reads the operation and its job, decides (already applied? superseded?
// complete, incomplete or failed?), normalises the result, and hands the decision to one guarded
// transition (transitions/complete-stage.ts or fail-stage.ts) that writes the domain rows, the job's new
// state, the output hashes, the outbox events and the next step in one statement (for the last stage, the
// tenant's next admissions too, D332; for a webhook, its inbox row, D331). When the job moved
// between the read and the write, the transition writes nothing and the decision is made again from a new
// read. Whatever the order or number of deliveries, polls, retries and crashes, the domain effects happen once.
// A webhook's completed CSR stage is first tried as one statement with its lookup (completeByWebhook, D510);
// whatever that statement does not apply comes here with the rows it found.
import { retryConflicts } from '../db/tx.ts';
import { admitTenant } from '../jobs/admission.ts';
import type { PipelineDeps } from '../jobs/deps.ts';
import { isTerminal, type JobRow, jobAttributes, type OperationRow } from '../jobs/model.ts';
import type { OperationAndJob, WebhookLookup } from '../jobs/store.ts';
import { jobError, operationAndJob } from '../jobs/store.ts';
import { storedOutput } from '../jobs/stored-output.ts';
import {
  completeFoldedStage,
  completeStage,
  type InboxRow,
  limitsOf,
  OWNER_KEY,
  settleFailedOperation,
} from '../jobs/transitions/index.ts';
import { isUncataloguedShunyaCode } from '../shunya/catalogue.ts';
import type { Normalized, ShunyaErrorInfo, UnmappedValue } from '../shunya/types.ts';
import { inSpan, jobSpanOptions, linkBack, type Span, withTrace } from '../tracing.ts';
import { sha256Hex, stableStringify } from '../util/hash.ts';
import { csrStageEffects, type StageResult, stageEffects } from './apply.ts';
import { attemptFailed } from './failure.ts';

export type Outcome =
  | { status: 'completed'; result: unknown }
  | { status: 'failed'; error: ShunyaErrorInfo; httpStatus?: number | null };

export type Verdict =
  /** applied now */
  | 'processed'
  /** applied before; `conflict` when this delivery's normalised result differs from the one applied */
  | 'already_processed'
  /** the result lacks what §10.3 requires: nothing surfaced, the job retries */
  | 'incomplete'
  /** the operation was superseded or its job already ended: nothing to do */
  | 'ignored';

export interface CompletionResult {
  verdict: Verdict;
  /** the delivery's inbox row was written with the completion (D331) */
  inboxed?: boolean;
  conflict?: boolean;
  problems?: string[];
}

type Found = { op: OperationRow; job: JobRow };

function normalizeFor(deps: PipelineDeps, op: OperationRow, raw: unknown): Normalized<StageResult> {
  if (op.kind === 'transcription') return deps.normalize.transcript(raw);
  if (op.kind === 'analysis') return deps.normalize.analysis(raw);
  return deps.normalize.segmentation(raw);
}

/** How many times the decision is made again when the job moves between the read and the write. */
const ROUNDS = 4;

export async function completeOperation(
  deps: PipelineDeps,
  operationId: string,
  outcome: Outcome,
  source: 'webhook' | 'poll' | 'sync',
  adopt?: { shunyaJobId: string },
  /** the operation and its job as the caller just read them (saves a read) */
  found?: Found,
  /** a webhook's inbox row, written by the completion statement when the delivery completes the stage */
  inbox?: InboxRow,
): Promise<CompletionResult> {
  const first = found ?? (await operationAndJob(deps.db, operationId));
  if (!first) throw new Error(`No operation ${operationId}`);
  // in the job's trace; a webhook's own request span is linked (D196), and links back to it (D452)
  const attributes = {
    ...jobAttributes(first.job, first.op.kind),
    'otto.operation_id': operationId,
    'otto.source': source,
  };
  return inSpan(
    `otto.complete ${first.op.kind}`,
    jobSpanOptions(first.job.trace_context, attributes, deps.trace),
    async (span, trace) => {
      linkBack(deps.trace, trace);
      const r = await completeRounds(
        withTrace(deps, trace),
        span,
        operationId,
        outcome,
        source,
        adopt,
        first,
        inbox,
      );
      span.setAttribute('otto.verdict', r.verdict);
      return r;
    },
  );
}

async function completeRounds(
  deps: PipelineDeps,
  span: Span,
  operationId: string,
  outcome: Outcome,
  source: 'webhook' | 'poll' | 'sync',
  adopt: { shunyaJobId: string } | undefined,
  found: Found,
  inbox: InboxRow | undefined,
): Promise<CompletionResult> {
  const log = deps.logger.child({ operation_id: operationId, source });
  let read: Found | undefined = found;
  for (let round = 1; ; round++) {
    const current = read ?? (await operationAndJob(deps.db, operationId));
    read = undefined;
    if (!current) throw new Error(`No operation ${operationId}`);
    const result = await retryConflicts(() =>
      decideAndWrite(deps, span, current, outcome, adopt?.shunyaJobId ?? null, inbox),
    );
    if (result) {
      if (result.conflict)
        log.warn('a later delivery carried a different result than the one applied; kept the first');
      log.debug({ verdict: result.verdict }, 'operation completion');
      return result;
    }
    if (round >= ROUNDS) throw new Error(`Operation ${operationId}: its job kept moving while it completed`);
  }
}

/** The decision and its transition; null when the job moved since it was read (nothing was written). */
async function decideAndWrite(
  deps: PipelineDeps,
  span: Span,
  { op, job }: Found,
  outcome: Outcome,
  adoptId: string | null,
  inbox: InboxRow | undefined,
): Promise<CompletionResult | null> {
  if (op.status === 'completed' || op.status === 'failed') {
    let conflict = false;
    if (outcome.status === 'completed' && op.result_hash) {
      const again = normalizeFor(deps, op, outcome.result);
      conflict = again.ok && sha256Hex(stableStringify(again.value)) !== op.result_hash;
    }
    return { verdict: 'already_processed', conflict };
  }
  // superseded, its job ended, or a stage the job has left (D37)
  if (op.status === 'superseded' || isTerminal(job.job_status) || job.stage !== op.kind)
    return { verdict: 'ignored' };
  const now = deps.clock.now();
  const adopt = op.shunya_job_id ? null : adoptId;

  if (outcome.status === 'failed') {
    // A job error whose code the contract does not list is kept as sent and flagged (D47).
    if (isUncataloguedShunyaCode(outcome.error.error_code))
      deps.logger.warn(
        { operation_id: op.id, error_code: outcome.error.error_code, uncatalogued: true },
        'uncatalogued Shunya error_code',
      );
    const err = jobError(outcome.error, outcome.httpStatus ?? null, now);
    return (await failed(deps, { op, job }, err, adopt)) ? { verdict: 'processed' } : null;
  }
  const norm = normalizeFor(deps, op, outcome.result);
  if (!norm.ok) {
    const problems = [...norm.missing, ...norm.problems];
    const err = jobError(
      {
        error_code: 'INCOMPLETE_RESULT',
        error_type: 'server_error',
        message: `Shunya's ${op.kind} result lacks required fields: ${problems.join(', ')}`,
        retryable: true,
        details: { missing: norm.missing, problems: norm.problems },
        timestamp: now.toISOString(),
        request_id: null,
      },
      null,
      now,
    );
    return (await failed(deps, { op, job }, err, adopt)) ? { verdict: 'incomplete', problems } : null;
  }
  const effects = stageEffects(job, { ...op, shunya_job_id: op.shunya_job_id ?? adopt }, norm.value);
  const r = await completeStage(deps.db, {
    job,
    op,
    adoptShunyaJobId: adopt,
    resultHash: sha256Hex(stableStringify(norm.value)),
    ...effects,
    // the tenant's next jobs are admitted by the same statement when the last stage frees a slot; a slot
    // left free is followed by an admission of its own (D332)
    limits: limitsOf(deps.config),
    inbox,
    now,
  });
  if (!r.applied) return null;
  // what the completion wrote, on its span (D196)
  span.setAttributes({
    'otto.domain_writes': effects.domain.length,
    'otto.domain_rows': effects.domain.map((d) => d.row),
    'otto.events': r.events,
    'otto.job_ended': r.ended,
    'otto.admitted': r.admitted,
  });
  if (r.ended) deps.logger.info({ job_id: job.id, job_type: job.job_type }, 'job succeeded');
  if (r.slotLeft) await admitTenant(deps, job.company_id);
  reportUnmapped(deps, job, op, (norm.value as { unmapped_values?: UnmappedValue[] }).unmapped_values ?? []);
  return { verdict: 'processed', inboxed: r.inboxed };
}

/**
 * The operation failed (Shunya said so, or its result was unusable): a running job's attempt failed; a job
 * waiting for its retry only has the operation settled, so that its next attempt starts the stage afresh.
 * Either write is guarded by the job's status as read; false when it moved (the decision is made again).
 */
async function failed(
  deps: PipelineDeps,
  { op, job }: Found,
  err: ReturnType<typeof jobError>,
  adopt: string | null,
) {
  if (job.job_status === 'running')
    return attemptFailed(deps, job, err, { row: op, error: err, adoptShunyaJobId: adopt });
  return settleFailedOperation(deps.db, op.id, err, deps.clock.now(), adopt);
}

/**
 * D75: values outside Otto's vocabularies were stored as received; say so once per applied result, with
 * the job and request ids, and count them by field so that an operator sees new vocabulary arriving.
 */
function reportUnmapped(deps: PipelineDeps, job: JobRow, op: OperationRow, values: UnmappedValue[]) {
  for (const v of values) {
    deps.metrics?.unmappedValue(v.field);
    deps.logger.warn(
      { job_id: job.id, request_id: op.request_id, field: v.field, path: v.path, value: v.value },
      "Shunya sent a value outside Otto's vocabulary; stored as received",
    );
  }
}

/**
 * A webhook's completed result, applied with its lookup in ONE statement when it is the common case (D510):
 * the operation carrying its Shunya id, of its tenant, live, its CSR call job at this stage. Otherwise
 * nothing is written and the lookup's rows come back, for the two-statement path (decide, then
 * completeOperation), which takes every rarer case: adoption, an early webhook, a mismatch, a result already
 * applied, a superseded operation, a sales visit, an incomplete result.
 */
export async function completeByWebhook(
  deps: PipelineDeps,
  lookup: WebhookLookup & { companyId: string; kind: 'transcription' | 'analysis' },
  result: unknown,
  inbox: InboxRow,
): Promise<
  | { applied: true; result: CompletionResult }
  /** found: null when the statement was not tried (the result is incomplete: the usual path says so) */
  | { applied: false; found: { byId: OperationAndJob[]; adoptable: OperationAndJob | null } | null }
> {
  const { kind, companyId, shunyaJobId } = lookup;
  const norm = kind === 'transcription' ? deps.normalize.transcript(result) : deps.normalize.analysis(result);
  if (!norm.ok) return { applied: false, found: null };
  const effects = csrStageEffects(kind, companyId, OWNER_KEY, norm.value, shunyaJobId);
  const started = Date.now();
  const now = deps.clock.now();
  // a deadlock or serialization failure is sent again, as the two-statement path's completion is
  const r = await retryConflicts(() =>
    completeFoldedStage(deps.db, {
      lookup,
      kind,
      resultHash: sha256Hex(stableStringify(norm.value)),
      output: storedOutput(effects.output, kind === 'analysis'),
      domain: effects.domain,
      limits: limitsOf(deps.config),
      inbox,
      now,
    }),
  );
  if (!r.applied) return r;
  const { target, result: applied } = r;
  // the completion's span, in the job's trace, now that the statement has named the job (D196, D510)
  const job = { id: target.job, company_id: target.company, job_type: 'csr_call', attempts: target.attempts };
  const attributes = {
    ...jobAttributes(job as JobRow, kind),
    'otto.operation_id': target.operation,
    'otto.source': 'webhook',
    'otto.verdict': 'processed',
    'otto.domain_writes': effects.domain.length,
    'otto.domain_rows': effects.domain.map((d) => d.row),
    'otto.events': applied.events,
    'otto.job_ended': applied.ended,
    'otto.admitted': applied.admitted,
  };
  // what followed the statement is in the span, as it is on the two-statement path (its admission too)
  await inSpan(
    `otto.complete ${kind}`,
    { ...jobSpanOptions(target.trace_context, attributes, deps.trace), startTime: started },
    async (_span, trace) => {
      linkBack(deps.trace, trace);
      if (applied.ended) deps.logger.info({ job_id: target.job, job_type: 'csr_call' }, 'job succeeded');
      if (applied.slotLeft) await admitTenant(withTrace(deps, trace), target.company);
      const unmapped = (norm.value as { unmapped_values?: UnmappedValue[] }).unmapped_values ?? [];
      reportUnmapped(
        deps,
        { id: target.job } as JobRow,
        { request_id: target.request_id } as OperationRow,
        unmapped,
      );
    },
  );
  return { applied: true, result: { verdict: 'processed', inboxed: applied.inboxed } };
}
