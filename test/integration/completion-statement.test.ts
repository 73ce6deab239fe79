// What rides in a stage's completion statement (D331, D332), on a real Postgres: a webhook delivery's inbox
// row is written by the statement that applies it, so the two commit or roll back together; and the last
// stage's completion admits the tenant's next waiting jobs into the slot it frees, never more than the
// slots allow, with two completions at once.
import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { retryConflicts } from '../../src/db/tx.ts';
import type { CompanyRow } from '../../src/domain/companies.ts';
import { webhookStatus } from '../../src/http/errors.ts';
import { receiveWebhook } from '../../src/intake/webhook.ts';
import { admitTenant } from '../../src/jobs/admission.ts';
import { type PipelineDeps, systemClock } from '../../src/jobs/deps.ts';
import type { JobRow, OperationRow } from '../../src/jobs/model.ts';
import { completeStage } from '../../src/jobs/transitions/index.ts';
import { createLogger } from '../../src/logger.ts';
import { shunyaClientFromConfig } from '../../src/shunya/client.ts';
import { shunyaNormalizers } from '../../src/steps/normalizers.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildCallJob, buildCompany } from '../helpers/factories.ts';
import { TEST_SECRETS } from '../helpers/secrets.ts';
import { analysisResult } from '../helpers/shunya-webhook.ts';

let t: TestDatabase;
const deps = (): PipelineDeps => {
  const config = loadConfig({ ...TEST_SECRETS, UWC_BASE_URL: 'http://127.0.0.1:9' });
  return {
    db: t.db,
    config,
    logger: createLogger('silent'),
    client: shunyaClientFromConfig(config),
    normalize: shunyaNormalizers,
    clock: systemClock,
  };
};

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
});

/** A running CSR job at `stage` whose operation Shunya accepted as `shunyaJobId`. */
async function submitted(
  company: CompanyRow,
  stage: 'transcription' | 'analysis',
  shunyaJobId = `task-${randomUUID()}`,
): Promise<{ job: JobRow; op: OperationRow; shunyaJobId: string }> {
  const { callId, jobId } = await buildCallJob(t.db, company.id, {
    job_status: 'running',
    stage,
    attempts: 1,
  });
  const [job] = await t
    .db('shunya_jobs')
    .where({ id: jobId })
    .update({ input_payload: { call_id: callId, shunya_call_id: 1, audio_url: 'https://a/b.mp3' } })
    .returning('*');
  await t.db('shunya_job_attempts').insert({ company_id: company.id, job_id: jobId, attempt: 1, stage });
  const [op] = await t
    .db('shunya_operations')
    .insert({
      company_id: company.id,
      job_id: jobId,
      kind: stage,
      status: 'submitted',
      shunya_job_id: shunyaJobId,
      submitted_at: new Date(),
    })
    .returning('*');
  return { job, op, shunyaJobId };
}

/** A signed handoff-profile delivery (§8) of a transcript for `shunyaJobId`. */
function delivery(
  companyId: string,
  shunyaJobId: string,
  requestId: string,
  result: unknown = {
    transcript_text: 'Hello there.',
    speaker_labels: [{ speaker: 'customer', text: 'Hello there.', start_time: 0, end_time: 1 }],
    confidence_score: 0.9,
    created_at: '2025-01-15T10:00:00Z',
  },
) {
  const raw = Buffer.from(
    JSON.stringify({ shunya_job_id: shunyaJobId, status: 'completed', company_id: companyId, result }),
  );
  const timestamp = String(Date.now());
  const signature = createHmac('sha256', TEST_SECRETS.UWC_HMAC_SECRET)
    .update(Buffer.concat([Buffer.from(`${timestamp}.`), raw]))
    .digest('hex');
  return {
    headers: {
      'x-shunya-timestamp': timestamp,
      'x-shunya-signature': signature,
      'content-type': 'application/json',
    },
    rawBody: raw,
    requestId,
    statusOf: webhookStatus,
  };
}

const inbox = (requestId: string) =>
  t.db('webhook_deliveries').where({ request_id: requestId }).orderBy('received_at');

