// recordPollAnswer: the answer of the poll that found the operation's end (completed, failed, or Shunya no
// longer knows it), kept after the completion path ran (D276). A poll that schedules the next one keeps its
// answer inside pollAgain's statement instead; only the last poll of an operation costs this statement.
// Only the small, non-personal part of an answer is kept: never a transcript or a result body (D275).
import type { Db } from '../../db/knex.ts';
import { prepared } from '../../db/statement.ts';
import type { OperationRow } from '../model.ts';

export interface PollAnswer {
  /** Shunya's state, or `error` (no usable answer) / `unreadable` (an answer Otto could not read, D80) */
  answer: 'queued' | 'processing' | 'completed' | 'failed' | 'error' | 'unreadable';
  errorCode: string | null;
  httpStatus: number | null;
  shunyaRequestId: string | null;
  durationMs: number;
}

export const ANSWER_COLUMNS =
  'company_id, job_id, operation_id, poll_number, answered_at, answer, error_code, http_status, shunya_request_id, duration_ms';

export function answerParams(a: PollAnswer | null) {
  return {
    answer: a?.answer ?? null,
    errorCode: a?.errorCode ?? null,
    httpStatus: a?.httpStatus ?? null,
    shunyaRequestId: a?.shunyaRequestId ?? null,
    durationMs: a?.durationMs ?? null,
  };
}

// Stamped as the completion it led to, so that the journey lists it just before that completion (D276).
const RECORD = `INSERT INTO shunya_poll_answers (${ANSWER_COLUMNS})
  SELECT :company, :job, :operation, :pollCount::int,
         COALESCE((SELECT completed_at FROM shunya_operations WHERE id = :operation), now()),
         :answer::text, :errorCode::text, :httpStatus::int, :shunyaRequestId::text, :durationMs::real`;

export async function recordPollAnswer(
  db: Db,
  op: Pick<OperationRow, 'id' | 'job_id' | 'company_id' | 'poll_count'>,
  answer: PollAnswer,
): Promise<void> {
  await prepared(
    db.raw(RECORD, {
      company: op.company_id,
      job: op.job_id,
      operation: op.id,
      pollCount: op.poll_count,
      ...answerParams(answer),
    }),
    RECORD,
  );
}
