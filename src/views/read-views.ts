// The rows behind the frontend's reads (§3), as named queries: the frontend routes present them, and the
// console's journey shows the same view (what the frontend reads for a job now). Tenant-scoped: another
// tenant's id is simply not found. The rows are returned as stored; http/presenters/reads.ts shapes them.
import type { Db } from '../db/knex.ts';
import type { JobRow } from '../jobs/model.ts';

export interface CallReadRows {
  job: JobRow | undefined;
  transcript: unknown;
  analysis: unknown;
  lead: unknown;
  appointmentId: string | null;
}

export async function callReadRows(
  db: Db,
  company_id: string,
  id: string,
): Promise<CallReadRows | undefined> {
  const call = (await db('calls').where({ company_id, id }).first('id', 'lead_id')) as
    | { id: string; lead_id: string | null }
    | undefined;
  if (!call) return undefined;
  const [job, transcript, analysis, lead, appointment] = await Promise.all([
    db('shunya_jobs').where({ company_id, call_id: id }).first() as Promise<JobRow | undefined>,
    db('call_transcripts').where({ company_id, call_id: id }).first(),
    db('call_analyses').where({ company_id, call_id: id }).first('analysis', 'created_at'),
    call.lead_id
      ? db('leads').where({ company_id, id: call.lead_id }).first('id', 'status')
      : Promise.resolve(undefined),
    db('appointments').where({ company_id, call_id: id }).first('id') as Promise<{ id: string } | undefined>,
  ]);
  return { job, transcript, analysis, lead, appointmentId: appointment?.id ?? null };
}

export interface SessionReadRows {
  session: {
    id: string;
    ghost_mode: boolean;
    appointment_id: string | null;
    created_at: Date;
    updated_at: Date;
  };
  job: JobRow | undefined;
  transcript: unknown;
  analysis: unknown;
}

export async function sessionReadRows(
  db: Db,
  company_id: string,
  id: string,
): Promise<SessionReadRows | undefined> {
  const session = await db('recording_sessions').where({ company_id, id }).first();
  if (!session) return undefined;
  const [job, transcript, analysis] = await Promise.all([
    db('shunya_jobs').where({ company_id, recording_session_id: id }).first() as Promise<JobRow | undefined>,
    // ghost mode (§3.2): no transcript is read, whatever is stored
    session.ghost_mode
      ? Promise.resolve(undefined)
      : db('recording_transcripts').where({ company_id, recording_session_id: id }).first(),
    db('recording_analyses')
      .where({ company_id, recording_session_id: id })
      .first('outcome', 'analysis', 'segmentation', 'created_at'),
  ]);
  return { session, job, transcript, analysis };
}

export async function findAppointmentRow(db: Db, company_id: string, id: string): Promise<unknown> {
  return db('appointments').where({ company_id, id }).first();
}
