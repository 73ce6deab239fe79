// Issue 11 item 4 (decisions D36, D78): a webhook finds its job whenever it arrives relative to the
// submission's own transaction, the one statement that stores Shunya's id for the operation. Each ordering
// is made deterministic without sleeps: the simulator holds its answer to the submission (a `hang` fault
// after the job is created, released by the test), and the test holds Postgres locks that the submission
// and the webhook must wait for, watching pg_blocking_pids() to know who waits for whom.
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompanyRow } from '../../src/domain/companies.ts';
import { buildCompany, callRailPayload, postCallRail } from '../helpers/factories.ts';
import { complete, sendWebhook, transcriptResult } from '../helpers/shunya-webhook.ts';
import { countRows, type Stack, startStack, waitFor } from '../helpers/stack.ts';

let s: Stack;
beforeAll(async () => {
  // polls only after 10 minutes, so a result that arrives within seconds came through the path under test;
  // no contract proxy: a released hang is a dropped connection, which Prism would report
  s = await startStack({ env: { UWC_TIMEOUT_MS: '60000', POLL_DELAYS_S: '600' }, contractProxy: false });
  await s.admin('PUT', '/config', { time_scale: 0 }); // Shunya finishes nothing by itself
});
afterAll(async () => {
  releaseHang();
  await s?.close();
});

interface Submission {
  company: CompanyRow;
  callId: string;
  jobId: string;
  callNo: number;
  /** Shunya's id for the transcription, as Shunya created it. */
  shunyaJobId: string;
}

/** Triggers a call whose transcription Shunya accepts but does not answer until releaseHang(). */
async function heldSubmission(opts: { dropWebhooks?: boolean } = {}): Promise<Submission> {
  const company = await buildCompany(s.db);
  await s.admin('POST', '/faults', {
    kind: 'hang',
    company_id: company.id,
    operations: ['transcribe'],
    count: 1,
    params: { phase: 'after', max_ms: 120_000 },
  });
  if (opts.dropWebhooks) await s.admin('POST', '/faults', { kind: 'webhook_drop', company_id: company.id });
  const res = await postCallRail(s.otto.url, company, callRailPayload(company));
  expect(res.status).toBe(202);
  const { call_id: callId, job_id: jobId } = await res.json();
  const callNo = (await s.db('calls').where({ id: callId }).first()).shunya_call_id as number;
  const simJob = await waitFor(async () => {
    const { jobs } = (await s.admin('GET', `/jobs?company_id=${company.id}&kind=transcription`)) as {
      jobs: { job_id: string; call_id: number }[];
    };
    return jobs.find((j) => j.call_id === callNo);
  }, 'Shunya to accept the transcription');
  expect(await s.db('shunya_operations').where({ job_id: jobId }).first()).toMatchObject({
    status: 'submitting',
    shunya_job_id: null,
  });
  return { company, callId, jobId, callNo, shunyaJobId: simJob.job_id };
}

/** Shunya's answer to the held submission is lost; Otto's client retries and gets it (Idempotency-Key). */
function releaseHang() {
  for (const release of [...(s?.sim.sim.hanging ?? [])]) release();
}

const opOf = async (x: Submission) =>
  s.db('shunya_operations').where({ job_id: x.jobId, kind: 'transcription' }).first();

const webhook = (x: Submission) =>
  complete(
    s.otto.url,
    {
      id: '',
      job_id: x.jobId,
      kind: 'transcription',
      status: '',
      company_id: x.company.id,
      shunya_job_id: x.shunyaJobId,
    },
    transcriptResult(x.callNo),
  );

