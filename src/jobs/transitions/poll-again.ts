// pollAgain (running → running; pending → pending): the operation is still at Shunya; its next poll is
// scheduled after the §9.3 backoff. After a failed poll (D80) its error is the operation's and the job's
// last error, and an answer Otto could not read adds to the count of such answers in a row (a readable
// answer resets it). One statement, guarded by the operation still waiting and not polled meanwhile;
// returns the count of unreadable answers in a row, or null when the operation no longer waits.
import type { JobError } from '../../../generated/otto/types.gen.ts';
import type { Db } from '../../db/knex.ts';
import { compose, part, run } from '../../db/statement.ts';
import type { OperationRow } from '../model.ts';
import { TASK } from '../queue.ts';

export async function pollAgain(
  db: Db,
  op: Pick<OperationRow, 'id' | 'poll_count'>,
  runAt: Date,
  failed: { error: JobError; unreadable: boolean } | null,
): Promise<number | null> {
  const unreadable = !failed ? '0' : failed.unreadable ? 'unreadable_answers + 1' : 'unreadable_answers';
  const [row] = await run<{ unreadable_answers: number }>(
    db,
    compose(
      [
        part(
          'waiting',
          `UPDATE shunya_operations SET poll_count = poll_count + 1, next_poll_at = ?, unreadable_answers = ${unreadable},
                  error = COALESCE(?::jsonb, error), updated_at = now()
           WHERE id = ? AND status = 'submitted' AND poll_count = ?
           RETURNING id, job_id, unreadable_answers`,
          [runAt, failed ? JSON.stringify(failed.error) : null, op.id, op.poll_count],
        ),
        failed
          ? part(
              'noted',
              `UPDATE shunya_jobs SET last_error = ?::jsonb, updated_at = now()
               WHERE id = (SELECT job_id FROM waiting) AND job_status IN ('running', 'pending')`,
              [JSON.stringify(failed.error)],
            )
          : null,
      ],
      `SELECT unreadable_answers, graphile_worker.add_job(identifier => ?, payload => json_build_object('operation_id', id),
                                                          run_at => ?::timestamptz, job_key => 'poll:' || id)
       FROM waiting`,
      [TASK.poll, runAt.toISOString()],
    ),
  );
  return row ? row.unreadable_answers : null;
}
