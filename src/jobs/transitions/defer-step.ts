// deferStep (running → running): Shunya asked Otto to wait, an open circuit breaker or a rate limit (§9.1;
// D35): flow control, not a failed attempt. The job keeps its slot; its step runs again at `runAt`. The
// error is the job's last error, and its operation's (D80).
import type { JobError } from '../../../generated/otto/types.gen.ts';
import type { Db, Tx } from '../../db/knex.ts';
import { compose, part, run } from '../../db/statement.ts';
import { addStep, counts, noteOperationError } from './fragments.ts';

export async function deferStep(
  db: Db | Tx,
  jobId: string,
  error: JobError,
  runAt: Date,
  operationId: string | null = null,
): Promise<boolean> {
  const [row] = await run<Record<string, number>>(
    db,
    compose(
      [
        part(
          'moved',
          `UPDATE shunya_jobs SET last_error = ?::jsonb, updated_at = now() WHERE id = ? AND job_status = 'running'
           RETURNING id`,
          [JSON.stringify(error), jobId],
        ),
        addStep('step', 'moved', jobId, runAt),
        operationId ? noteOperationError('noted', 'moved', operationId, error) : null,
      ],
      counts(['moved', 'step']),
    ),
  );
  return (row?.moved ?? 0) > 0;
}
