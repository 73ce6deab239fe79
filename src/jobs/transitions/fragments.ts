// The parts completeStage and failStage share, composed with the domain rows their callers add (apply.ts,
// the outbox): closing the job's current attempt, freeing its slot, adding its next step (a graphile-worker
// job, in the same statement as the state it follows from, STYLE §10), waking admission when a retry falls
// due, and the statement's final SELECT. Every other transition is one whole statement (D232).
import type { JobError } from '../../../generated/otto/types.gen.ts';
import { type Part, part, when } from '../../db/statement.ts';
import { TASK } from '../queue.ts';

export type AttemptOutcome = 'submitted' | 'waiting' | 'succeeded' | 'retry_scheduled' | 'failed';

/** Closes (or marks) the job's latest attempt when `guard` wrote. */
export function closeAttempt(
  name: string,
  guard: string,
  jobId: string,
  outcome: AttemptOutcome,
  error: JobError | null = null,
): Part {
  const finished = outcome === 'succeeded' || outcome === 'retry_scheduled' || outcome === 'failed';
  return part(
    name,
    `UPDATE shunya_job_attempts SET outcome = ?, error = ?::jsonb${finished ? ', finished_at = now()' : ''}
     WHERE id = (SELECT max(id) FROM shunya_job_attempts WHERE job_id = ?) AND ${when(guard)}
     RETURNING id`,
    [outcome, error ? JSON.stringify(error) : null, jobId],
  );
}

/**
 * Gives the tenant's slot back when `guard` (a job leaving `running`) wrote. Never below zero: a job put in
 * `running` by hand (tests do) frees a slot it never took.
 */
export function freeSlot(name: string, guard: string, companyId: string): Part {
  return part(
    name,
    `UPDATE tenant_admission SET running = greatest(running - 1, 0) WHERE company_id = ? AND ${when(guard)}
     RETURNING running`,
    [companyId],
  );
}

/**
 * The job's next step (`otto_advance`), when `guard` wrote. No job key: the step that adds it is usually
 * still running (a webhook completes a stage within milliseconds of its submission), and graphile-worker
 * would clear that running job's key in this statement, holding its row until commit and making the
 * worker's own completion of it wait (the benchmark saw 3 ms per call). A second step for the same job
 * does no harm: it finds the stage submitted and returns, and a replayed submission carries the same
 * Idempotency-Key (§4.6).
 */
export function addStep(name: string, guard: string, jobId: string, runAt: Date | null = null): Part {
  return part(
    name,
    `SELECT graphile_worker.add_job(identifier => ?, payload => json_build_object('job_id', ?::uuid),
                                    run_at => ?::timestamptz)
     WHERE ${when(guard)}`,
    [TASK.advance, jobId, runAt?.toISOString() ?? null],
  );
}

/** Records an error on an operation that goes on (a failed submission or poll, D80), when `guard` wrote. */
export function noteOperationError(name: string, guard: string, operationId: string, error: JobError): Part {
  return part(
    name,
    `UPDATE shunya_operations SET error = ?::jsonb, updated_at = now() WHERE id = ? AND ${when(guard)}`,
    [JSON.stringify(error), operationId],
  );
}

/** Admission for the tenant at `runAt`, when a retry falls due then (D39's wake-up for what no transaction announces). */
export function wakeAdmissionAt(name: string, guard: string, companyId: string, runAt: Date): Part {
  return part(
    name,
    `SELECT graphile_worker.add_job(identifier => ?, payload => json_build_object('company_id', ?::uuid),
                                    run_at => ?::timestamptz)
     WHERE ${when(guard)}`,
    [TASK.admit, companyId, runAt.toISOString()],
  );
}

/**
 * The final SELECT: how many rows each named part produced. Naming a part here is also what makes a
 * SELECT part (a graphile_worker.add_job call) run: Postgres runs data-modifying parts to completion
 * whatever reads them, but a SELECT part only as far as it is read.
 */
export const counts = (names: string[]) =>
  `SELECT ${names.map((n) => `(SELECT count(*) FROM ${n})::int AS ${n}`).join(', ')}`;
