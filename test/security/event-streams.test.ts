// Issue 16, finding 11: one tenant opened 2,000 event streams, all accepted, and each replayed the outbox
// from event 0. Now one tenant's open streams are capped (SSE_MAX_STREAMS_PER_TENANT, 429 with
// Retry-After past it), and a stream opened without Last-Event-ID starts at the present (D147).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zErrorEnvelope } from '../../generated/otto/zod.gen.ts';
import { insertEvents, type NewEvent } from '../../src/domain/outbox.ts';
import { relayOnce } from '../../src/events/relay.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildCompany } from '../helpers/factories.ts';
import { openSse, type SseClient } from '../helpers/sse.ts';
import { frontendToken, type SuiteApp, startApp } from './app.ts';

const CAP = 3;
let t: TestDatabase;
let app: SuiteApp;
const clients: SseClient[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  app = await startApp(t, { SSE_MAX_STREAMS_PER_TENANT: String(CAP) });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await app?.close();
  await t?.drop();
});

async function stream(companyId: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const c = await openSse(`${app.url}/api/v1/events`, {
    authorization: `Bearer ${await frontendToken({ companyId })}`,
    ...headers,
  });
  clients.push(c);
  return c;
}

const leadEvent = (companyId: string, leadId: string, n: number): NewEvent => ({
  type: 'lead.updated',
  companyId,
  aggregateType: 'lead',
  aggregateId: leadId,
  data: { lead_id: leadId, status: 'qualified_unbooked', previous_status: 'new', classification: { n } },
});

async function publish(companyId: string, ns: number[]): Promise<void> {
  const [lead] = await t.db('leads').insert({ company_id: companyId }).returning('id');
  await t.db.transaction((tx) =>
    insertEvents(
      tx,
      ns.map((n) => leadEvent(companyId, lead.id, n)),
    ),
  );
  await relayOnce(t.db);
}

const numbers = (events: { data: string }[]) => events.map((e) => JSON.parse(e.data).data.classification.n);

describe('streams per tenant', () => {
  it('refuses a tenant its stream past the cap with 429 and Retry-After; other tenants are not affected', async () => {
    const a = await buildCompany(t.db);
    const b = await buildCompany(t.db);
    const held = [];
    for (let i = 0; i < CAP; i++) held.push(await stream(a.id));
    expect(held.map((c) => c.status)).toEqual([200, 200, 200]);

    const refused = await fetch(`${app.url}/api/v1/events`, {
      headers: { authorization: `Bearer ${await frontendToken({ companyId: a.id })}` },
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = zErrorEnvelope.parse(await refused.json());
    expect(body.error).toMatchObject({ error_code: 'TOO_MANY_STREAMS', error_type: 'rate_limit_error' });

    expect((await stream(b.id)).status).toBe(200);

    held[0]?.close();
    await held[0]?.ended;
    // the server sees the close shortly after the client: the slot comes back then
    let again: SseClient | undefined;
    for (let i = 0; i < 50 && again?.status !== 200; i++) {
      again?.close();
      again = await stream(a.id);
      if (again.status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(again?.status).toBe(200);
  });
});

describe('where a stream starts', () => {
  it('without Last-Event-ID, at the present: earlier events are not replayed', async () => {
    const a = await buildCompany(t.db);
    await publish(a.id, [1, 2, 3]);
    const s = await stream(a.id);
    await publish(a.id, [4]);
    expect(numbers(await s.waitFor(1))).toEqual([4]);
    s.close();
  });

  it('with Last-Event-ID: 0, from the oldest event kept', async () => {
    const a = await buildCompany(t.db);
    await publish(a.id, [1, 2, 3]);
    const s = await stream(a.id, { 'last-event-id': '0' });
    expect(numbers(await s.waitFor(3))).toEqual([1, 2, 3]);
    s.close();
  });
});
