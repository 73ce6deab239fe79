// create: a trigger creates the job, `pending` (§3.1 step 2, §3.2 step 2), in the statement that writes its
// call or recording session, or in the trigger's transaction. Admission follows in a statement of its own
// (admit.ts), which starts it when a slot and the quota allow.
import type { Db, Tx } from '../../db/knex.ts';
import { compose, type Part, part, run } from '../../db/statement.ts';
import type { RecordingSessionRow } from '../../domain/recording-sessions.ts';
import type { JobRow } from '../model.ts';

/** A CSR call's job, for the call that part `call` returns (e.g. inserted): RETURNING the job row.
 * `traceparent`: the trigger's span, which the job's work joins (D196; handed down, D360). */
export function csrCallJobPart(
  name: string,
  call: string,
  audioUrl: string,
  maxAttempts: number,
  traceparent: string | null = null,
): Part {
  return part(
    name,
    `INSERT INTO shunya_jobs (company_id, job_type, call_id, input_payload, max_attempts, trace_context)
     SELECT company_id, 'csr_call', id,
            jsonb_build_object('call_id', id, 'shunya_call_id', shunya_call_id, 'audio_url', ?::text, 'call_type', 'csr_call'),
            ?::int, ?::text
     FROM ${call}
     RETURNING *`,
    [audioUrl, maxAttempts, traceparent],
  );
}

/** A CSR call's job for a call that exists already (a repeated delivery brought its recording, D32). */
export async function createCsrCallJob(
  tx: Db | Tx,
  call: { id: string; company_id: string },
  audioUrl: string,
  maxAttempts: number,
  traceparent: string | null = null,
): Promise<JobRow> {
  const rows = await run<JobRow>(
    tx,
    compose(
      [
        part('c', 'SELECT id, company_id, shunya_call_id FROM calls WHERE company_id = ? AND id = ?', [
          call.company_id,
          call.id,
        ]),
        csrCallJobPart('job', 'c', audioUrl, maxAttempts, traceparent),
      ],
      'SELECT * FROM job',
    ),
  );
  return rows[0] as JobRow;
}

export async function createSalesVisitJob(
  tx: Db | Tx,
  session: RecordingSessionRow,
  maxAttempts: number,
  traceparent: string | null = null,
): Promise<JobRow> {
  const input = {
    recording_session_id: session.id,
    shunya_call_id: session.shunya_call_id,
    audio_url: session.audio_url ?? '',
    appointment_id: session.appointment_id,
    ghost_mode: session.ghost_mode,
    call_type: 'sales_call',
  };
  const res = await tx.raw(
    `INSERT INTO shunya_jobs (company_id, job_type, recording_session_id, input_payload, max_attempts, trace_context)
     VALUES (?, 'sales_visit', ?, ?::jsonb, ?, ?) RETURNING *`,
    [session.company_id, session.id, JSON.stringify(input), maxAttempts, traceparent],
  );
  return res.rows[0] as JobRow;
}