describe("a webhook delivery's inbox row, in the completion's statement (D331)", () => {
  it('is written once, with what the inbox keeps, by the delivery that completes the stage', async () => {
    const company = await buildCompany(t.db);
    const { job, op, shunyaJobId } = await submitted(company, 'transcription');
    const answer = await receiveWebhook(deps(), delivery(company.id, shunyaJobId, 'req-applies'));
    expect(answer).toEqual({ verdict: 'processed', ack: 'processed' });
    const rows = await inbox('req-applies');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      verdict: 'processed',
      http_status: webhookStatus('processed'),
      company_id: company.id,
      operation_id: op.id,
      job_id: job.id,
      shunya_job_id: shunyaJobId,
      profile: 'handoff',
      error: null,
    });
    expect(rows[0].duration_ms).toBeGreaterThanOrEqual(0);
    expect(rows[0].body_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0].redacted_body.result.transcript_text).toBe('[redacted]');
    expect(rows[0].headers['x-shunya-signature']).toBeDefined();
  });

  it("is written by the last stage's statement too, which ends the job with its rows and events", async () => {
    const company = await buildCompany(t.db);
    const { job, shunyaJobId } = await submitted(company, 'analysis');
    const answer = await receiveWebhook(
      deps(),
      delivery(
        company.id,
        shunyaJobId,
        'req-ends',
        analysisResult(1, { entities: { address: '1 Main St' } }),
      ),
    );
    expect(answer).toEqual({ verdict: 'processed', ack: 'processed' });
    expect((await inbox('req-ends')).map((r) => [r.verdict, r.error])).toEqual([['processed', null]]);
    expect((await t.db('shunya_jobs').where({ id: job.id }).first()).job_status).toBe('succeeded');
    expect(await t.db('call_analyses').where({ call_id: job.call_id })).toHaveLength(1);
    expect(await t.db('property_intelligence_requests').where({ call_id: job.call_id })).toHaveLength(1);
    const events = await t.db('outbox_events').where({ company_id: company.id }).orderBy('id');
    expect(events.map((e) => e.event_type)).toEqual(['call.analyzed', 'shunya.job.succeeded']);
  });

  it('rolls back with the completion: an inbox that cannot keep `processed` leaves the stage unapplied', async () => {
    const company = await buildCompany(t.db);
    const { job, op, shunyaJobId } = await submitted(company, 'transcription');
    // the inbox refuses a `processed` row (only for this test's rows)
    await t.db.raw(
      `ALTER TABLE webhook_deliveries ADD CONSTRAINT test_no_processed
       CHECK (verdict <> 'processed' OR request_id <> 'req-refused') NOT VALID`,
    );
    try {
      const answer = await receiveWebhook(deps(), delivery(company.id, shunyaJobId, 'req-refused'));
      expect(answer.verdict).toBe('error');
    } finally {
      await t.db.raw('ALTER TABLE webhook_deliveries DROP CONSTRAINT test_no_processed');
    }
    // nothing of the completion was committed: no inbox row claims it was applied, and it was not
    expect((await inbox('req-refused')).map((r) => r.verdict)).toEqual(['error']);
    const after = await t.db('shunya_jobs').where({ id: job.id }).first();
    expect(after).toMatchObject({ job_status: 'running', stage: 'transcription' });
    expect((await t.db('shunya_operations').where({ id: op.id }).first()).status).toBe('submitted');
    expect(await t.db('call_transcripts').where({ call_id: job.call_id })).toHaveLength(0);
    // Shunya's redelivery then applies it, and the inbox keeps that
    const again = await receiveWebhook(deps(), delivery(company.id, shunyaJobId, 'req-refused-2'));
    expect(again.verdict).toBe('processed');
    expect((await inbox('req-refused-2')).map((r) => r.verdict)).toEqual(['processed']);
    expect((await t.db('shunya_jobs').where({ id: job.id }).first()).stage).toBe('analysis');
  });
});

/** Completes a running job's last stage (no domain rows: the statement's admission is what is tested). */
const completeLast = (j: { job: JobRow; op: OperationRow }, slots: number) =>
  retryConflicts(() =>
    completeStage(t.db, {
      job: j.job,
      op: j.op,
      adoptShunyaJobId: null,
      resultHash: 'h',
      output: {},
      domain: [],
      limits: { slots, perHour: 0 },
      now: new Date(),
    }),
  );

async function waiting(company: CompanyRow, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await buildCallJob(t.db, company.id)).jobId);
  return ids;
}

const statuses = async (ids: string[]) =>
  (await t.db('shunya_jobs').whereIn('id', ids).orderBy('created_at')).map((j) => j.job_status);
const slotCount = async (company: CompanyRow) =>
  (await t.db('tenant_admission').where({ company_id: company.id }).first()).running;
