// reconcileSlots (no job status changes): a tenant's slot count is its running jobs (every transition keeps
// both in one statement); one that disagrees is set right under the tenant's admission lock. It never
// should disagree: a correction means a bug, or a test that wrote a job's status by hand. It was in
// admission.ts; transitions/ is the one writer of tenant_admission too (D231).
import type { Db } from '../../db/knex.ts';
import { retryConflicts } from '../../db/tx.ts';

export interface SlotCorrection {
  company_id: string;
  was: number | undefined;
  now: number | undefined;
}

const DISAGREEING = `SELECT a.company_id FROM tenant_admission a
     WHERE a.running <> (SELECT count(*) FROM shunya_jobs j WHERE j.company_id = a.company_id AND j.job_status = 'running')`;

const LOCK_SLOTS = 'SELECT running FROM tenant_admission WHERE company_id = :company FOR UPDATE';

const SET_SLOTS = `UPDATE tenant_admission
     SET running = (SELECT count(*) FROM shunya_jobs WHERE company_id = :company AND job_status = 'running')
     WHERE company_id = :company RETURNING running`;

/** Sets right every tenant's slot count that disagrees with its running jobs; returns the corrections. */
export async function reconcileSlots(db: Db): Promise<SlotCorrection[]> {
  const off = await db.raw(DISAGREEING);
  const corrections: SlotCorrection[] = [];
  for (const { company_id } of off.rows as { company_id: string }[]) {
    const c = await retryConflicts(() =>
      db.transaction(async (tx) => {
        const was = (await tx.raw(LOCK_SLOTS, { company: company_id })).rows[0]?.running;
        // a new statement: its snapshot is taken after the lock, so the count is the one the lock protects
        const now = (await tx.raw(SET_SLOTS, { company: company_id })).rows[0]?.running;
        return { company_id, was, now };
      }),
    );
    if (c.now !== c.was) corrections.push(c);
  }
  return corrections;
}
