// pollAgain (running → running; pending → pending): the operation is still at Shunya; its next poll is
// scheduled after the §9.3 backoff. After a failed poll (D80) its error is the operation's and the job's
// last error, and an answer Otto could not read adds to the count of such answers in a row (a readable
// answer resets it). The poll's answer is kept in the same statement (shunya_poll_answers, D275). One
// statement, guarded by the operation still waiting and not polled meanwhile; returns the count of
// unreadable answers in a row, or null when the operation no longer waits. The next poll is noticed as
// scheduled ahead (D580).
import type { JobError } from '../../../generated/otto/types.gen.ts';
import type { Db } from '../../db/knex.ts';
import { prepared } from '../../db/statement.ts';
import type { OperationRow } from '../model.ts';
import { aheadNotice, TASK } from '../queue.ts';
import { ANSWER_COLUMNS, answerParams, type PollAnswer } from './record-poll-answer.ts';

// `failed`: the poll failed (its error is :error); `unreadable`: Shunya's answer could not be read. After a
// readable answer the count of unreadable ones starts again at 0; the job's last error is noted only after
// a failed poll.
const POLL_AGAIN = `WITH waiting AS (
       UPDATE shunya_operations SET poll_count = poll_count + 1, next_poll_at = :runAt::timestamptz,
              unreadable_answers = CASE WHEN NOT :failed::boolean THEN 0
                                        WHEN :unreadable::boolean THEN unreadable_answers + 1
                                        ELSE unreadable_answers END,
              error = COALESCE(:error::jsonb, error), updated_at = now()
       WHERE id = :operation AND status = 'submitted' AND poll_count = :pollCount
       RETURNING id, job_id, company_id, unreadable_answers)
     , answered AS (
       INSERT INTO shunya_poll_answers (${ANSWER_COLUMNS})
       SELECT company_id, job_id, id, :pollCount::int, now(), :answer::text, :errorCode::text, :httpStatus::int,
              :shunyaRequestId::text, :durationMs::real
       FROM waiting WHERE :answer::text IS NOT NULL)
     , noted AS (
       UPDATE shunya_jobs SET last_error = :error::jsonb, updated_at = now()
       WHERE :failed::boolean AND id = (SELECT job_id FROM waiting) AND job_status IN ('running', 'pending'))
     , polled AS MATERIALIZED (
       SELECT unreadable_answers, graphile_worker.add_job(identifier => :task, payload => json_build_object('operation_id', id),
                                                          run_at => :runAt::timestamptz, job_key => 'poll:' || id) AS job
       FROM waiting)
     SELECT unreadable_answers, ${aheadNotice('job')} FROM polled`;

export async function pollAgain(
  db: Db,
  op: Pick<OperationRow, 'id' | 'poll_count'>,
  runAt: Date,
  failed: { error: JobError; unreadable: boolean } | null,
  answer: PollAnswer | null = null,
): Promise<number | null> {
  const res = await prepared(
    db.raw(POLL_AGAIN, {
      runAt: runAt.toISOString(),
      failed: failed !== null,
      unreadable: failed?.unreadable ?? false,
      error: failed ? JSON.stringify(failed.error) : null,
      operation: op.id,
      pollCount: op.poll_count,
      task: TASK.poll,
      ...answerParams(answer),
    }),
    POLL_AGAIN,
  );
  const row = res.rows[0] as { unreadable_answers: number } | undefined;
  return row ? row.unreadable_answers : null;
}
