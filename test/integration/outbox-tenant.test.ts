// What keeps an outbox event's tenant right without a foreign key per event (D570): the statements that bind
// the tenant move the job only when the job is that tenant's, so every event's company is the company of a
// job row (whose own key holds it); and a company that still has events cannot be deleted.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompanyRow } from '../../src/domain/companies.ts';
import type { JobRow, OperationRow } from '../../src/jobs/model.ts';
import { completeStage, failStage } from '../../src/jobs/transitions/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildCallJob, buildCompany } from '../helpers/factories.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
});

/** A running CSR job at transcription with its submitted operation. */
async function running(company: CompanyRow): Promise<{ job: JobRow; op: OperationRow }> {
  const { jobId } = await buildCallJob(t.db, company.id, {
    job_status: 'running',
    stage: 'transcription',
    attempts: 1,
  });
  await t
    .db('shunya_job_attempts')
    .insert({ company_id: company.id, job_id: jobId, attempt: 1, stage: 'transcription' });
  const [op] = await t
    .db('shunya_operations')
    .insert({
      company_id: company.id,
      job_id: jobId,
      kind: 'transcription',
      status: 'submitted',
      shunya_job_id: `task-${randomUUID()}`,
      submitted_at: new Date(),
    })
    .returning('*');
  const job = await t.db('shunya_jobs').where({ id: jobId }).first();
  return { job, op };
}

const transcript = {
  transcript_text: 'Hello there.',
  speaker_labels: [{ speaker: 'customer', text: 'Hello there.', start_time: 0, end_time: 1 }],
  confidence_score: 0.9,
  language: 'en-US',
  word_count: 2,
};

const eventsOf = (companyId: string) => t.db('outbox_events').where({ company_id: companyId });

describe("an outbox event's tenant is its job's (D570)", () => {
  it('a completion bound to another tenant than its job moves nothing and writes no event', async () => {
    const [mine, other] = [await buildCompany(t.db), await buildCompany(t.db)];
    const { job, op } = await running(mine);
    const result = await completeStage(t.db, {
      job: { ...job, company_id: other.id },
      op,
      adoptShunyaJobId: null,
      resultHash: 'h',
      output: { transcription: transcript },
      domain: [{ row: 'transcript', id: randomUUID(), transcript: transcript as never, uwcJobId: null }],
      now: new Date(),
    });
    expect(result.applied).toBe(false);
    expect(await eventsOf(other.id)).toEqual([]);
    expect(await eventsOf(mine.id)).toEqual([]);
    expect((await t.db('shunya_jobs').where({ id: job.id }).first()).stage).toBe('transcription');
    expect((await t.db('shunya_operations').where({ id: op.id }).first()).status).toBe('submitted');
  });

  it('the same completion bound to its own tenant applies, its event under that tenant', async () => {
    const company = await buildCompany(t.db);
    const { job, op } = await running(company);
    const result = await completeStage(t.db, {
      job,
      op,
      adoptShunyaJobId: null,
      resultHash: 'h',
      output: { transcription: transcript },
      domain: [{ row: 'transcript', id: randomUUID(), transcript: transcript as never, uwcJobId: null }],
      now: new Date(),
    });
    expect(result.applied).toBe(true);
    expect((await eventsOf(company.id)).map((e) => e.event_type)).toEqual(['call.transcribed']);
  });

  it('a failure bound to another tenant than its job moves nothing and writes no event', async () => {
    const [mine, other] = [await buildCompany(t.db), await buildCompany(t.db)];
    const { job, op } = await running(mine);
    const error = { code: 'SHUNYA_FAILED', message: 'no', retryable: false } as never;
    const result = await failStage(t.db, {
      job: { ...job, company_id: other.id },
      op: { row: op, error, adoptShunyaJobId: null },
      error,
      retryAt: null,
      placeholderTranscriptId: randomUUID(),
      now: new Date(),
    });
    expect(result.applied).toBe(false);
    expect(await eventsOf(other.id)).toEqual([]);
    expect(await eventsOf(mine.id)).toEqual([]);
    expect((await t.db('shunya_jobs').where({ id: job.id }).first()).job_status).toBe('running');
  });
});

describe('a company with outbox events (D570)', () => {
  it('cannot be deleted while it has events, and can once they are gone', async () => {
    const company = await buildCompany(t.db);
    await t.db('outbox_events').insert({
      company_id: company.id,
      event_type: 'lead.updated',
      aggregate_type: 'lead',
      aggregate_id: randomUUID(),
      payload: {},
    });
    await expect(t.db('companies').where({ id: company.id }).del()).rejects.toMatchObject({
      code: '23503',
    });
    expect(await t.db('companies').where({ id: company.id })).toHaveLength(1);
    await t.db('outbox_events').where({ company_id: company.id }).del();
    await t.db('tenant_admission').where({ company_id: company.id }).del();
    expect(await t.db('companies').where({ id: company.id }).del()).toBe(1);
  });
});
