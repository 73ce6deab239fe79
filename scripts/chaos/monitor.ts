// Checks that can only be made while the run goes on, sampled every second: no tenant ever has more jobs
// running than its concurrency limit (§11.2, D34), whatever is killed or restarted, and every tenant's slot
// count is its number of running jobs (D97: both change in one statement, so one snapshot sees them agree).
// This is what proves that admission keeps its guarantee without a lock held across the tenant's work.
// Also sampled: no job stays locked by a process whose heartbeat was marked stopped more than 10 s ago (a
// graceful stop leaves no lock, and reaping releases the locks in the statement that marks it; D104 was a
// live process reaped, then killed, its later locks never released).
import type { Db } from '../../src/db/knex.ts';

export interface Monitor {
  samples: number;
  /** samples in which some tenant had more than `limit` jobs running */
  overLimit: number;
  /** the most jobs one tenant had running in any sample */
  maxRunning: number;
  /** samples in which some tenant's slot count differed from its running jobs */
  countOff: number;
  /** samples in which a job was locked by a process whose heartbeat was marked stopped over 10 s before */
  orphanedLocks: number;
  stop(): void;
}

export function monitorAdmission(db: Db, limit: number, violate: (what: string) => void): Monitor {
  const m: Monitor = {
    samples: 0,
    overLimit: 0,
    maxRunning: 0,
    countOff: 0,
    orphanedLocks: 0,
    stop: () => clearInterval(timer),
  };
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const r = await db.raw(
        `SELECT company_id, count(*)::int AS n FROM shunya_jobs WHERE job_status = 'running' GROUP BY 1 ORDER BY 2 DESC LIMIT 1`,
      );
      m.samples++;
      const top = r.rows[0] as { company_id: string; n: number } | undefined;
      m.maxRunning = Math.max(m.maxRunning, top?.n ?? 0);
      if (top && top.n > limit) {
        m.overLimit++;
        violate(`tenant ${top.company_id} had ${top.n} jobs running (limit ${limit})`);
      }
      const off = await db.raw(
        `SELECT a.company_id, a.running, (SELECT count(*)::int FROM shunya_jobs j
                                          WHERE j.company_id = a.company_id AND j.job_status = 'running') AS jobs
         FROM tenant_admission a
         WHERE a.running <> (SELECT count(*) FROM shunya_jobs j WHERE j.company_id = a.company_id AND j.job_status = 'running')`,
      );
      if (off.rows.length > 0) {
        m.countOff++;
        const o = off.rows[0] as { company_id: string; running: number; jobs: number };
        violate(`tenant ${o.company_id}: slot count ${o.running}, running jobs ${o.jobs}`);
      }
      const orphans = await db.raw(
        `SELECT h.process_id, count(*)::int AS n
         FROM worker_heartbeats h JOIN graphile_worker._private_jobs g ON g.locked_by = ANY (h.graphile_worker_ids)
         WHERE h.stopped_at < now() - interval '10 seconds'
         GROUP BY 1 LIMIT 1`,
      );
      if (orphans.rows.length > 0) {
        m.orphanedLocks++;
        const o = orphans.rows[0] as { process_id: string; n: number };
        violate(`${o.n} jobs locked by process ${o.process_id}, whose heartbeat is marked stopped`);
      }
    } catch {
      // Postgres restarting
    } finally {
      busy = false;
    }
  }, 1000);
  return m;
}