const advanceSteps = async (ids: string[]) =>
  Number(
    (
      await t.db.raw(
        `SELECT count(*) AS n FROM graphile_worker.jobs
         WHERE task_identifier = 'otto_advance' AND key = ANY(?::text[])`,
        [ids.map((id) => `advance:${id}`)],
      )
    ).rows[0].n,
  );

describe("the last stage's completion admits the tenant's next job into the slot it frees (D332)", () => {
  it('admits exactly one waiting job, oldest first, with its attempt and its step', async () => {
    const company = await buildCompany(t.db);
    const ending = await submitted(company, 'analysis');
    await t.db('tenant_admission').where({ company_id: company.id }).update({ running: 1 });
    const next = await waiting(company, 2);
    const r = await completeLast(ending, 1);
    expect(r).toMatchObject({ applied: true, ended: true, freedSlot: true, admitted: 1, slotLeft: false });
    expect(await statuses([ending.job.id])).toEqual(['succeeded']);
    expect(await statuses(next)).toEqual(['running', 'pending']);
    expect(await slotCount(company)).toBe(1);
    expect(await t.db('shunya_job_attempts').where({ job_id: next[0] })).toHaveLength(1);
    expect(await advanceSteps(next)).toBe(1);
    // a second delivery of the same result writes nothing and admits nothing
    expect(await completeLast(ending, 1)).toMatchObject({ applied: false, admitted: 0 });
    expect(await statuses(next)).toEqual(['running', 'pending']);
  });

  it('never admits more than the slots free when two last stages complete at once', async () => {
    const company = await buildCompany(t.db);
    const a = await submitted(company, 'analysis');
    const b = await submitted(company, 'analysis');
    await t.db('tenant_admission').where({ company_id: company.id }).update({ running: 2 });
    const next = await waiting(company, 3);
    const [ra, rb] = await Promise.all([completeLast(a, 2), completeLast(b, 2)]);
    expect(ra.admitted + rb.admitted).toBe(2);
    expect(await statuses(next)).toEqual(['running', 'running', 'pending']);
    expect(await slotCount(company)).toBe(2);
  });

  it('admits nothing when the job was pending (it held no slot)', async () => {
    const company = await buildCompany(t.db);
    const ending = await submitted(company, 'analysis');
    const [pendingJob] = await t
      .db('shunya_jobs')
      .where({ id: ending.job.id })
      .update({ job_status: 'pending', next_attempt_at: new Date(Date.now() + 60_000) })
      .returning('*');
    await t.db('tenant_admission').where({ company_id: company.id }).update({ running: 1 });
    const next = await waiting(company, 1);
    const r = await completeLast({ job: pendingJob, op: ending.op }, 1);
    expect(r).toMatchObject({ applied: true, ended: true, freedSlot: false, admitted: 0, slotLeft: false });
    expect(await statuses(next)).toEqual(['pending']);
    expect(await slotCount(company)).toBe(1);
  });

  it('leaves a slot it could not fill to an admission of its own, which sees a job committed meanwhile (D97)', async () => {
    const company = await buildCompany(t.db);
    const ending = await submitted(company, 'analysis');
    await t.db('tenant_admission').where({ company_id: company.id }).update({ running: 1 });
    // another transaction holds the admission row while the completion starts: the completion's snapshot
    // is taken, then it waits for the row; a trigger's job commits in between
    const holder = await t.db.transaction();
    let jobId = '';
    try {
      await holder.raw('SELECT 1 FROM tenant_admission WHERE company_id = ? FOR UPDATE', [company.id]);
      const completing = completeLast(ending, 1);
      await waitForLockWait();
      jobId = (await waiting(company, 1))[0] as string;
      await holder.commit();
      const r = await completing;
      expect(r).toMatchObject({ applied: true, freedSlot: true, admitted: 0, slotLeft: true });
    } finally {
      if (!holder.isCompleted()) await holder.rollback();
    }
    expect(await statuses([jobId])).toEqual(['pending']);
    const config = loadConfig({ ...TEST_SECRETS, TENANT_MAX_CONCURRENT: '1' });
    expect(await admitTenant({ db: t.db, config, clock: systemClock }, company.id)).toEqual([jobId]);
  });
});

/** Until a statement of this database waits for a row lock (the completion, behind the holder). */
async function waitForLockWait() {
  for (;;) {
    const r = await t.db.raw(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'WITH moved AS%'`,
    );
    if (r.rows[0].n > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
