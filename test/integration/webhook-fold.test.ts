// A webhook that completes a CSR call's stage is ONE statement (D510): the lookup of its operation rides in
// the stage's completion, which takes the job's id, status, owner and operation from what the lookup found
// and merges the stored output_payload in SQL. What it writes is what the two-statement path writes: the
// keys of the tasks and signals carry the call's id, the events their call and job, the payload both stages
// and its hash what is stored (D511). Rarer cases (a redelivery, another tenant's id) still answer as before.
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { CompanyRow } from '../../src/domain/companies.ts';
import { webhookStatus } from '../../src/http/errors.ts';
import { receiveWebhook } from '../../src/intake/webhook.ts';
import { type PipelineDeps, systemClock } from '../../src/jobs/deps.ts';
import type { JobRow } from '../../src/jobs/model.ts';
import { createLogger } from '../../src/logger.ts';
import { shunyaClientFromConfig } from '../../src/shunya/client.ts';
import type { CompleteAnalysis } from '../../src/shunya/types.ts';
import { csrStageEffects } from '../../src/steps/apply.ts';
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

const TRANSCRIPT = {
  transcript_text: 'Hello there.',
  speaker_labels: [{ speaker: 'customer', text: 'Hello there.', start_time: 0, end_time: 1 }],
  confidence_score: 0.9,
  created_at: '2025-01-15T10:00:00Z',
};

/** An analysis with a task and a key signal, so that their keys are written. */
const ANALYSIS = analysisResult(1, {
  objections: {
    objections: [{ objection_text: 'That is a lot', category_text: 'Price/Budget', severity: 'high' }],
  },
  pending_actions: [{ action: 'Call back with a quote', action_type: 'callback', priority: 'high' }],
});

/** A running CSR job whose transcription Shunya accepted (its operation carries the Shunya id). */
async function running(company: CompanyRow) {
  const { callId, jobId } = await buildCallJob(t.db, company.id, {
    job_status: 'running',
    stage: 'transcription',
    attempts: 1,
    input_payload: { shunya_call_id: 1, audio_url: 'https://a/b.mp3' },
  });
  await t
    .db('shunya_jobs')
    .where({ id: jobId })
    .update({ input_payload: { call_id: callId, shunya_call_id: 1, audio_url: 'https://a/b.mp3' } });
  await t.db('shunya_job_attempts').insert({
    company_id: company.id,
    job_id: jobId,
    attempt: 1,
    stage: 'transcription',
  });
  return { callId, jobId, shunyaJobId: await submit(company, jobId, 'transcription') };
}

/** The stage's operation, submitted to Shunya under a new id (the next stage's was made by the completion). */
async function submit(company: CompanyRow, jobId: string, kind: 'transcription' | 'analysis') {
  const shunyaJobId = `task-${randomUUID()}`;
  await t
    .db('shunya_operations')
    .insert({ company_id: company.id, job_id: jobId, kind, status: 'submitted', shunya_job_id: shunyaJobId })
    .onConflict(t.db.raw("(job_id, kind) WHERE status <> 'superseded'"))
    .merge({ status: 'submitted', shunya_job_id: shunyaJobId, submitted_at: new Date() });
  return shunyaJobId;
}

function delivery(companyId: string, shunyaJobId: string, result: unknown, requestId = randomUUID()) {
  const raw = Buffer.from(
    JSON.stringify({ shunya_job_id: shunyaJobId, status: 'completed', company_id: companyId, result }),
  );
  const timestamp = String(Date.now());
  const signature = createHmac('sha256', TEST_SECRETS.UWC_HMAC_SECRET)
    .update(Buffer.concat([Buffer.from(`${timestamp}.`), raw]))
    .digest('hex');
  return {
    headers: { 'x-shunya-timestamp': timestamp, 'x-shunya-signature': signature },
    rawBody: raw,
    requestId,
    statusOf: webhookStatus,
  };
}

/** The statements one delivery sends, in order. */
async function statementsOf(d: ReturnType<typeof delivery>) {
  const sent: string[] = [];
  const listen = (q: { sql: string }) => sent.push(q.sql);
  t.db.on('query', listen);
  try {
    return { answer: await receiveWebhook(deps(), d), sent };
  } finally {
    t.db.off('query', listen);
  }
}

const job = async (id: string) => (await t.db('shunya_jobs').where({ id }).first()) as JobRow;

