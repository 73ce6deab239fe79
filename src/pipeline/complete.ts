// The ONE completion path (§4.6, §8, §10): the webhook receiver, the poller and a synchronous Shunya answer
// all call completeOperation. It locks the operation and its job, checks whether this result was already
// applied, normalises it, and in ONE transaction writes the domain rows, the job's new state, the output
// hashes, the outbox events and the next graphile-worker job. Whatever the order or number of deliveries,
// polls, retries and crashes, the domain effects happen once.
import type { Tx } from '../db/knex.ts';
import { transaction } from '../db/tx.ts';
import { isCataloguedErrorCode } from '../shunya/catalogue.ts';
import type { Normalized, ShunyaErrorInfo } from '../shunya/types.ts';
import { sha256Hex, stableStringify } from '../util/hash.ts';
import { applyStage, type StageResult } from './apply.ts';
import type { PipelineDeps } from './deps.ts';
import { retryOrFail } from './failure.ts';
import { isTerminal, type OperationRow } from './model.ts';
import { jobError, lockOperationAndJob, settleOperation } from './store.ts';

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
  conflict?: boolean;
  problems?: string[];
}

function normalizeFor(deps: PipelineDeps, op: OperationRow, raw: unknown): Normalized<StageResult> {
  if (op.kind === 'transcription') return deps.normalize.transcript(raw);
  if (op.kind === 'analysis') return deps.normalize.analysis(raw);
  return deps.normalize.segmentation(raw);
}

export async function completeOperation(
  deps: PipelineDeps,
  operationId: string,
  outcome: Outcome,
  source: 'webhook' | 'poll' | 'sync',
  adopt?: { shunyaJobId: string },
): Promise<CompletionResult> {
  const log = deps.logger.child({ operation_id: operationId, source });
  const result = await transaction(deps.db, async (tx: Tx): Promise<CompletionResult> => {
    const locked = await lockOperationAndJob(tx, operationId);
    if (!locked) throw new Error(`No operation ${operationId}`);
    const { op, job } = locked;

    if (op.status === 'completed' || op.status === 'failed') {
      let conflict = false;
      if (outcome.status === 'completed' && op.result_hash) {
        const again = normalizeFor(deps, op, outcome.result);
        conflict = again.ok && sha256Hex(stableStringify(again.value)) !== op.result_hash;
      }
      return { verdict: 'already_processed', conflict };
    }
    if (op.status === 'superseded' || isTerminal(job.job_status)) return { verdict: 'ignored' };
    const now = deps.clock.now();
    const adopted = adopt && !op.shunya_job_id ? { shunya_job_id: adopt.shunyaJobId, submitted_at: now } : {};

    if (outcome.status === 'failed') {
      // A job error whose code the contract does not list is kept as sent and flagged (D47).
      if (!isCataloguedErrorCode(outcome.error.error_code))
        log.warn(
          { error_code: outcome.error.error_code, uncatalogued: true },
          'uncatalogued Shunya error_code',
        );
      const err = jobError(outcome.error, outcome.httpStatus ?? null, now);
      await settleOperation(tx, op.id, {
        ...adopted,
        status: 'failed',
        error: JSON.stringify(err),
        completed_at: now,
      });
      if (job.job_status === 'running') await retryOrFail(tx, deps, { ...job, stage: op.kind }, err);
      return { verdict: 'processed' };
    }

    const norm = normalizeFor(deps, op, outcome.result);
    if (!norm.ok) {
      const err = jobError(
        {
          error_code: 'INCOMPLETE_RESULT',
          error_type: 'server_error',
          message: `Shunya's ${op.kind} result lacks required fields: ${[...norm.missing, ...norm.problems].join(', ')}`,
          retryable: true,
          details: { missing: norm.missing, problems: norm.problems },
          timestamp: now.toISOString(),
          request_id: null,
        },
        null,
        now,
      );
      await settleOperation(tx, op.id, {
        ...adopted,
        status: 'failed',
        error: JSON.stringify(err),
        completed_at: now,
      });
      if (job.job_status === 'running') await retryOrFail(tx, deps, { ...job, stage: op.kind }, err);
      return { verdict: 'incomplete', problems: [...norm.missing, ...norm.problems] };
    }
    await applyStage(tx, deps, { ...job, stage: op.kind }, { ...op, ...adopted }, norm.value);
    await settleOperation(tx, op.id, {
      ...adopted,
      status: 'completed',
      result_hash: sha256Hex(stableStringify(norm.value)),
      completed_at: now,
    });
    return { verdict: 'processed' };
  });
  if (result.conflict)
    log.warn('a later delivery carried a different result than the one applied; kept the first');
  log.debug({ verdict: result.verdict }, 'operation completion');
  return result;
}
