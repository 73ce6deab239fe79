// The webhook inbox and recover (issue 20 item 4; D270–D273), on the real stack: the simulator signs a
// job's transcription webhook wrongly on every attempt, so Otto refuses it (bad_signature) and the job
// waits (its poll is 10 minutes away). The inbox lists the refused delivery against its job; recover's
// preview names the job without touching it; recover schedules the operation's poll, which reads the
// result from Shunya and completes the job through the one completion path, with no new submission,
// audited as ONE entry; a second recover finds nothing. Bad input answers in the error envelope.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zErrorEnvelope, zWebhookInbox, zWebhookRecoverResult } from '../../generated/otto/zod.gen.ts';
import { buildCompany, callRailPayload, postCallRail } from '../helpers/factories.ts';
import { TEST_ADMIN } from '../helpers/secrets.ts';
import { submittedOp } from '../helpers/shunya-webhook.ts';
import { type Stack, startStack, terminalJob, waitFor } from '../helpers/stack.ts';

let s: Stack;
beforeAll(async () => {
  // polls only after 10 minutes: a result within seconds came from the webhook or from recover
  s = await startStack({ env: { POLL_DELAYS_S: '600' } });
});
afterAll(async () => {
  await s?.close();
});

const inbox = async (query: string) => {
  const res = await fetch(`${s.otto.url}/api/v1/ops/webhook-deliveries?${query}`, { headers: TEST_ADMIN });
  expect(res.status).toBe(200);
  return zWebhookInbox.parse(await res.json());
};
const recover = async (body: Record<string, unknown>, headers: Record<string, string> = TEST_ADMIN) =>
  fetch(`${s.otto.url}/api/v1/ops/webhook-deliveries/recover`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const recovered = async (body: Record<string, unknown>) => {
  const res = await recover(body);
  expect(res.status).toBe(200);
  return zWebhookRecoverResult.parse(await res.json());
};
const audits = () => s.db('audit_log').where({ action: 'webhook_deliveries.recovered' }).orderBy('id');

describe('webhook inbox and recover', () => {
  it('a refused webhook leaves the job waiting; recover finishes it by polling Shunya, once', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const company = await buildCompany(s.db);
    await s.admin('POST', '/faults', {
      kind: 'webhook_bad_signature',
      company_id: company.id,
      count: 1,
      params: { all_attempts: true },
    });
    const res = await postCallRail(s.otto.url, company, callRailPayload(company));
    expect(res.status).toBe(202);
    const { call_id: callId, job_id: jobId } = await res.json();
    const op = await submittedOp(s.db, jobId, 'transcription');
    await waitFor(
      async () =>
        (await s.db('webhook_deliveries').whereRaw(`headers->>'x-shunya-task-id' = ?`, [op.shunya_job_id]))
          .length > 0 || undefined,
      'the refused transcription webhook',
    );

    // the inbox shows the refused delivery against its job and tenant, never its body
    const listed = await inbox(`job_id=${jobId}`);
    expect(listed.items.length).toBeGreaterThan(0);
    expect(listed.items[0]).toMatchObject({
      verdict: 'bad_signature',
      http_status: 401,
      job_id: jobId,
      company_id: company.id,
      shunya_job_id: op.shunya_job_id,
    });
    expect(listed.items[0]?.body_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await inbox(`company_id=${company.id}&verdict=bad_signature`)).items.map((d) => d.id)).toContain(
      listed.items[0]?.id,
    );
    expect(await s.db('shunya_operations').where({ id: op.id }).first('status')).toEqual({
      status: 'submitted',
    });

    // the preview names the job, schedules nothing and audits nothing
    const preview = await recovered({ company_id: company.id, since, dry_run: true });
    expect(preview).toMatchObject({ dry_run: true, count: 1, company_id: company.id, since });
    expect(preview.jobs).toEqual([
      { job_id: jobId, operation_id: op.id, kind: 'transcription', company_id: company.id },
    ]);
    expect(await audits()).toHaveLength(0);
    expect(await s.db('shunya_operations').where({ id: op.id }).first('status')).toEqual({
      status: 'submitted',
    });

    const r = await recovered({ company_id: company.id, since });
    expect(r).toMatchObject({ dry_run: false, count: 1 });
    const job = await terminalJob(s.db, { call_id: callId });
    expect(job.job_status).toBe('succeeded');
    const transcription = await s.db('shunya_operations').where({ job_id: jobId, kind: 'transcription' });
    // read, never resubmitted: one transcription operation, completed, and one job at Shunya
    expect(transcription).toHaveLength(1);
    expect(transcription[0]).toMatchObject({ id: op.id, status: 'completed' });
    const { jobs } = (await s.admin('GET', `/jobs?company_id=${company.id}&kind=transcription`)) as {
      jobs: unknown[];
    };
    expect(jobs).toHaveLength(1);
    // every transcription webhook was refused: the result came through the poll
    const verdicts = await s
      .db('webhook_deliveries')
      .whereRaw(`headers->>'x-shunya-task-id' = ?`, [op.shunya_job_id])
      .pluck('verdict');
    expect(new Set(verdicts)).toEqual(new Set(['bad_signature']));

    const entries = await audits();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actor: 'admin',
      company_id: company.id,
      details: { filter: { since, company_id: company.id }, count: 1 },
    });

    // nothing is left to recover
    const again = await recovered({ company_id: company.id, since });
    expect(again).toMatchObject({ count: 0, jobs: [] });
    expect((await audits()).at(-1)?.details).toMatchObject({ count: 0 });
  });

  it('answers bad input in the error envelope and refuses non-operators', async () => {
    for (const body of [{}, { since: 'yesterday' }, { since: new Date().toISOString(), extra: 1 }]) {
      const res = await recover(body);
      expect(res.status).toBe(400);
      expect(zErrorEnvelope.parse(await res.json()).error.error_code).toBeTruthy();
    }
    const cursor = await fetch(`${s.otto.url}/api/v1/ops/webhook-deliveries?cursor=nonsense`, {
      headers: TEST_ADMIN,
    });
    expect(cursor.status).toBe(400);
    expect(zErrorEnvelope.parse(await cursor.json()).error.error_code).toBe('INVALID_CURSOR');
    expect((await recover({ since: new Date().toISOString() }, {})).status).toBe(401);
    expect((await fetch(`${s.otto.url}/api/v1/ops/webhook-deliveries`)).status).toBe(401);
  });
});
