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
export async function readJobHistory(db: Db, id: string): Promise<JobHistory | undefined> {
  const job = (await db('shunya_jobs').where({ id }).first()) as JobRow | undefined;
  if (!job) return undefined;
  const [attempts, operations, deliveries] = await Promise.all([
    db('shunya_job_attempts').where({ job_id: id }).orderBy('id') as Promise<AttemptRow[]>,
    db('shunya_operations').where({ job_id: id }).orderBy('created_at') as Promise<OperationRow[]>,
    db('webhook_deliveries')
      .where({ job_id: id })
      .orderBy('received_at')
      .select('id', 'received_at', 'verdict', 'http_status', 'shunya_job_id', 'profile') as Promise<
      DeliveryRow[]
    >,
  ]);
  return { job, attempts, operations, deliveries };
}

const HOUR_MS = 3_600_000;

/**
 * When admission expects to start each pending job of `jobs` (D98): not before its retry time, and, for a
 * job never admitted when the tenant has an hourly quota (`perHour` > 0), not before the quota allows it.
 * With the n admissions of the last hour a₁ ≤ … ≤ aₙ and k of the tenant's never-admitted jobs ahead of it,
 * the job is the j = k + 1st to be admitted; the quota admits the j-th at the (n + j − perHour)-th oldest
 * admission's first anniversary (now, when that is ≤ 0), and the same again an hour later for every
 * further perHour jobs. A free slot may still be waited for. Jobs that are not pending map to null.
 */
export async function expectedStarts(
  db: Db,
  jobs: JobRow[],
  perHour: number,
  now: Date,
): Promise<Map<string, Date | null>> {
  const out = new Map<string, Date | null>(jobs.map((j) => [j.id, null]));
  const pending = jobs.filter((j) => j.job_status === 'pending');
  const notBefore = (j: JobRow) =>
    j.next_attempt_at && new Date(j.next_attempt_at) > now ? new Date(j.next_attempt_at) : now;
  for (const j of pending) out.set(j.id, notBefore(j));
  const fresh = pending.filter((j) => j.admitted_at === null);
  if (perHour <= 0 || fresh.length === 0) return out;
  const ahead = new Map<string, number>(
    (
      await db.raw(
        `SELECT j.id, (SELECT count(*)::int FROM shunya_jobs p
                       WHERE p.company_id = j.company_id AND p.job_status = 'pending' AND p.admitted_at IS NULL
                         AND (COALESCE(p.next_attempt_at, p.created_at), p.created_at)
                           < (COALESCE(j.next_attempt_at, j.created_at), j.created_at)) AS ahead
         FROM shunya_jobs j WHERE j.id = ANY(?::uuid[])`,
        [fresh.map((j) => j.id)],
      )
    ).rows.map((r: { id: string; ahead: number }) => [r.id, r.ahead]),
  );
  const windows = new Map<string, Date[]>();
  for (const companyId of new Set(fresh.map((j) => j.company_id))) {
    const rows = await db('shunya_jobs')
      .where({ company_id: companyId })
      .where('admitted_at', '>', new Date(now.getTime() - HOUR_MS))
      .orderBy('admitted_at')
      .select('admitted_at');
    windows.set(
      companyId,
      rows.map((r: { admitted_at: Date }) => new Date(r.admitted_at)),
    );
  }
  for (const j of fresh) {
    const window = windows.get(j.company_id) ?? [];
    const n = window.length;
    const jth = (ahead.get(j.id) ?? 0) + 1;
    const hours = Math.floor((jth - 1) / perHour);
    const m = n + jth - hours * perHour - perHour;
    const base = m <= 0 ? now : new Date((window[m - 1] as Date).getTime() + HOUR_MS);
    const quota = new Date(base.getTime() + hours * HOUR_MS);
    const retry = notBefore(j);
    out.set(j.id, quota > retry ? quota : retry);
  }
  return out;
}
