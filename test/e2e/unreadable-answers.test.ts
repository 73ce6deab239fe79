// Issue 11 item 6 (decision D80): answers from Shunya that Otto cannot read are not invisible. The
// simulator answers every transcription status request with a body that is not JSON (as a mock of Shunya's
// own document answering `"status": "string"` did) and drops its webhooks: the ops API shows the last error
// on the operation and the job while it polls, a metric counts the unreadable answers, and
// POLL_UNREADABLE_LIMIT (3) of them in a row end the attempt instead of polling on until the 24 h timeout.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/util/net.ts';
import { buildCompany, callRailPayload, postCallRail } from '../helpers/factories.ts';
import { TEST_ADMIN } from '../helpers/secrets.ts';
import { bin, ROOT, start } from '../helpers/spawn.ts';
import { type Stack, startStack, terminalJob, waitFor } from '../helpers/stack.ts';

const ADMIN = TEST_ADMIN;
let s: Stack;

beforeAll(async () => {
  // the simulator breaks the contract on purpose here: no contract proxy
  s = await startStack({ env: { JOB_MAX_ATTEMPTS: '2' }, contractProxy: false });
});
afterAll(async () => {
  await s?.close();
});

const metric = async (name: string, labels: Record<string, string>) => {
  const text = await (await fetch(`${s.otto.url}/metrics`, { headers: ADMIN })).text();
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && want.every((w) => l.includes(w)));
  return line ? Number(line.split(' ').pop()) : 0;
};
const detail = async (jobId: string) =>
  (await fetch(`${s.otto.url}/api/v1/ops/jobs/${jobId}`, { headers: ADMIN })).json();

describe('unreadable answers (D80)', () => {
  it('are recorded on the operation and the job, counted, and end the attempt after three in a row', async () => {
    const company = await buildCompany(s.db);
    await s.admin('POST', '/faults', {
      kind: 'malformed_json',
      company_id: company.id,
      operations: ['transcription_status'],
    });
    await s.admin('POST', '/faults', { kind: 'webhook_drop', company_id: company.id });
    const labels = { kind: 'transcription', step: 'poll' };
    const before = await metric('otto_shunya_unreadable_answers_total', labels);

    const res = await postCallRail(s.otto.url, company, callRailPayload(company));
    expect(res.status).toBe(202);
    const { call_id: callId, job_id: jobId } = await res.json();

    // while it still polls: the error is visible in the ops API
    const polling = await waitFor(async () => {
      const d = await detail(jobId);
      return d.job_status === 'running' && d.operations[0]?.unreadable_answers >= 1 ? d : undefined;
    }, 'a first unreadable answer');
    expect(polling.operations[0]).toMatchObject({
      kind: 'transcription',
      status: 'submitted',
      last_error: { error_code: 'INVALID_RESPONSE', error_type: 'server_error', retryable: true },
    });
    expect(polling.last_error).toMatchObject({ error_code: 'INVALID_RESPONSE' });

    // three in a row end each attempt; the second attempt is the last (JOB_MAX_ATTEMPTS=2)
    const job = await terminalJob(s.db, { call_id: callId }, 40_000);
    expect(job).toMatchObject({ job_status: 'failed', attempts: 2, stage: 'transcription' });
    expect(job.last_error).toMatchObject({ error_code: 'INVALID_RESPONSE', retryable: true });
    expect(job.last_error.message).toMatch(/^3 unreadable answers in a row/);
    const d = await detail(jobId);
    expect(d.attempts_log.map((a: { outcome: string }) => a.outcome)).toEqual(['retry_scheduled', 'failed']);
    expect(
      d.operations.map((o: { status: string; unreadable_answers: number; poll_count: number }) => [
        o.status,
        o.unreadable_answers,
      ]),
    ).toEqual([
      ['superseded', 3],
      ['failed', 3],
    ]);
    for (const o of d.operations) expect(o.last_error).toMatchObject({ error_code: 'INVALID_RESPONSE' });
    expect(await metric('otto_shunya_unreadable_answers_total', labels)).toBe(before + 6);
  }, 60_000);
});

// The report's own reproduction: Otto pointed at `prism mock` of the document Shunya published, whose
// status endpoint answers its schema's placeholder `"status": "string"`. Before D80 the ops view showed
// `last_error: null` after dozens of polls, and Otto would have polled on until the 24 h timeout. The mock
// also answers every submission with the job id "string": the retry's submission got the first attempt's
// id back, and before D106 its task failed on the unique id over and over, the job `running` for hours.
describe("against prism mock of Shunya's published document", () => {
  it('shows why the job does not move, and ends it instead of polling until the timeout', async () => {
    const port = await freePort();
    const published = path.join(ROOT, 'test/fixtures/shunya-published/shunya-openapi.json');
    const prism = await start(
      bin('prism'),
      ['mock', published, '-h', '127.0.0.1', '-p', String(port)],
      /Prism is listening/,
      { timeoutMs: 90_000 },
    );
    const mocked = await startStack({
      env: { UWC_BASE_URL: `http://127.0.0.1:${port}`, JOB_MAX_ATTEMPTS: '2' },
      contractProxy: false,
    });
    try {
      const company = await buildCompany(mocked.db);
      const res = await postCallRail(mocked.otto.url, company, callRailPayload(company));
      expect(res.status).toBe(202);
      const { call_id: callId, job_id: jobId } = await res.json();
      const job = await terminalJob(mocked.db, { call_id: callId }, 40_000);
      expect(job).toMatchObject({ job_status: 'failed', attempts: 2 });
      const d = await (await fetch(`${mocked.otto.url}/api/v1/ops/jobs/${jobId}`, { headers: ADMIN })).json();
      expect(d.attempts_log.map((a: { outcome: string }) => a.outcome)).toEqual([
        'retry_scheduled',
        'failed',
      ]);
      const [first, second] = d.operations;
      expect(first).toMatchObject({ status: 'superseded', shunya_job_id: 'string', unreadable_answers: 3 });
      expect(first.last_error.message).toMatch(
        /^3 unreadable answers in a row .*unknown job status "string"/,
      );
      expect(second).toMatchObject({ status: 'failed', shunya_job_id: null });
      expect(second.last_error).toMatchObject({ error_code: 'INVALID_RESPONSE', retryable: true });
      expect(second.last_error.message).toMatch(
        new RegExp(
          `job id "string", which operation ${first.id} \\(transcription, superseded, an earlier attempt of this job\\) already carries`,
        ),
      );
      expect(d.last_error).toEqual(second.last_error);
    } finally {
      await mocked.close();
      await prism.stop();
    }
  }, 120_000);
});
