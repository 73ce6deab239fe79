// The jobs a bulk retry by filter would take (D260): `failed` or `timeout` ones matching the operator's
// filter, newest first. The preview pins what this answers; the retry itself never runs it again.
import type { Db } from '../db/knex.ts';
import type { JobStatus, JobType, Stage } from '../jobs/model.ts';

export interface RetryFilter {
  status?: Extract<JobStatus, 'failed' | 'timeout'>;
  company_id?: string;
  type?: JobType;
  stage?: Stage;
  error_code?: string;
  created_after?: string;
  created_before?: string;
}

export interface RetryCandidate {
  id: string;
  company_id: string;
}

/** At most `limit` matching jobs, newest first (one more than a cap tells the caller it is exceeded). */
export async function retryableJobs(db: Db, f: RetryFilter, limit: number): Promise<RetryCandidate[]> {
  const query = db('shunya_jobs')
    .select('id', 'company_id')
    .whereIn('job_status', f.status ? [f.status] : ['failed', 'timeout'])
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(limit);
  if (f.company_id) query.where({ company_id: f.company_id });
  if (f.type) query.where({ job_type: f.type });
  if (f.stage) query.where({ stage: f.stage });
  if (f.error_code) query.whereRaw(`last_error->>'error_code' = ?`, [f.error_code]);
  if (f.created_after) query.where('created_at', '>=', f.created_after);
  if (f.created_before) query.where('created_at', '<', f.created_before);
  return (await query) as RetryCandidate[];
}