describe('a webhook that completes a CSR call stage (D510)', () => {
  it('is one statement for the transcription, and one before the admission for the analysis', async () => {
    const company = await buildCompany(t.db);
    const { jobId, shunyaJobId } = await running(company);
    const first = await statementsOf(delivery(company.id, shunyaJobId, TRANSCRIPT));
    expect(first.answer).toEqual({ verdict: 'processed', ack: 'processed' });
    expect(first.sent).toHaveLength(1);
    expect(await job(jobId)).toMatchObject({ job_status: 'running', stage: 'analysis' });

    const second = await statementsOf(
      delivery(company.id, await submit(company, jobId, 'analysis'), ANALYSIS),
    );
    expect(second.answer).toEqual({ verdict: 'processed', ack: 'processed' });
    // the freed slot, with no job waiting, is offered by an admission of its own (D332)
    expect(second.sent).toHaveLength(2);
    expect(second.sent[0]).toMatch(/^WITH by_id AS/);
    expect(second.sent[1]).toMatch(/^WITH cap AS/);
    expect(await job(jobId)).toMatchObject({ job_status: 'succeeded', stage: 'done' });
  });

  it('writes what the two-statement path writes: keys and events of the call, the whole payload', async () => {
    const company = await buildCompany(t.db);
    const { callId, jobId, shunyaJobId } = await running(company);
    await receiveWebhook(deps(), delivery(company.id, shunyaJobId, TRANSCRIPT));
    const analysisId = await submit(company, jobId, 'analysis');
    const answer = await receiveWebhook(deps(), delivery(company.id, analysisId, ANALYSIS));
    expect(answer.verdict).toBe('processed');

    const norm = shunyaNormalizers.analysis(ANALYSIS);
    if (!norm.ok) throw new Error('the test analysis does not normalise');
    const expected = csrStageEffects(
      'analysis',
      company.id,
      callId,
      norm.value as CompleteAnalysis,
      analysisId,
    );
    const rowsOf = (k: 'tasks' | 'signals') =>
      (expected.domain.find((d) => d.row === k) as { rows: Record<string, string>[] }).rows;
    const taskKeys = rowsOf('tasks').map((r) => r.task_key);
    const signalKeys = rowsOf('signals').map((r) => r.signal_key);
    expect(taskKeys.length).toBeGreaterThan(0);
    expect(signalKeys.length).toBeGreaterThan(0);
    expect((await t.db('tasks').where({ call_id: callId })).map((r) => r.task_key).sort()).toEqual(
      taskKeys.sort(),
    );
    expect((await t.db('key_signals').where({ call_id: callId })).map((r) => r.signal_key).sort()).toEqual(
      signalKeys.sort(),
    );
    expect((await t.db('call_analyses').where({ call_id: callId }).first()).uwc_job_id).toBe(analysisId);

    const events = await t.db('outbox_events').where({ company_id: company.id }).orderBy('id');
    expect(events.map((e) => e.event_type)).toEqual([
      'call.transcribed',
      'call.analyzed',
      'shunya.job.succeeded',
    ]);
    expect(events[1].payload).toMatchObject({ call_id: callId, sentiment_score: 0.6 });
    expect(events[2].payload).toEqual({
      job_id: jobId,
      job_type: 'csr_call',
      call_id: callId,
      recording_session_id: null,
    });

    // both stages in the payload, redacted (D88), and its hash is the stored payload's (D511)
    const done = await job(jobId);
    expect(Object.keys(done.output_payload ?? {}).sort()).toEqual(['analysis', 'transcription']);
    expect(
      (done.output_payload as { analysis: { summary: { summary: string } } }).analysis.summary.summary,
    ).toBe('[redacted]');
    const text = (
      await t.db.raw('SELECT output_payload::text AS text FROM shunya_jobs WHERE id = ?', [jobId])
    ).rows[0].text as string;
    expect(done.processed_output_hash).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
  });

  it('leaves a redelivery and another tenant to the usual answers, with no write', async () => {
    const company = await buildCompany(t.db);
    const other = await buildCompany(t.db);
    const { jobId, shunyaJobId } = await running(company);
    expect((await receiveWebhook(deps(), delivery(other.id, shunyaJobId, TRANSCRIPT))).verdict).toBe(
      'company_mismatch',
    );
    expect(await job(jobId)).toMatchObject({ stage: 'transcription' });
    expect((await receiveWebhook(deps(), delivery(company.id, shunyaJobId, TRANSCRIPT))).verdict).toBe(
      'processed',
    );
    const again = await statementsOf(delivery(company.id, shunyaJobId, TRANSCRIPT));
    expect(again.answer.verdict).toBe('already_processed');
    // the folded statement found it applied, and answered the lookup: no second lookup (and the inbox row)
    expect(again.sent.filter((sql) => sql.includes('by_id'))).toHaveLength(1);
    expect(await t.db('call_transcripts').where({ company_id: company.id })).toHaveLength(1);
  });
});
