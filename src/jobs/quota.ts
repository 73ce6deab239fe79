// The hourly quota (§11.2, D98), in one place: its window, and its arithmetic as SQL text that admission's
// choice (transitions/admit.ts ADMISSION_CHOICE), the CallRail trigger's own admission (transitions/create.ts,
// D341) and the forecast below (FORECAST) interpolate, so that what admission starts and what the ops API and
// the journey say will start cannot drift apart (issue 19; D321, D410).
import type { Db, Tx } from '../db/knex.ts';
import { prepared } from '../db/statement.ts';
import type { JobRow } from './model.ts';

/** The quota's sliding window: at most `perHour` first admissions of a tenant within any window this long. */
export const QUOTA_WINDOW_MS = 3_600_000;

/** The window as a Postgres interval, the statements' :window. */
export const QUOTA_WINDOW_SQL = `${QUOTA_WINDOW_MS} milliseconds`;

/**
 * How many more jobs the quota lets the tenant `company` (an SQL expression) admit first at :now, with
 * :perHour > 0: :perHour less the tenant's first admissions inside the window (:window before :now) as of the
 * statement's snapshot, less `gained`, the admissions counted on the tenant's admission row since that
 * snapshot (a locking read or an UPDATE's condition sees them; the snapshot's count does not). May be ≤ 0.
 */
export const quotaLeftSql = (company: string, gained: string) => `:perHour
         - (SELECT count(*) FROM shunya_jobs
            WHERE company_id = ${company} AND admitted_at > :now::timestamptz - :window::interval)
         - (${gained})`;

/**
 * When each asked pending job (:ids) is expected to start (D98): not before its retry time, and, for a job
 * never admitted when the tenant has a quota (:perHour > 0), not before the quota allows it. With the n
 * admissions of the window a₁ ≤ … ≤ aₙ, a never-admitted job ranked j among its tenant's (admission's order),
 * hours = ⌊(j − 1) / perHour⌋ and m = (j − 1) mod perHour + 1 − quotaLeft (that is n + j − hours·perHour −
 * perHour): it starts now when m ≤ 0 (quotaLeft ≥ j), else at aₘ's anniversary, and hours windows later.
 * The rank breaks a tie of admission's order by id (D410). A free slot may still be waited for.
 */
export const FORECAST = `WITH asked AS (
       SELECT id, company_id, admitted_at, greatest(:now::timestamptz, next_attempt_at) AS not_before
       FROM shunya_jobs WHERE id = ANY(:ids::uuid[])
     ), ranked AS (
       SELECT id, company_id,
              row_number() OVER (PARTITION BY company_id
                                 ORDER BY COALESCE(next_attempt_at, created_at), created_at, id) AS j
       FROM shunya_jobs
       WHERE company_id IN (SELECT company_id FROM asked WHERE admitted_at IS NULL)
         AND job_status = 'pending' AND admitted_at IS NULL AND :perHour::int > 0
     ), placed AS (
       SELECT r.id, r.company_id, (r.j - 1) / :perHour::int AS hours,
              (r.j - 1) % :perHour::int + 1 - (${quotaLeftSql('r.company_id', '0')}) AS m
       FROM ranked r WHERE r.id IN (SELECT id FROM asked)
     ), used AS (
       SELECT company_id, admitted_at + :window::interval AS anniversary,
              row_number() OVER (PARTITION BY company_id ORDER BY admitted_at) AS m
       FROM shunya_jobs
       WHERE company_id IN (SELECT company_id FROM placed) AND admitted_at > :now::timestamptz - :window::interval
     )
     SELECT a.id, greatest(a.not_before,
                           CASE WHEN p.m <= 0 THEN :now::timestamptz ELSE u.anniversary END
                             + p.hours * :window::interval) AS starts_at
     FROM asked a
     LEFT JOIN placed p ON p.id = a.id
     LEFT JOIN used u ON u.company_id = p.company_id AND u.m = p.m`;

/** FORECAST for the pending ones of `jobs`, read by the caller; jobs that are not pending map to null. */
export async function expectedStarts(
  db: Db | Tx,
  jobs: JobRow[],
  perHour: number,
  now: Date,
): Promise<Map<string, Date | null>> {
  const out = new Map<string, Date | null>(jobs.map((j) => [j.id, null]));
  const pending = jobs.filter((j) => j.job_status === 'pending').map((j) => j.id);
  if (pending.length === 0) return out;
  const res = await prepared(
    db.raw(FORECAST, {
      ids: pending,
      perHour,
      now: now.toISOString(),
      window: QUOTA_WINDOW_SQL,
    }),
    FORECAST,
  );
  for (const r of res.rows as { id: string; starts_at: Date }[]) out.set(r.id, new Date(r.starts_at));
  return out;
}
