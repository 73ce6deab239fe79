// Bulk retry by filter (issue 20 item 4; D260, D261): POST /api/v1/ops/bulk-retries previews and pins the
// matching failed and timed-out jobs; POST /api/v1/ops/bulk-retries/{id}/execute retries exactly those,
// audited as one action. Operators only, like every /api/v1/ops route (D115).
import Router from '@koa/router';
import type {
  BulkRetryFilter,
  BulkRetryPreview,
  BulkRetryResult,
} from '../../../generated/otto/types.gen.ts';
import { zBulkRetryFilter, zUuid } from '../../../generated/otto/zod.gen.ts';
import { recordAudit } from '../../domain/audit-log.ts';
import { BULK_RETRY_MAX, type BulkRetryRow, executeBulkRetry, pinBulkRetry } from '../../jobs/bulk-retry.ts';
import type { PipelineDeps } from '../../jobs/deps.ts';
import { withTrace } from '../../tracing.ts';
import { retryableJobs } from '../../views/retryable-jobs.ts';
import type { AppState } from '../context.ts';
import { conflict, notFound, unprocessable } from '../errors.ts';
import { jsonBody } from '../middleware/json-body.ts';
import { operatorAuth } from '../middleware/operator-auth.ts';
import { validate } from '../validate.ts';

const iso = (d: Date | string) => new Date(d).toISOString();

function presentResult(row: BulkRetryRow, repeated: boolean): BulkRetryResult {
  return {
    id: row.id,
    filter: row.filter as BulkRetryFilter,
    count: row.job_ids.length,
    retried: row.result?.retried ?? [],
    skipped: row.result?.skipped ?? [],
    executed_at: iso(row.executed_at as Date),
    executed_by: row.executed_by ?? '',
    repeated,
  };
}

export function bulkRetryRoutes(pipeline: PipelineDeps): Router<AppState> {
  const { db, config } = pipeline;
  const router = new Router<AppState>({ prefix: '/api/v1/ops/bulk-retries' });
  router.use(operatorAuth(config, db));

  router.post('/', jsonBody(), async (ctx) => {
    const { sample, ...filter } = validate(zBulkRetryFilter, ctx.request.body ?? {});
    const matching = await retryableJobs(db, filter, BULK_RETRY_MAX + 1);
    if (matching.length > BULK_RETRY_MAX)
      throw unprocessable(
        'BULK_RETRY_TOO_LARGE',
        `More than ${BULK_RETRY_MAX} jobs match; narrow the filter (for instance by time range)`,
        { max: BULK_RETRY_MAX },
      );
    const ids = matching.map((j) => j.id);
    const row = await pinBulkRetry(db, ctx.state.operator!.name, filter, ids);
    const body: BulkRetryPreview = {
      id: row.id,
      filter,
      count: ids.length,
      sample: ids.slice(0, sample ?? 20),
      created_at: iso(row.created_at),
      expires_at: iso(row.expires_at),
    };
    ctx.status = 201;
    ctx.body = body;
  });

  router.post('/:bulk_retry_id/execute', async (ctx) => {
    const id = validate(zUuid, ctx.params.bulk_retry_id);
    const operator = ctx.state.operator!;
    const r = await executeBulkRetry(withTrace(pipeline, ctx.state.trace), id, operator.name, (tx, row) =>
      recordAudit(tx, operator, {
        action: 'jobs.bulk_retried',
        targetType: 'bulk_retry',
        targetId: row.id,
        // the tenant when the filter names one; a filter across tenants has none
        companyId: (row.filter.company_id as string | undefined) ?? null,
        details: {
          filter: row.filter,
          count: row.job_ids.length,
          retried: row.result?.retried.length ?? 0,
          skipped: row.result?.skipped.length ?? 0,
        },
        requestId: ctx.state.requestId,
      }).then(() => undefined),
    );
    if (r.kind === 'not_found') throw notFound('Bulk retry');
    if (r.kind === 'expired')
      throw conflict('BULK_RETRY_EXPIRED', 'This preview has expired; preview the bulk retry again', {
        expires_at: iso(r.row.expires_at),
      });
    ctx.state.log.info({ bulk_retry_id: id, repeated: r.repeated }, 'bulk retry executed by an operator');
    ctx.body = presentResult(r.row, r.repeated);
  });
  return router;
}
