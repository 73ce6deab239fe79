// Operations API under /api/v1/ops (operator token, D115): tenants, jobs and their history, retries, breakers.
// Every operator action is written to the audit log in the action's own transaction (D116).
import Router from '@koa/router';
import type { Company, CompanyCreated } from '../../../generated/otto/types.gen.ts';
import { zCompanyCreate, zListJobsQuery, zUuid } from '../../../generated/otto/zod.gen.ts';
import { transaction } from '../../db/tx.ts';
import { recordAudit } from '../../domain/audit-log.ts';
import {
  type CompanyRow,
  DuplicateCompanyError,
  insertCompany,
  listCompanies,
} from '../../domain/companies.ts';
import { retryJob } from '../../jobs/admission.ts';
import type { PipelineDeps } from '../../jobs/deps.ts';
import type { JobRow } from '../../jobs/model.ts';
import { expectedStarts } from '../../jobs/quota.ts';
import { withTrace } from '../../tracing.ts';
import { listJobs, readJobHistory } from '../../views/job-queries.ts';
import type { AppState } from '../context.ts';
import { badRequest, conflict, notFound } from '../errors.ts';
import { jsonBody } from '../middleware/json-body.ts';
import { operatorAuth } from '../middleware/operator-auth.ts';
import { presentJob, presentJobDetail } from '../presenters/jobs.ts';
import { queryWithIntegers, validate } from '../validate.ts';

export const presentCompany = (c: CompanyRow): Company => ({
  id: c.id,
  name: c.name,
  callrail_company_id: c.callrail_company_id,
  callrail_signature_algorithm: c.callrail_signature_algorithm,
  created_at: new Date(c.created_at).toISOString(),
  disabled_at: c.disabled_at ? new Date(c.disabled_at).toISOString() : null,
});

function encodeCursor(j: JobRow): string {
  return Buffer.from(`${new Date(j.created_at).toISOString()}|${j.id}`).toString('base64url');
}
function decodeCursor(c: string): { createdAt: string; id: string } {
  const [createdAt, id] = Buffer.from(c, 'base64url').toString('utf8').split('|');
  if (!createdAt || !id || Number.isNaN(Date.parse(createdAt)) || !zUuid.safeParse(id).success)
    throw badRequest('INVALID_CURSOR', 'The cursor is not valid');
  return { createdAt, id };
}

export function opsRoutes(pipeline: PipelineDeps): Router<AppState> {
  const { db, config } = pipeline;
  const router = new Router<AppState>({ prefix: '/api/v1/ops' });
  router.use(operatorAuth(config, db));

  router.get('/companies', async (ctx) => {
    ctx.body = { items: (await listCompanies(db)).map(presentCompany) };
  });

  router.post('/companies', jsonBody(), async (ctx) => {
    const body = validate(zCompanyCreate, ctx.request.body);
    try {
      const c = await transaction(db, async (tx) => {
        const row = await insertCompany(tx, body);
        await recordAudit(tx, ctx.state.operator!, {
          action: 'company.created',
          targetType: 'company',
          targetId: row.id,
          companyId: row.id,
          details: { name: row.name, callrail_company_id: row.callrail_company_id },
          requestId: ctx.state.requestId,
        });
        return row;
      });
      const created: CompanyCreated = { ...presentCompany(c), callrail_signing_key: c.callrail_signing_key };
      ctx.status = 201;
      ctx.body = created;
    } catch (e) {
      if (e instanceof DuplicateCompanyError) throw conflict('COMPANY_EXISTS', e.message);
      throw e;
    }
  });

  router.get('/jobs', async (ctx) => {
    const q = validate(zListJobsQuery, queryWithIntegers(ctx.query, ['limit']));
    const limit = q.limit ?? 50;
    const rows = await listJobs(db, {
      status: q.status,
      type: q.type,
      companyId: q.company_id,
      search: q.search?.trim() || undefined,
      createdAfter: q.created_after,
      createdBefore: q.created_before,
      before: q.before ? decodeCursor(q.before) : undefined,
      limit,
    });
    const page = rows.slice(0, limit);
    const starts = await expectedStarts(db, page, config.jobs.jobsPerHour, pipeline.clock.now());
    ctx.body = {
      items: page.map((j) => presentJob(j, starts.get(j.id) ?? null)),
      next_cursor: rows.length > limit && page.length ? encodeCursor(page[page.length - 1] as JobRow) : null,
    };
  });

  router.get('/jobs/:job_id', async (ctx) => {
    const id = validate(zUuid, ctx.params.job_id);
    const history = await readJobHistory(db, id);
    if (!history) throw notFound('Job');
    const starts = await expectedStarts(db, [history.job], config.jobs.jobsPerHour, pipeline.clock.now());
    ctx.body = presentJobDetail(history, starts.get(id) ?? null);
  });

  router.post('/jobs/:job_id/retry', async (ctx) => {
    const id = validate(zUuid, ctx.params.job_id);
    const r = await retryJob(withTrace(pipeline, ctx.state.trace), id, async (tx, result) => {
      if (result.kind === 'ok')
        await recordAudit(tx, ctx.state.operator!, {
          action: 'job.retried',
          targetType: 'job',
          targetId: id,
          companyId: result.job.company_id,
          details: { stage: result.job.stage },
          requestId: ctx.state.requestId,
        });
    });
    if (r.kind === 'not_found') throw notFound('Job');
    if (r.kind === 'not_retryable')
      throw conflict('JOB_NOT_RETRYABLE', 'Only failed or timed-out jobs can be retried', {
        job_status: r.status,
      });
    ctx.state.log.info({ job_id: id }, 'job retried by an operator');
    ctx.status = 202;
    const starts = await expectedStarts(db, [r.job], config.jobs.jobsPerHour, pipeline.clock.now());
    ctx.body = presentJob(r.job, starts.get(r.job.id) ?? null);
  });

  router.get('/circuit-breakers', (ctx) => {
    ctx.body = { items: pipeline.client.breakerStates() };
  });
  return router;
}
