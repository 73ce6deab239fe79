// GET /api/v1/ops/jobs/{job_id}/journey (issue 13): one job's journey, in order, with what the frontend
// reads for it now (the frontend route's own presenter, so the two cannot differ). That read holds the
// transcript and the customer's words, so the operator's read is audited in the transaction that reads
// it (D150): once per operator and job every JOURNEY_AUDIT_WINDOW_MIN, as the console polls the view.
import Router from '@koa/router';
import type { JobJourney } from '../../../generated/otto/types.gen.ts';
import { zUuid } from '../../../generated/otto/zod.gen.ts';
import type { Config } from '../../config.ts';
import type { Db, Tx } from '../../db/knex.ts';
import { transaction } from '../../db/tx.ts';
import { recordReadAudit } from '../../domain/audit-log.ts';
import { expectedStarts } from '../../jobs/quota.ts';
import { loadJourney } from '../../views/journey-rows.ts';
import { callReadRows, sessionReadRows } from '../../views/read-views.ts';
import type { AppState } from '../context.ts';
import { notFound } from '../errors.ts';
import { operatorAuth } from '../middleware/operator-auth.ts';
import { presentJourney } from '../presenters/journey-timeline.ts';
import { validate } from '../validate.ts';
import { presentCallRead, presentSessionRead } from './reads.ts';

/** Minutes within which an operator's repeated reads of one journey are one audit entry. */
export const JOURNEY_AUDIT_WINDOW_MIN = 10;

async function frontendRead(
  db: Db | Tx,
  job: { company_id: string; call_id: string | null; recording_session_id: string | null },
): Promise<JobJourney['frontend_read']> {
  if (job.call_id) {
    const rows = await callReadRows(db, job.company_id, job.call_id);
    if (!rows) throw notFound('Call');
    return { path: `/api/v1/calls/${job.call_id}/analysis`, body: presentCallRead(job.call_id, rows) };
  }
  const id = job.recording_session_id as string;
  const rows = await sessionReadRows(db, job.company_id, id);
  if (!rows) throw notFound('Recording session');
  return { path: `/api/v1/recording-sessions/${id}`, body: presentSessionRead(rows) };
}

export function journeyRoutes(config: Config, db: Db): Router<AppState> {
  const router = new Router<AppState>();
  router.get('/api/v1/ops/jobs/:job_id/journey', operatorAuth(config, db), async (ctx) => {
    const id = validate(zUuid, ctx.params.job_id);
    ctx.body = await transaction(db, async (tx) => {
      const rows = await loadJourney(tx, id);
      if (!rows) throw notFound('Job');
      const starts = await expectedStarts(tx, [rows.job], config.jobs.jobsPerHour, new Date());
      const read = await frontendRead(tx, rows.job);
      await recordReadAudit(
        tx,
        ctx.state.operator!,
        {
          action: 'journey.read',
          targetType: 'job',
          targetId: id,
          companyId: rows.job.company_id,
          details: { frontend_read: read.path },
          requestId: ctx.state.requestId,
        },
        JOURNEY_AUDIT_WINDOW_MIN,
      );
      return presentJourney(rows, starts.get(rows.job.id) ?? null, read);
    });
  });
  return router;
}
