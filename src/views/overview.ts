// What the console's tenants view and charts read (issue 13), as named queries over the jobs tables and
// graphile-worker's queue. Exact counts: the same scans the otto_jobs gauge makes at each scrape.
import type { Db } from '../db/knex.ts';
import type { JobStatus } from '../jobs/model.ts';
import { QUOTA_WINDOW_SQL } from '../jobs/quota.ts';

export interface TenantJobStats {
  company_id: string;
  counts: Record<JobStatus, number>;
  pending: number;
  waiting_for_retry: number;
  oldest_pending_at: Date | null;
  jobs_last_hour: number;
}

const emptyCounts = (): Record<JobStatus, number> => ({
  pending: 0,
  running: 0,
  succeeded: 0,
  failed: 0,
  timeout: 0,
});

/** Per tenant with any job: jobs by state, the backlog, and jobs first admitted in the last hour (what
 * admission counts against TENANT_JOBS_PER_HOUR, §11.2). */
export async function tenantJobStats(db: Db, now: Date): Promise<Map<string, TenantJobStats>> {
  const [byStatus, backlog] = await Promise.all([
    db.raw(
      `SELECT company_id, job_status, count(*)::int AS n,
              count(*) FILTER (WHERE admitted_at > ?::timestamptz - ?::interval)::int AS last_hour
       FROM shunya_jobs GROUP BY 1, 2`,
      [now.toISOString(), QUOTA_WINDOW_SQL],
    ),
    db.raw(
      `SELECT company_id, count(*)::int AS pending,
              count(*) FILTER (WHERE next_attempt_at > ?::timestamptz)::int AS waiting_for_retry,
              min(created_at) AS oldest
       FROM shunya_jobs WHERE job_status = 'pending' GROUP BY 1`,
      [now.toISOString()],
    ),
  ]);
  const stats = new Map<string, TenantJobStats>();
  const of = (companyId: string) => {
    let s = stats.get(companyId);
    if (!s) {
      s = {
        company_id: companyId,
        counts: emptyCounts(),
        pending: 0,
        waiting_for_retry: 0,
        oldest_pending_at: null,
        jobs_last_hour: 0,
      };
      stats.set(companyId, s);
    }
    return s;
  };
  for (const r of byStatus.rows as {
    company_id: string;
    job_status: JobStatus;
    n: number;
    last_hour: number;
  }[]) {
    const s = of(r.company_id);
    s.counts[r.job_status] = r.n;
    s.jobs_last_hour += r.last_hour;
  }
  for (const r of backlog.rows as {
    company_id: string;
    pending: number;
    waiting_for_retry: number;
    oldest: Date;
  }[]) {
    const s = of(r.company_id);
    s.pending = r.pending;
    s.waiting_for_retry = r.waiting_for_retry;
    s.oldest_pending_at = r.oldest;
  }
  return stats;
}

/** graphile-worker jobs due and not yet taken (the otto_queue_depth gauge, summed over tasks). */
export async function queueDepth(db: Db): Promise<number> {
  const r = await db.raw(
    `SELECT count(*)::int AS n FROM graphile_worker.jobs
     WHERE locked_at IS NULL AND run_at <= now() AND attempts < max_attempts`,
  );
  return r.rows[0]?.n ?? 0;
}

/** Worker processes whose heartbeat is fresher than `withinMs`. */
export async function workersAlive(db: Db, withinMs: number): Promise<number> {
  const r = await db.raw(
    `SELECT count(*)::int AS n FROM worker_heartbeats
     WHERE stopped_at IS NULL AND last_seen_at > now() - (? * interval '1 millisecond')`,
    [withinMs],
  );
  return r.rows[0]?.n ?? 0;
}

export interface CompletionsRow {
  minute: Date;
  company_id: string;
  succeeded: number;
  failed: number;
  timeout: number;
}

/** Jobs that ended, per minute and tenant, over the last `minutes` (every process's work: it is the table). */
export async function completionsPerMinute(db: Db, minutes: number, now: Date): Promise<CompletionsRow[]> {
  const r = await db.raw(
    `SELECT date_trunc('minute', completed_at) AS minute, company_id,
            count(*) FILTER (WHERE job_status = 'succeeded')::int AS succeeded,
            count(*) FILTER (WHERE job_status = 'failed')::int AS failed,
            count(*) FILTER (WHERE job_status = 'timeout')::int AS timeout
     FROM shunya_jobs
     WHERE completed_at >= ?::timestamptz - (? * interval '1 minute')
       AND job_status IN ('succeeded', 'failed', 'timeout')
     GROUP BY 1, 2 ORDER BY 1, 2`,
    [now.toISOString(), minutes],
  );
  return r.rows as CompletionsRow[];
}