/** A transaction on its own connection, and its backend pid. */
async function holder(): Promise<{ trx: Knex.Transaction; pid: number }> {
  const trx = await s.db.transaction();
  const pid = (await trx.raw('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
  return { trx, pid };
}

/** The pid of a backend waiting for a lock `pid` holds. */
const waiterOn = (pid: number, what: string) =>
  waitFor(async () => {
    const r = await s.db.raw('SELECT pid FROM pg_stat_activity WHERE ? = ANY(pg_blocking_pids(pid))', [pid]);
    return r.rows[0]?.pid as number | undefined;
  }, what);

/** Holds the submission's transaction open after it stored the id: it waits for the attempt row we lock. */
async function submissionInFlight(x: Submission) {
  const a = await holder();
  await a.trx.raw('SELECT id FROM shunya_job_attempts WHERE job_id = ? FOR UPDATE', [x.jobId]);
  releaseHang();
  const submitter = await waiterOn(a.pid, "the submission's transaction, updated and not committed");
  return { a, submitter };
}

async function expectTranscribedOnce(x: Submission) {
  expect(await opOf(x)).toMatchObject({ status: 'completed', shunya_job_id: x.shunyaJobId });
  expect(await countRows(s.db, 'shunya_operations', { job_id: x.jobId, kind: 'transcription' })).toBe(1);
  expect(await countRows(s.db, 'call_transcripts', { call_id: x.callId })).toBe(1);
  // moved on to the analysis (which Shunya, its clock stopped, may refuse for now: not this test's concern)
  expect((await s.db('shunya_jobs').where({ id: x.jobId }).first()).stage).toBe('analysis');
}

describe('a webhook finds its job whenever it arrives (D36, D78)', () => {
  it('before the submission is stored: the webhook adopts the submitting operation', async () => {
    const x = await heldSubmission();
    expect((await webhook(x)).body).toEqual({ status: 'processed' });
    releaseHang(); // the answer arrives after all: the operation is already completed
    await waitFor(
      async () =>
        (await s.db('shunya_operations').where({ job_id: x.jobId, kind: 'analysis' }).first()) ?? false,
      'the next stage',
    );
    await expectTranscribedOnce(x);
  });

  it("during the submission's transaction: the webhook waits for it to commit", async () => {
    const x = await heldSubmission();
    const { a, submitter } = await submissionInFlight(x);
    const answer = webhook(x);
    await waiterOn(submitter, 'the webhook, waiting for the submission to commit');
    await a.trx.commit();
    expect((await answer).body).toEqual({ status: 'processed' });
    await expectTranscribedOnce(x);
  });

  it('the submission commits while the webhook looks its job up (it answered 404 before D78)', async () => {
    const x = await heldSubmission();
    const { a } = await submissionInFlight(x);
    // the webhook's lookup needs recording_sessions: hold it until the submission has committed
    const b = await holder();
    await b.trx.raw('LOCK TABLE recording_sessions IN ACCESS EXCLUSIVE MODE');
    const answer = webhook(x);
    await waiterOn(b.pid, "the webhook's lookup");
    await a.trx.commit();
    await waitFor(async () => (await opOf(x)).status === 'submitted', 'the submission to commit');
    await b.trx.commit();
    expect((await answer).body).toEqual({ status: 'processed' });
    await expectTranscribedOnce(x);
  });

  it('after the submission committed: found by its id', async () => {
    const x = await heldSubmission();
    releaseHang();
    await waitFor(async () => (await opOf(x)).status === 'submitted', 'the submission');
    expect((await webhook(x)).body).toEqual({ status: 'processed' });
    await expectTranscribedOnce(x);
  });

  it('before, with nothing but the id to match (a notification without its result): deferred, then fetched at once', async () => {
    const x = await heldSubmission({ dropWebhooks: true });
    const bare = { shunya_job_id: x.shunyaJobId, status: 'completed', company_id: x.company.id };
    expect(await sendWebhook(s.otto.url, bare)).toEqual({ status: 200, body: { status: 'deferred' } });
    expect(await countRows(s.db, 'early_webhooks', { company_id: x.company.id })).toBe(1);
    await s.admin('POST', '/time/advance', { seconds: 3600 }); // Shunya finishes (its webhooks are dropped)
    releaseHang();
    // the first poll is 10 minutes away: the submission, finding the early webhook, polls at once
    await waitFor(async () => (await opOf(x)).status === 'completed', 'the result, fetched at once', 15_000);
    expect(await countRows(s.db, 'early_webhooks', { company_id: x.company.id })).toBe(0);
    const delivery = await s.db('webhook_deliveries').where({ shunya_job_id: x.shunyaJobId }).first();
    expect(delivery).toMatchObject({ verdict: 'deferred', http_status: 200 });
  });

  it('an unknown id while nothing is in flight is still 404', async () => {
    const company = await buildCompany(s.db);
    const res = await sendWebhook(s.otto.url, {
      shunya_job_id: 'never-submitted-1',
      status: 'completed',
      company_id: company.id,
    });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: { error_code: 'JOB_NOT_FOUND' } });
  });
});
