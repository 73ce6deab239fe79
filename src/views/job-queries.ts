// The ops API's job list (D119): filters and the one-box search of the console, as named queries; one job
// with its whole history; and when admission expects to start a pending job (§11.2; D98).
import type { JobDetail } from '../../generated/otto/types.gen.ts';
import type { Db } from '../db/knex.ts';
import type { JobRow, JobStatus, JobType, OperationRow } from '../jobs/model.ts';

export interface JobFilter {
  status?: JobStatus;
  type?: JobType;
  companyId?: string;
  /** an exact id of any kind the console searches by (see jobIdsMatching) */
  search?: string;
  createdAfter?: string;
  createdBefore?: string;
  /** keyset cursor: jobs strictly older than (createdAt, id) */
  before?: { createdAt: string; id: string };
  limit: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The ids of the jobs one search term names, exactly: the job itself, its call or recording session, the
 * CallRail call id, a Shunya job id of one of its operations, or a request id (an operation's
 * X-Request-ID, or the request id Shunya sent with a webhook for it). A UNION of index lookups (migration
 * 0007 adds the indexes a search needs), not an OR that Postgres would answer with a scan.
 */
function jobIdsMatching(term: string): { sql: string; bindings: string[] } {
  const parts: string[] = [
    `SELECT j.id FROM shunya_jobs j JOIN calls c ON c.company_id = j.company_id AND c.id = j.call_id
     WHERE c.callrail_call_id = :term`,
    'SELECT job_id FROM shunya_operations WHERE shunya_job_id = :term',
    'SELECT job_id FROM webhook_deliveries WHERE request_id = :term AND job_id IS NOT NULL',
  ];
  if (UUID.test(term))
    parts.push(
      'SELECT id FROM shunya_jobs WHERE id = CAST(:term AS uuid)',
      `SELECT j.id FROM shunya_jobs j JOIN calls c ON c.company_id = j.company_id AND c.id = j.call_id
       WHERE c.id = CAST(:term AS uuid)`,
      `SELECT j.id FROM shunya_jobs j JOIN recording_sessions s
         ON s.company_id = j.company_id AND s.id = j.recording_session_id
       WHERE s.id = CAST(:term AS uuid)`,
      'SELECT job_id FROM shunya_operations WHERE request_id = CAST(:term AS uuid)',
    );
  const sql = parts.join('\n UNION ');
  return {
    sql: sql.replace(/:term/g, '?'),
    bindings: Array<string>(sql.match(/:term/g)?.length ?? 0).fill(term),
  };
}

/** Jobs newest first; one more row than `limit` tells whether there is a next page. */
export async function listJobs(db: Db, f: JobFilter): Promise<JobRow[]> {
  const query = db('shunya_jobs')
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(f.limit + 1);
  if (f.status) query.where({ job_status: f.status });
  if (f.type) query.where({ job_type: f.type });
  if (f.companyId) query.where({ company_id: f.companyId });
  if (f.search) {
    const match = jobIdsMatching(f.search);
    query.whereRaw(`id IN (${match.sql})`, match.bindings);
  }
  if (f.createdAfter) query.where('created_at', '>=', f.createdAfter);
  if (f.createdBefore) query.where('created_at', '<', f.createdBefore);
  if (f.before)
    query.whereRaw('(created_at, id) < (?::timestamptz, ?::uuid)', [f.before.createdAt, f.before.id]);
  return (await query) as JobRow[];
}

export interface AttemptRow {
  attempt: number;
  started_at: Date;
  finished_at: Date | null;
  outcome: JobDetail['attempts_log'][number]['outcome'];
  error: JobDetail['attempts_log'][number]['error'];
}

export interface DeliveryRow {
  id: string;
  received_at: Date;
  verdict: JobDetail['webhook_deliveries'][number]['verdict'];
  http_status: number;
  shunya_job_id: string | null;
  profile: 'handoff' | 'shunya' | null;
}

export interface JobHistory {
  job: JobRow;
  attempts: AttemptRow[];
  operations: OperationRow[];
  deliveries: DeliveryRow[];
}

/** One job with every attempt, Shunya operation and webhook delivery; undefined when there is none. */
export function readJobHistory(db: Db, id: string): Promise<JobHistory | undefined> {
  // one snapshot for the five reads (D403): read one after another, a poll committing between the job's
  // read and the operations' showed an operation's error on a job that had none
  return db.transaction(
    async (tx) => {
      const job = (await tx('shunya_jobs').where({ id }).first()) as JobRow | undefined;
      if (!job) return undefined;
      const attempts = (await tx('shunya_job_attempts').where({ job_id: id }).orderBy('id')) as AttemptRow[];
      const operations = (await tx('shunya_operations')
        .where({ job_id: id })
        .orderBy('created_at')) as OperationRow[];
      const deliveries = (await tx('webhook_deliveries')
        .where({ job_id: id })
        .orderBy('received_at')
        .select('id', 'received_at', 'verdict', 'http_status', 'shunya_job_id', 'profile')) as DeliveryRow[];
      return { job, attempts, operations, deliveries };
    },
    { isolationLevel: 'repeatable read', readOnly: true },
  );
}
