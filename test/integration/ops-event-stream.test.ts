// The operator's event stream (D265, D266) over a real socket and Postgres: every tenant's events, with
// an operator token or a single-use operator ticket, resumable with Last-Event-ID.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { TEST_ADMIN } from '../helpers/secrets.ts';
import type { SseClient } from '../helpers/sse.ts';

let app: StreamApp;
let t: TestDatabase;
let otto: Listening;

beforeAll(async () => {
  app = await startStreamApp();
  ({ t, otto } = app);
});
afterAll(() => app.close());

const lead = (companyId: string) => newLead(t.db, companyId);
const open = (query = '', headers: Record<string, string> = {}): Promise<SseClient> =>
  app.open(`/api/v1/ops/events${query}`, headers);

async function opsTicket(): Promise<string> {
  const res = await fetch(`${otto.url}/api/v1/ops/events/tickets`, { method: 'POST', headers: TEST_ADMIN });
  expect(res.status).toBe(201);
  expect(res.headers.get('cache-control')).toBe('no-store');
  return ((await res.json()) as { ticket: string }).ticket;
}

async function errorCode(res: Response): Promise<string> {
  return ((await res.json()) as { error: { error_code: string } }).error.error_code;
}

describe('GET /api/v1/ops/events', () => {
  it('refuses a request without an operator token or an operator ticket, in the error envelope', async () => {
    const get = (query: string, headers: Record<string, string> = {}) =>
      fetch(`${otto.url}/api/v1/ops/events${query}`, { headers });
    const bare = await get('');
    expect(bare.status).toBe(401);
    expect(await errorCode(bare)).toBe('UNAUTHORIZED');

    const a = await buildCompany(t.db);
    const tenant = { authorization: `Bearer ${await tenantToken(a.id)}` };
    expect((await get('', tenant)).status).toBe(401);

    // a tenant's stream ticket is no operator ticket (D266)
    const tenantTicket = await fetch(`${otto.url}/api/v1/events/tickets`, {
      method: 'POST',
      headers: tenant,
    });
    expect(tenantTicket.status).toBe(201);
    const { ticket } = (await tenantTicket.json()) as { ticket: string };
    const forged = await get(`?ticket=${encodeURIComponent(ticket)}`);
    expect(forged.status).toBe(401);
    expect(await errorCode(forged)).toBe('STREAM_TICKET_INVALID');

    const noTicket = await fetch(`${otto.url}/api/v1/ops/events/tickets`, { method: 'POST' });
    expect(noTicket.status).toBe(401);
    expect(await errorCode(noTicket)).toBe('UNAUTHORIZED');

    const badId = await get('', { ...TEST_ADMIN, 'last-event-id': 'abc' });
    expect(badId.status).toBe(400);
    expect(await errorCode(badId)).toBe('INVALID_LAST_EVENT_ID');
  });

  it("delivers two tenants' events on one ticket, which opens one stream only", async () => {
    const a = await buildCompany(t.db);
    const b = await buildCompany(t.db);
    const [la, lb] = [await lead(a.id), await lead(b.id)];
    const ticket = await opsTicket();
    const s = await open(`?ticket=${encodeURIComponent(ticket)}`);
    expect(s.status).toBe(200);
    await t.db.transaction((tx) => insertEvents(tx, [event(a.id, la, 1), event(b.id, lb, 2)]));
    await t.db.transaction((tx) => insertEvents(tx, [event(b.id, lb, 3)]));
    const got = await s.waitFor(3);
    expect(ns(got)).toEqual([1, 2, 3]);
    expect(got.map((e) => JSON.parse(e.data).company_id)).toEqual([a.id, b.id, b.id]);
    expect(got.every((e) => e.id === JSON.parse(e.data).id)).toBe(true);

    const again = await fetch(`${otto.url}/api/v1/ops/events?ticket=${encodeURIComponent(ticket)}`);
    expect(again.status).toBe(401);
    expect(await errorCode(again)).toBe('STREAM_TICKET_INVALID');
  });

  it('resumes with Last-Event-ID (or ?after= with a new ticket) without loss or duplicates', async () => {
    const a = await buildCompany(t.db);
    const b = await buildCompany(t.db);
    const [la, lb] = [await lead(a.id), await lead(b.id)];
    const s1 = await open('', TEST_ADMIN);
    await t.db.transaction((tx) =>
      insertEvents(tx, [event(a.id, la, 1), event(b.id, lb, 2), event(a.id, la, 3)]),
    );
    const seen = await s1.waitFor(3);
    s1.close();
    await t.db.transaction((tx) => insertEvents(tx, [event(b.id, lb, 4), event(a.id, la, 5)]));

    const s2 = await open('', { ...TEST_ADMIN, 'last-event-id': seen[0]?.id as string });
    expect(ns(await s2.waitFor(4))).toEqual([2, 3, 4, 5]);

    const ticket = await opsTicket();
    const s3 = await open(`?ticket=${encodeURIComponent(ticket)}&after=${seen[2]?.id}`);
    expect(ns(await s3.waitFor(2))).toEqual([4, 5]);
    await new Promise((r) => setTimeout(r, 300));
    expect(s2.events).toHaveLength(4);
    expect(s3.events).toHaveLength(2);
  });
});
