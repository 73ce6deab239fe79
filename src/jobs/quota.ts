// The hourly quota (§11.2, D98), in one place: how long its window is, and when a pending job is expected to
// start under it. Admission's statement (transitions/admit.ts) enforces the quota with this window (passed as
// a parameter); the forecast below, which the ops API and the journey show, counts the same admissions of the
// same window the same way, so the two cannot disagree on what "per hour" means (issue 19).
import type { Db } from '../db/knex.ts';
import type { JobRow } from './model.ts';

/** The quota's sliding window: at most `perHour` first admissions of a tenant within any window this long. */
export const QUOTA_WINDOW_MS = 3_600_000;

/** The window as a Postgres interval, for admission's statement. */
export const QUOTA_WINDOW_SQL = `${QUOTA_WINDOW_MS} milliseconds`;

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
      .where('admitted_at', '>', new Date(now.getTime() - QUOTA_WINDOW_MS))
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
    const base = m <= 0 ? now : new Date((window[m - 1] as Date).getTime() + QUOTA_WINDOW_MS);
    const quota = new Date(base.getTime() + hours * QUOTA_WINDOW_MS);
    const retry = notBefore(j);
    out.set(j.id, quota > retry ? quota : retry);
  }
  return out;
}
