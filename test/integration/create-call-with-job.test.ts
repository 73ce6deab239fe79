// The CallRail trigger's one statement (D400), run directly: which rows it writes for each kind of call,
// the job admitted in it when the tenant has room (D341) with its event (D381), and the audit entry.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncomingCall } from '../../src/domain/calls.ts';
import { type CallWithJob, createCallWithJob } from '../../src/jobs/transitions/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildCompany } from '../helpers/factories.ts';

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
});

const incoming = (over: Partial<IncomingCall> = {}): IncomingCall => ({
  callrailCallId: randomUUID(),
  recordingUrl: 'https://a/b.mp3',
  customerPhone: null,
  customerName: 'Ann',
  durationSeconds: 61,
  direction: 'inbound',
  answered: true,
  startedAt: '2026-01-02T03:04:05Z',
  payload: { id: 'x' },
  ...over,
});

const create = (companyId: string, c: IncomingCall, slots = 2, audit = false) =>
  createCallWithJob(t.db, {
    companyId,
    incoming: c,
    newLeadId: randomUUID(),
    maxAttempts: 5,
    limits: { slots, perHour: 0 },
    now: new Date(),
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    audit: audit
      ? { actor: 'op', actorKind: 'operator_token', action: 'test_call.sent', requestId: 'r1' }
      : null,
  });

describe('createCallWithJob', () => {
  it('admits the job of a call with a recording when the tenant has room: attempt, operation, step, event, audit', async () => {
    const c = await buildCompany(t.db);
    const r = (await create(c.id, incoming(), 2, true)) as CallWithJob;
    expect(r.job).toMatchObject({ job_status: 'running', attempts: 1, call_id: r.call.id });
    expect(r.job?.trace_context).toMatch(/^00-0af7/);
    expect(r.stepped).toBe(1);
    // `running` is the statement's snapshot (before its own slot), which admitNewJob reads as possibly stale
    expect(r.running).toBe(0);
    expect((await t.db('tenant_admission').where({ company_id: c.id }).first()).running).toBe(1);
    expect(await t.db('shunya_operations').where({ job_id: r.job?.id })).toHaveLength(1);
    expect(await t.db('shunya_job_attempts').where({ job_id: r.job?.id })).toHaveLength(1);
    const events = await t.db('outbox_events').where({
      aggregate_id: r.job?.id,
      event_type: 'shunya.job.state_changed',
    });
    expect(events.map((e) => e.payload.reason)).toEqual(['admitted']);
    const audit = await t.db('audit_log').where({ target_id: r.job?.id });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'op', request_id: 'r1', company_id: c.id });
    const call = await t.db('calls').where({ id: r.call.id }).first();
    expect(call).toMatchObject({ duration_seconds: 61, direction: 'inbound', answered: true });
    expect(await t.db('leads').where({ id: call.lead_id }).first()).toMatchObject({ customer_name: 'Ann' });
  });

  it('leaves the job pending, with no operation, announced as created, when the slots are taken', async () => {
    const c = await buildCompany(t.db);
    const r = (await create(c.id, incoming(), 0)) as CallWithJob;
    expect(r.job).toMatchObject({ job_status: 'pending', attempts: 0 });
    expect(r.stepped).toBe(0);
    expect(await t.db('shunya_operations').where({ job_id: r.job?.id })).toEqual([]);
    // D411: the operator stream hears of the waiting job at once
    const events = await t.db('outbox_events').where({ aggregate_id: r.job?.id });
    expect(events.map((e) => [e.event_type, e.payload.reason, e.payload.job_status])).toEqual([
      ['shunya.job.state_changed', 'created', 'pending'],
    ]);
  });

  it('writes the call and its own lead only, without a recording; nothing for a repeated delivery', async () => {
    const c = await buildCompany(t.db);
    const first = incoming({ recordingUrl: null });
    const r = (await create(c.id, first, 2, true)) as CallWithJob;
    expect(r).toMatchObject({ job: null, stepped: null });
    expect(await t.db('shunya_jobs').where({ company_id: c.id })).toEqual([]);
    expect(await t.db('audit_log').where({ company_id: c.id })).toEqual([]);
    expect(await t.db('leads').where({ company_id: c.id })).toHaveLength(1);
    expect(await create(c.id, { ...first, recordingUrl: 'https://a/c.mp3' })).toBeUndefined();
    expect(await t.db('leads').where({ company_id: c.id })).toHaveLength(1);
  });

  it("gives calls from one phone number the tenant's one lead", async () => {
    const c = await buildCompany(t.db);
    const a = (await create(c.id, incoming({ customerPhone: '+15550001' }))) as CallWithJob;
    const b = (await create(c.id, incoming({ customerPhone: '+15550001' }))) as CallWithJob;
    expect(a.call.lead_id).not.toBeNull();
    expect(b.call.lead_id).toBe(a.call.lead_id);
    expect(await t.db('leads').where({ company_id: c.id })).toHaveLength(1);
  });
});
