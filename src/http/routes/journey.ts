// GET /api/v1/ops/jobs/{job_id}/journey (issue 13): one job's journey, in order, with what the frontend
// reads for it now (the frontend route's own presenter, so the two cannot differ).
import Router from '@koa/router';
import type { JobJourney } from '../../../generated/otto/types.gen.ts';
import { zUuid } from '../../../generated/otto/zod.gen.ts';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/knex.ts';
import { expectedStarts } from '../../pipeline/job-queries.ts';
import { loadJourney } from '../../pipeline/journey.ts';
import { callReadRows, sessionReadRows } from '../../pipeline/read-views.ts';
import type { AppState } from '../context.ts';
import { notFound } from '../errors.ts';
import { operatorAuth } from '../middleware/operator-auth.ts';
import { presentJourney } from '../presenters/journey.ts';
import { validate } from '../validate.ts';
import { presentCallRead, presentSessionRead } from './reads.ts';

async function frontendRead(
  db: Db,
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
    const rows = await loadJourney(db, id);
    if (!rows) throw notFound('Job');
    const starts = await expectedStarts(db, [rows.job], config.jobs.jobsPerHour, new Date());
    ctx.body = presentJourney(rows, starts.get(rows.job.id) ?? null, await frontendRead(db, rows.job));
  });
  return router;
}
