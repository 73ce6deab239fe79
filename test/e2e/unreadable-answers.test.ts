// Issue 11 item 6 (decision D80): answers from Shunya that Otto cannot read are not invisible. The
// simulator answers every transcription status request with a body that is not JSON (as a mock of Shunya's
// own document answering `"status": "string"` did) and drops its webhooks: the ops API shows the last error
// on the operation and the job while it polls, a metric counts the unreadable answers, and
// POLL_UNREADABLE_LIMIT (3) of them in a row end the attempt instead of polling on until the 24 h timeout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCompany, callRailPayload, postCallRail } from '../helpers/factories.ts';
import { type Stack, startStack, terminalJob, waitFor } from '../helpers/stack.ts';

const ADMIN = { authorization: 'Bearer dev-admin-token' };
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
