// A job's moves in Otto's queue reach the operator stream as they happen (D381): admission, a retry by an
// operator, a retry scheduled after a failed attempt, a step deferred, a lost step requeued. Each is
// written in the statement that moves the job, and no tenant's stream carries one.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobError } from '../../generated/otto/types.gen.ts';
import { zOperatorEvent } from '../../generated/otto/zod.gen.ts';
import { insertEvents } from '../../src/domain/outbox.ts';
import type { JobRow } from '../../src/jobs/model.ts';
import {
  admit,
  deferStep,
  failStage,
  requeueLost,
  retryByOperator,
} from '../../src/jobs/transitions/index.ts';
import type { TestDatabase } from '../helpers/db.ts';
import { type StreamApp, startStreamApp } from '../helpers/event-stream-app.ts';
import {
  buildCallJob,
  buildCompany,
  callRailPayload,
  postCallRail,
  tenantToken,
} from '../helpers/factories.ts';
import { TEST_ADMIN } from '../helpers/secrets.ts';
import type { SseClient } from '../helpers/sse.ts';

let app: StreamApp;
let t: TestDatabase;

beforeAll(async () => {
  app = await startStreamApp();
  t = app.t;
});
afterAll(() => app.close());

const error: JobError = {
  error_code: 'UPSTREAM_UNAVAILABLE',
  error_type: 'server_error',
  message: 'Shunya answered 503',
  retryable: true,
  http_status: 503,
  shunya_request_id: null,
  at: new Date().toISOString(),
};
const limits = { slots: 10, perHour: 0 };
const jobRow = async (id: string) => (await t.db('shunya_jobs').where({ id }).first()) as JobRow;
/** graphile-worker's steps for the job, as a crash or a bug could lose them (what requeueLost looks for). */
const loseSteps = (id: string) =>
  t.db.raw(`DELETE FROM graphile_worker._private_jobs WHERE payload->>'job_id' = ?`, [id]);

async function open(path: string, headers: Record<string, string>): Promise<SseClient> {
  const c = await app.open(path, headers);
  expect(c.status).toBe(200);
  return c;
}

