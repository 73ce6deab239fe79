// Issue 21 item 1, D421: a completion that adds the next stage's step (a call's transcription → analysis)
// creates that stage's operation in its own statement and carries the job and the operation in the step's
// payload, as admission does (D340), so the second submission goes to Shunya without reading them first.
// Real Postgres, the real simulator over HTTP, the real client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../simulator/server.ts';
import { loadConfig } from '../../src/config.ts';
import type { Db } from '../../src/db/knex.ts';
import { admitTenant } from '../../src/jobs/admission.ts';
import { type PipelineDeps, systemClock } from '../../src/jobs/deps.ts';
import type { JobRow, OperationRow } from '../../src/jobs/model.ts';
import { completeStage } from '../../src/jobs/transitions/index.ts';
import { createLogger } from '../../src/logger.ts';
import { shunyaClientFromConfig } from '../../src/shunya/client.ts';
import { advance } from '../../src/steps/advance.ts';
import { shunyaNormalizers } from '../../src/steps/normalizers.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildCallJob, buildCompany } from '../helpers/factories.ts';
import { TEST_SECRETS } from '../helpers/secrets.ts';
import { waitFor } from '../helpers/stack.ts';

let t: TestDatabase;
let sim: Awaited<ReturnType<typeof startSimulator>>;
let deps: PipelineDeps;

beforeAll(async () => {
  t = await createTestDatabase();
  sim = await startSimulator({
    preset: 'happy',
    timeScale: 50,
    seed: 7,
    jwtSecret: TEST_SECRETS.UWC_JWT_SECRET,
    hmacSecret: TEST_SECRETS.UWC_HMAC_SECRET,
  });
  const config = loadConfig({ ...TEST_SECRETS, UWC_BASE_URL: sim.url });
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
  await sim?.close();
  await t?.drop();
});

type Payload = { job_id: string; job?: JobRow; op?: OperationRow };

/** The payload of the job's latest otto_advance step. */
async function stepPayload(jobId: string): Promise<Payload> {
  const res = await t.db.raw(
    `SELECT payload FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks k ON k.id = j.task_id
     WHERE k.identifier = 'otto_advance' AND j.payload->>'job_id' = ? ORDER BY j.id DESC LIMIT 1`,
    [jobId],
  );
  return res.rows[0].payload as Payload;
}

/** The SQL texts `db` sends while `fn` runs. */
async function statementsOf(db: Db, fn: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const listener = (q: { sql: string }) => seen.push(q.sql);
  db.on('query', listener);
  try {
    await fn();
  } finally {
    db.off('query', listener);
  }
  return seen;
}

describe("a stage's completion carries the next stage's job and operation in its step (D421)", () => {
  it('so that the second submission reaches Shunya without reading them', async () => {
    const company = await buildCompany(t.db);
    const { callId, jobId } = await buildCallJob(t.db, company.id, {
      input_payload: {},
    });
    await t
      .db('shunya_jobs')
      .where({ id: jobId })
      .update({
        input_payload: {
          call_id: callId,
          shunya_call_id: 4242,
          audio_url: 'https://recordings.example.com/a.mp3',
          call_type: 'csr_call',
        },
      });
    expect(await admitTenant(deps, company.id)).toEqual([jobId]);
    // the first submission (transcription), from admission's payload
    await advance(deps, (await stepPayload(jobId)) as never, 1);
    const first = (await t.db('shunya_operations').where({ job_id: jobId }).first()) as OperationRow;
    expect(first).toMatchObject({ kind: 'transcription', status: 'submitted' });
    await waitFor(
      async () =>
        (await deps.client.getTranscriptionStatus(company.id, 4242, { requestId: 'test' })).state ===
        'completed',
      'the simulator to finish the transcription',
    );

    const job = (await t.db('shunya_jobs').where({ id: jobId }).first()) as JobRow;
    const done = await completeStage(t.db, {
      job,
      op: first,
      adoptShunyaJobId: null,
      resultHash: 'h',
      output: {},
      domain: [],
      now: new Date(),
    });
    expect(done.applied).toBe(true);

    const payload = await stepPayload(jobId);
    const next = (await t.db('shunya_operations').where({ job_id: jobId, kind: 'analysis' }).first()) as
      | OperationRow
      | undefined;
    expect(next).toMatchObject({ status: 'submitting' });
    expect(payload.job).toMatchObject({ id: jobId, job_status: 'running', stage: 'analysis' });
    expect(payload.op).toMatchObject({ id: next?.id, idempotency_key: next?.idempotency_key });

    const sent = await statementsOf(t.db, () => advance(deps, payload as never, 1));
    // the submission's one statement, markSubmitted's; no read of the job or its operation before it
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/^WITH submitted AS/);
    expect(await t.db('shunya_operations').where({ id: next?.id }).first()).toMatchObject({
      status: 'submitted',
    });
  });
});
