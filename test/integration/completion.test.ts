// The one completion path on a real Postgres: a result applies once whatever the number and order of
// deliveries, a different second result is flagged, a superseded operation is ignored, an incomplete
// result is never surfaced, and (regression) a synchronous answer never re-applies what its webhook,
// racing it, already applied.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { type PipelineDeps, systemClock } from '../../src/jobs/deps.ts';
import { operationAndJob } from '../../src/jobs/store.ts';
import { createLogger } from '../../src/logger.ts';
import { shunyaClientFromConfig } from '../../src/shunya/client.ts';
import { completeSynchronously } from '../../src/steps/advance.ts';
import { completeOperation } from '../../src/steps/complete.ts';
import { shunyaNormalizers } from '../../src/steps/normalizers.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildCompany } from '../helpers/factories.ts';
import { TEST_SECRETS } from '../helpers/secrets.ts';

let t: TestDatabase;
let deps: PipelineDeps;

beforeAll(async () => {
  t = await createTestDatabase();
  const config = loadConfig({ ...TEST_SECRETS, UWC_BASE_URL: 'http://127.0.0.1:9' }); // never called here
  deps = {
    db: t.db,
    config,
    logger: createLogger('silent'),
    client: shunyaClientFromConfig(config),
    normalize: shunyaNormalizers,
    clock: systemClock,
  };
});
afterAll(async () => {
  await t.drop();
});

const segmentation = (content = 'Rapport and discovery.') => ({
  call_id: 1,
  part1: { start_time: 0, end_time: 600, duration: 600, content, key_points: ['Rapport'] },
  part2: {
    start_time: 600,
    end_time: 1200,
    duration: 600,
    content: 'Proposal and close.',
    key_points: ['Close'],
  },
  segmentation_confidence: 0.9,
  transition_point: 600,
  outcome: 'won',
});

async function visitAt(
  stage: 'segmentation' | 'analysis',
  opStatus: 'submitting' | 'submitted' = 'submitting',
) {
  const company = await buildCompany(t.db);
  const [session] = await t
    .db('recording_sessions')
    .insert({ company_id: company.id, audio_url: 'https://a.example.com/v.mp3' })
    .returning('*');
  const [job] = await t
    .db('shunya_jobs')
    .insert({
      company_id: company.id,
      job_type: 'sales_visit',
      recording_session_id: session.id,
      job_status: 'running',
      stage,
      attempts: 1,
      input_payload: {
        recording_session_id: session.id,
        shunya_call_id: session.shunya_call_id,
        audio_url: session.audio_url,
        appointment_id: null,
        ghost_mode: false,
        call_type: 'sales_call',
      },
    })
    .returning('*');
  const [op] = await t
    .db('shunya_operations')
    .insert({
      company_id: company.id,
      job_id: job.id,
      kind: stage,
      status: opStatus,
      shunya_job_id: opStatus === 'submitted' ? `seg-${job.id}` : null,
    })
    .returning('*');
  return { company, job, op };
}

