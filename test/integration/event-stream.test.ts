// The event stream over a real socket and Postgres: per tenant, in order, each event once, resumable,
// and never skipping an event whose transaction committed late.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tx } from '../../src/db/knex.ts';
import { insertEvents } from '../../src/domain/outbox.ts';
import type { TestDatabase } from '../helpers/db.ts';
import {
  leadEvent as event,
  newLead,
  ns,
  type StreamApp,
  startStreamApp,
} from '../helpers/event-stream-app.ts';
import { buildCompany, tenantToken } from '../helpers/factories.ts';
import type { Listening } from '../helpers/http.ts';
import { deferred, type SseClient } from '../helpers/sse.ts';

let app: StreamApp;
let t: TestDatabase;
let otto: Listening;

beforeAll(async () => {
  app = await startStreamApp({});
  ({ t, otto } = app);
});
afterAll(() => app.close());

async function stream(companyId: string, after?: string): Promise<SseClient> {
  const headers: Record<string, string> = { authorization: `Bearer ${await tenantToken(companyId)}` };
  if (after) headers['last-event-id'] = after;
  return app.open('/api/v1/events', headers);
}

const lead = (companyId: string) => newLead(t.db, companyId);

describe('GET /api/v1/events', () => {
  it("delivers the tenant's events, and only its own, in order, as DomainEvents", async () => {
    const a = await buildCompany(t.db);
    const b = await buildCompany(t.db);
    const [la, lb] = [await lead(a.id), await lead(b.id)];
    const sa = await stream(a.id);
    await t.db.transaction((tx) =>
      insertEvents(tx, [event(a.id, la, 1), event(b.id, lb, 99), event(a.id, la, 2)]),
    );
    await t.db.transaction((tx) => insertEvents(tx, [event(a.id, la, 3)]));
    const got = await sa.waitFor(3);
    expect(ns(got)).toEqual([1, 2, 3]);
    const first = JSON.parse(got[0]?.data ?? '{}');
    expect(first).toMatchObject({
      id: got[0]?.id,
      type: 'lead.updated',
      company_id: a.id,
      aggregate_type: 'lead',
      aggregate_id: la,
    });
    expect(got.map((e) => e.event)).toEqual(['lead.updated', 'lead.updated', 'lead.updated']);
    expect(Number(got[1]?.id)).toBeGreaterThan(Number(got[0]?.id));
    await new Promise((r) => setTimeout(r, 300));
    expect(sa.events).toHaveLength(3);
  });

  it('resumes after a disconnect with Last-Event-ID, without loss or duplicates', async () => {
    const a = await buildCompany(t.db);
    const la = await lead(a.id);
    const s1 = await stream(a.id);
    await t.db.transaction((tx) =>
      insertEvents(
        tx,
        [1, 2, 3].map((n) => event(a.id, la, n)),
      ),
    );
    const seen = await s1.waitFor(3);
    s1.close();
    await t.db.transaction((tx) =>
      insertEvents(
        tx,
        [4, 5].map((n) => event(a.id, la, n)),
      ),
    );
    const s2 = await stream(a.id, seen[1]?.id);
    expect(ns(await s2.waitFor(3))).toEqual([3, 4, 5]);
    await new Promise((r) => setTimeout(r, 300));
    expect(s2.events).toHaveLength(3);
  });

  it('never skips an event whose transaction committed after a later one', async () => {
    const a = await buildCompany(t.db);
    const [l1, l2] = [await lead(a.id), await lead(a.id)];
    const s = await stream(a.id);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const insertedP = new Promise<void>((r) => (inserted = r));
    // T1 takes the lower outbox id, then stays open
    const t1 = t.db.transaction(async (tx: Tx) => {
      await insertEvents(tx, [event(a.id, l1, 1)]);
      inserted();
      await held;
    });
    await insertedP;
    await t.db.transaction((tx) => insertEvents(tx, [event(a.id, l2, 2)])); // T2 commits first
    const firstSeen = await s.waitFor(1);
    expect(ns(firstSeen)).toEqual([2]);
    s.close();
    release();
    await t1;
    // a reader resuming after the event it saw still gets T1's event
    const resumed = await stream(a.id, firstSeen[0]?.id);
    expect(ns(await resumed.waitFor(1))).toEqual([1]);
  });

  it("keeps one aggregate's events in commit order even when transaction ids were assigned the other way", async () => {
    const a = await buildCompany(t.db);
    const l = await lead(a.id);
    const s = await stream(a.id);
    // T2 writes first (gets the older transaction id), then waits for the lead T1 holds
    const t2ready = deferred();
    const t1done = deferred();
    const t2 = t.db.transaction(async (tx: Tx) => {
      await tx('tasks').insert({
        company_id: a.id,
        task_key: `k-${l}`,
        source: 'pending_action',
        title: 'first write',
      });
      t2ready.resolve();
      await t1done.promise;
      await tx('leads').where({ id: l }).forUpdate().first();
      await insertEvents(tx, [event(a.id, l, 2)]);
    });
    await t2ready.promise;
    await t.db.transaction(async (tx: Tx) => {
      await tx('leads').where({ id: l }).forUpdate().first();
      await insertEvents(tx, [event(a.id, l, 1)]);
    });
    t1done.resolve();
    await t2;
    expect(ns(await s.waitFor(2))).toEqual([1, 2]);
  });

  it('refuses a bad token (401) and a bad Last-Event-ID (400); accepts ?access_token for EventSource', async () => {
    const a = await buildCompany(t.db);
    expect((await fetch(`${otto.url}/api/v1/events`)).status).toBe(401);
    const bad = await fetch(`${otto.url}/api/v1/events`, {
      headers: { authorization: `Bearer ${await tenantToken(a.id)}`, 'last-event-id': 'abc' },
    });
    expect(bad.status).toBe(400);
    const viaQuery = await app.open(`/api/v1/events?access_token=${await tenantToken(a.id)}&after=0`);
    expect(viaQuery.status).toBe(200);
  });
});