describe('shunya.job.state_changed', () => {
  it('announces every move of a job on the operator stream, in order, and on no tenant stream', async () => {
    const a = await buildCompany(t.db);
    const { jobId } = await buildCallJob(t.db, a.id);
    const ops = await open('/api/v1/ops/events', TEST_ADMIN);
    const tenant = await open('/api/v1/events', { authorization: `Bearer ${await tenantToken(a.id)}` });

    expect(await admit(t.db, a.id, limits, new Date())).toEqual([jobId]);
    const runAt = new Date(Date.now() + 60_000);
    expect(await deferStep(t.db, jobId, error, runAt)).toBe(true);
    const retryAt = new Date(Date.now() + 120_000);
    const failed = await failStage(t.db, {
      job: await jobRow(jobId),
      op: null,
      error,
      retryAt,
      now: new Date(),
    });
    expect(failed.applied).toBe(true);
    // the job's last attempt failed: an operator puts it back in line
    await t.db('shunya_jobs').where({ id: jobId }).update({ job_status: 'failed', completed_at: new Date() });
    expect((await retryByOperator(t.db, jobId)).kind).toBe('ok');
    expect(await admit(t.db, a.id, limits, new Date())).toEqual([jobId]);
    await loseSteps(jobId);
    expect(await requeueLost(t.db, 0, error)).toEqual([a.id]);

    const events = (await ops.waitFor(6)).map((e) => ({
      frame: e.event,
      ...zOperatorEvent.parse(JSON.parse(e.data)),
    }));
    expect(events.every((e) => e.frame === 'shunya.job.state_changed' && e.aggregate_id === jobId)).toBe(
      true,
    );
    expect(events.every((e) => e.company_id === a.id && e.data.job_id === jobId)).toBe(true);
    expect(events.map((e) => [e.data.reason, e.data.job_status, e.data.next_attempt_at])).toEqual([
      ['admitted', 'running', null],
      ['deferred', 'running', runAt.toISOString()],
      ['retry_scheduled', 'pending', retryAt.toISOString()],
      ['retried_by_operator', 'pending', null],
      ['admitted', 'running', null],
      ['requeued_lost', 'pending', null],
    ]);
    expect(events.map((e) => e.data.stage)).toEqual(Array(6).fill('transcription'));

    // the tenant's stream is as its contract says: the next domain event is the first it sees
    const [lead] = await t.db('leads').insert({ company_id: a.id }).returning('id');
    await t.db.transaction((tx) =>
      insertEvents(tx, [
        {
          type: 'lead.updated',
          companyId: a.id,
          aggregateType: 'lead',
          aggregateId: lead.id,
          data: { lead_id: lead.id, status: 'qualified_unbooked', previous_status: 'new' },
        },
      ]),
    );
    const [seen] = await tenant.waitFor(1);
    expect(seen?.event).toBe('lead.updated');
    await ops.waitFor(7);
    expect(tenant.events).toHaveLength(1);
  });

  it('writes no event when the move does not happen', async () => {
    const a = await buildCompany(t.db);
    const { jobId } = await buildCallJob(t.db, a.id, { job_status: 'succeeded' });
    const count = async () =>
      Number((await t.db('outbox_events').where({ aggregate_id: jobId }).count({ n: '*' }))[0]?.n);
    expect((await retryByOperator(t.db, jobId)).kind).toBe('not_retryable');
    expect(await deferStep(t.db, jobId, error, new Date())).toBe(false);
    expect(await admit(t.db, a.id, limits, new Date())).toEqual([]);
    expect(await count()).toBe(0);
  });

  it('announces a job created pending, by either trigger, and nothing for a repeated delivery (D411)', async () => {
    const a = await buildCompany(t.db);
    const ops = await open('/api/v1/ops/events', TEST_ADMIN);
    // every slot taken: each trigger's job waits, pending
    await t.db('tenant_admission').where({ company_id: a.id }).update({ running: 1000 });
    const payload = callRailPayload(a);
    const call = await (await postCallRail(app.otto.url, a, payload)).json();
    expect(call).toMatchObject({ status: 'queued', duplicate: false });
    const again = await (await postCallRail(app.otto.url, a, payload)).json();
    expect(again).toMatchObject({ job_id: call.job_id, duplicate: true });
    // a first delivery without its recording, then the repeat that brings it (D32): the job is created then
    const late = callRailPayload(a, { recording: null });
    expect((await (await postCallRail(app.otto.url, a, late)).json()).job_id).toBeNull();
    const brought = await (
      await postCallRail(app.otto.url, a, { ...late, recording: 'https://recordings.example.com/late.mp3' })
    ).json();
    expect(brought).toMatchObject({ status: 'queued', duplicate: true });
    const token = await tenantToken(a.id, { role: 'sales_rep' });
    const visit = await (
      await fetch(`${app.otto.url}/api/v1/recording-sessions/${randomUUID()}/upload-audio`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ audio_url: 'https://uploads.example.com/visit.m4a', duration_seconds: 60 }),
      })
    ).json();
    expect(visit).toMatchObject({ status: 'pending', duplicate: false });

    const events = (await ops.waitFor(3)).map((e) => ({
      frame: e.event,
      ...zOperatorEvent.parse(JSON.parse(e.data)),
    }));
    expect(events.map((e) => [e.aggregate_id, e.frame, e.data.reason, e.data.job_status])).toEqual([
      [call.job_id, 'shunya.job.state_changed', 'created', 'pending'],
      [brought.job_id, 'shunya.job.state_changed', 'created', 'pending'],
      [visit.job_id, 'shunya.job.state_changed', 'created', 'pending'],
    ]);
    expect(events.every((e) => e.company_id === a.id && e.data.next_attempt_at === null)).toBe(true);
    expect(events.map((e) => e.data.stage)).toEqual(['transcription', 'transcription', 'transcription']);
    // the repeated delivery that created nothing announced nothing
    expect(await t.db('outbox_events').where({ company_id: a.id }).count({ n: '*' })).toEqual([{ n: 3 }]);
  });
});
