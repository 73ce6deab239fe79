// requeueLost (running → pending): a running job whose next step was lost goes back in line (the safety net,
// every minute). "Lost": its stage has no operation waiting at Shunya (`submitted`) and graphile-worker holds
// no step for it that can still run (none, or one that failed all its attempts), for `idleMs`. A crash
// loses nothing in the normal course (steps are added in the statement that needs them, and a killed
// worker's jobs are released by the heartbeat reaper); this bounds what a bug or an exhausted step could
// leave behind. The slot is given back and the attempt closed, the move announced on the operator stream
// (D381); admission follows.
import type { JobError } from '../../../generated/otto/types.gen.ts';
import type { Db } from '../../db/knex.ts';
import { prepared } from '../../db/statement.ts';
import { jobStateEventsSql } from '../../domain/outbox.ts';

const REQUEUE_LOST = `WITH lost AS (
       SELECT j.id, j.company_id FROM shunya_jobs j
       WHERE j.job_status = 'running' AND j.updated_at < now() - (:idleMs * interval '1 millisecond')
         AND NOT EXISTS (SELECT 1 FROM shunya_operations o WHERE o.job_id = j.id AND o.kind = j.stage AND o.status = 'submitted')
         AND NOT EXISTS (SELECT 1 FROM graphile_worker._private_jobs g
                         JOIN graphile_worker._private_tasks t ON t.id = g.task_id AND t.identifier = 'otto_advance'
                         WHERE g.payload->>'job_id' = j.id::text AND g.attempts < g.max_attempts)
       LIMIT 100 FOR UPDATE OF j SKIP LOCKED)
     , moved AS (
       UPDATE shunya_jobs j SET job_status = 'pending', next_attempt_at = NULL, last_error = :error::jsonb, updated_at = now()
       FROM lost WHERE j.id = lost.id AND j.job_status = 'running'
       RETURNING j.id, j.company_id, j.job_status, j.stage, j.next_attempt_at)
     , announced AS (${jobStateEventsSql('moved', 'requeued_lost')})
     , attempt AS (
       UPDATE shunya_job_attempts a SET outcome = 'retry_scheduled', error = :error::jsonb, finished_at = now()
       FROM (SELECT max(id) AS id FROM shunya_job_attempts WHERE job_id IN (SELECT id FROM moved) GROUP BY job_id) m
       WHERE a.id = m.id)
     , slots AS (
       UPDATE tenant_admission a SET running = greatest(a.running - f.n, 0)
       FROM (SELECT company_id, count(*)::int AS n FROM moved GROUP BY company_id) f WHERE a.company_id = f.company_id)
     SELECT DISTINCT company_id FROM moved`;

export async function requeueLost(db: Db, idleMs: number, error: JobError): Promise<string[]> {
  const res = await prepared(db.raw(REQUEUE_LOST, { idleMs, error: JSON.stringify(error) }), REQUEUE_LOST);
  return (res.rows as { company_id: string }[]).map((r) => r.company_id);
}