describe('completeOperation', () => {
  it('applies a result once; a repeat is already_processed, a different repeat is flagged', async () => {
    const { job, op } = await visitAt('segmentation', 'submitted');
    expect(
      (await completeOperation(deps, op.id, { status: 'completed', result: segmentation() }, 'webhook'))
        .verdict,
    ).toBe('processed');
    expect(
      await completeOperation(deps, op.id, { status: 'completed', result: segmentation() }, 'poll'),
    ).toEqual({ verdict: 'already_processed', conflict: false });
    expect(
      await completeOperation(deps, op.id, { status: 'completed', result: segmentation('Other') }, 'webhook'),
    ).toEqual({ verdict: 'already_processed', conflict: true });
    const after = await t.db('shunya_jobs').where({ id: job.id }).first();
    expect(after.stage).toBe('analysis');
    expect(after.output_payload.segmentation.part1.content).toBe('Rapport and discovery.');
  });

  it('ignores a result for a superseded operation', async () => {
    const { op } = await visitAt('segmentation', 'submitted');
    await t.db('shunya_operations').where({ id: op.id }).update({ status: 'superseded' });
    expect(
      (await completeOperation(deps, op.id, { status: 'completed', result: segmentation() }, 'webhook'))
        .verdict,
    ).toBe('ignored');
  });

  it('never surfaces an incomplete analysis: the job goes back to pending for a retry', async () => {
    const { job, op } = await visitAt('analysis', 'submitted');
    const r = await completeOperation(
      deps,
      op.id,
      { status: 'completed', result: { objections: { objections: [] } } },
      'webhook',
    );
    expect(r.verdict).toBe('incomplete');
    expect(
      await t.db('recording_analyses').where({ recording_session_id: job.recording_session_id }).first(),
    ).toBeUndefined();
    const after = await t.db('shunya_jobs').where({ id: job.id }).first();
    expect(after).toMatchObject({ job_status: 'pending', stage: 'analysis' });
    expect(after.last_error.error_code).toBe('INCOMPLETE_RESULT');
    expect((await t.db('shunya_operations').where({ id: op.id }).first()).status).toBe('failed');
  });

  it('a synchronous answer does not re-apply what its racing webhook already applied', async () => {
    const { job, op } = await visitAt('segmentation', 'submitting');
    // the webhook arrives first and adopts the still-submitting operation
    const viaWebhook = await completeOperation(
      deps,
      op.id,
      { status: 'completed', result: segmentation() },
      'webhook',
      { shunyaJobId: 'seg-1' },
    );
    expect(viaWebhook.verdict).toBe('processed');
    const before = await t.db('shunya_jobs').where({ id: job.id }).first();
    // then the synchronous answer to the same request is handled
    expect(await completeSynchronously(deps, op.id, segmentation())).toBeNull();
    expect((await t.db('shunya_operations').where({ id: op.id }).first()).status).toBe('completed');
    expect((await t.db('shunya_jobs').where({ id: job.id }).first()).updated_at).toEqual(before.updated_at);
  });

  it("a job that ends frees its slot and admits the tenant's next due job in the same transaction", async () => {
    const oneSlot = {
      ...deps,
      config: loadConfig({ ...TEST_SECRETS, UWC_BASE_URL: 'http://127.0.0.1:9', TENANT_MAX_CONCURRENT: '1' }),
    };
    const { company, job, op } = await visitAt('analysis', 'submitted');
    const [session] = await t
      .db('recording_sessions')
      .insert({ company_id: company.id, audio_url: 'https://a.example.com/w.mp3' })
      .returning('*');
    const [waiting] = await t
      .db('shunya_jobs')
      .insert({
        company_id: company.id,
        job_type: 'sales_visit',
        recording_session_id: session.id,
        input_payload: {},
      })
      .returning('*');
    const error = {
      error_code: 'ANALYSIS_FAILED',
      error_type: 'processing_failed',
      message: 'No speech',
      retryable: false,
    };
    const r = await completeOperation(oneSlot, op.id, { status: 'failed', error } as never, 'webhook');
    expect(r.verdict).toBe('processed');
    expect((await t.db('shunya_jobs').where({ id: job.id }).first()).job_status).toBe('failed');
    expect(await t.db('shunya_jobs').where({ id: waiting.id }).first()).toMatchObject({
      job_status: 'running',
      attempts: 1,
    });
    const queued = await t.db.raw('SELECT 1 FROM graphile_worker.jobs WHERE key = ?', [
      `advance:${waiting.id}`,
    ]);
    expect(queued.rows).toHaveLength(1);
  });

  it('a failure read while the job waited for its retry, written once the retry runs, fails that attempt (chaos)', async () => {
    // The long chaos run left a job `running` with nothing to do: a webhook read its job `pending` (retry
    // scheduled), the retry started (running, resubmitting the same operation), and the webhook then only
    // settled the operation as failed, as for a waiting job; the resubmission found the operation failed
    // and wrote nothing. Settling is now guarded by the job still waiting, and is decided again otherwise.
    const { job, op } = await visitAt('analysis', 'submitting');
    await t
      .db('shunya_jobs')
      .where({ id: job.id })
      .update({ job_status: 'pending', next_attempt_at: new Date() });
    const stale = await operationAndJob(t.db, op.id);
    await t
      .db('shunya_jobs')
      .where({ id: job.id })
      .update({ job_status: 'running', attempts: 2, next_attempt_at: null });
    const error = { error_code: 'INTERNAL_ERROR', error_type: 'server_error', message: 'x', retryable: true };
    const r = await completeOperation(
      deps,
      op.id,
      { status: 'failed', error } as never,
      'webhook',
      undefined,
      stale,
    );
    expect(r.verdict).toBe('processed');
    expect((await t.db('shunya_operations').where({ id: op.id }).first()).status).toBe('failed');
    const after = await t.db('shunya_jobs').where({ id: job.id }).first();
    expect(after.job_status).toBe('pending');
    expect(after.next_attempt_at).not.toBeNull();
  });

  it('a synchronous answer that arrives first is applied', async () => {
    const { job, op } = await visitAt('segmentation', 'submitting');
    expect((await completeSynchronously(deps, op.id, segmentation()))?.verdict).toBe('processed');
    expect((await t.db('shunya_jobs').where({ id: job.id }).first()).stage).toBe('analysis');
  });
});
