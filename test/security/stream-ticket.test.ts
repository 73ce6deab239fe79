// Issue 16, finding 16: the long-lived frontend token travelled in the event stream's query string
// (`access_token`), where proxies log it. Now browsers take a ticket (POST /api/v1/events/tickets: one
// stream, once, within 60 s, for the token's tenant and role) and the token in the URL is accepted only
// where SSE_QUERY_TOKEN allows it, never in production by default (D148).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zErrorEnvelope, zStreamTicket } from '../../generated/otto/zod.gen.ts';
import { loadConfig } from '../../src/config.ts';
import { insertEvents } from '../../src/domain/outbox.ts';
import { relayOnce } from '../../src/events/relay.ts';
import { StreamTickets, TICKET_TTL_S } from '../../src/http/stream-ticket.ts';
import type { PipelineDeps } from '../../src/jobs/deps.ts';
import { createLogger } from '../../src/logger.ts';
import { prune } from '../../src/worker/prune.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildCompany } from '../helpers/factories.ts';
import { openSse, type SseClient } from '../helpers/sse.ts';
import { ADMIN, frontendToken, SECRETS, type SuiteApp, startApp } from './app.ts';

let t: TestDatabase;
let production: SuiteApp;
let queryTokenOn: SuiteApp;
const clients: SseClient[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  production = await startApp(t, { NODE_ENV: 'production' });
  queryTokenOn = await startApp(t, { NODE_ENV: 'production', SSE_QUERY_TOKEN: 'true' });
});
afterAll(async () => {
  for (const c of clients) c.close();
  for (const app of [production, queryTokenOn]) await app?.close();
  await t?.drop();
});

async function takeTicket(app: SuiteApp, companyId: string, role = 'csr') {
  const res = await fetch(`${app.url}/api/v1/events/tickets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await frontendToken({ companyId, role })}` },
  });
  expect(res.status).toBe(201);
  expect(res.headers.get('cache-control')).toBe('no-store');
  return zStreamTicket.parse(await res.json());
}

async function open(url: string): Promise<SseClient> {
  const c = await openSse(url);
  clients.push(c);
  return c;
}

async function refusedWith(url: string, code: string): Promise<void> {
  const res = await fetch(url);
  expect(res.status).toBe(401);
  expect(zErrorEnvelope.parse(await res.json()).error.error_code).toBe(code);
}

describe('in production', () => {
  it('refuses the token in the query string', async () => {
    const a = await buildCompany(t.db);
    const token = await frontendToken({ companyId: a.id });
    await refusedWith(`${production.url}/api/v1/events?access_token=${token}`, 'TOKEN_MISSING');
  });

  it('opens the stream with a ticket, for the ticket’s tenant only, once', async () => {
    const a = await buildCompany(t.db);
    const b = await buildCompany(t.db);
    const { ticket, expires_at } = await takeTicket(production, a.id);
    const ttl = Date.parse(expires_at) - Date.now();
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(TICKET_TTL_S * 1000);
    const s = await open(`${production.url}/api/v1/events?ticket=${encodeURIComponent(ticket)}`);
    expect(s.status).toBe(200);

    const [la] = await t.db('leads').insert({ company_id: a.id }).returning('id');
    const [lb] = await t.db('leads').insert({ company_id: b.id }).returning('id');
    const event = (companyId: string, leadId: string) => ({
      type: 'lead.updated' as const,
      companyId,
      aggregateType: 'lead' as const,
      aggregateId: leadId,
      data: { lead_id: leadId, status: 'qualified_unbooked', previous_status: 'new' },
    });
    await t.db.transaction((tx) => insertEvents(tx, [event(b.id, lb.id), event(a.id, la.id)]));
    await relayOnce(t.db);
    const [first] = await s.waitFor(1);
    expect(JSON.parse(first?.data ?? '{}').company_id).toBe(a.id);

    await refusedWith(
      `${production.url}/api/v1/events?ticket=${encodeURIComponent(ticket)}`,
      'STREAM_TICKET_INVALID',
    );
  });

  it('opens one stream once across the API processes of a deployment, not once on each (D380)', async () => {
    const a = await buildCompany(t.db);
    // two app instances on one database: two API processes behind one load balancer
    const { ticket } = await takeTicket(production, a.id);
    const s = await open(`${queryTokenOn.url}/api/v1/events?ticket=${encodeURIComponent(ticket)}`);
    expect(s.status).toBe(200);
    await refusedWith(
      `${production.url}/api/v1/events?ticket=${encodeURIComponent(ticket)}`,
      'STREAM_TICKET_INVALID',
    );

    const opsTicket = async () => {
      const res = await fetch(`${production.url}/api/v1/ops/events/tickets`, {
        method: 'POST',
        headers: ADMIN,
      });
      expect(res.status).toBe(201);
      return zStreamTicket.parse(await res.json()).ticket;
    };
    const op = await opsTicket();
    const ops = await open(`${production.url}/api/v1/ops/events?ticket=${encodeURIComponent(op)}`);
    expect(ops.status).toBe(200);
    await refusedWith(
      `${queryTokenOn.url}/api/v1/ops/events?ticket=${encodeURIComponent(op)}`,
      'STREAM_TICKET_INVALID',
    );
    // the same ticket at the same moment on both: one of the two opens
    const race = await opsTicket();
    const both = await Promise.all(
      [production, queryTokenOn].map((app) =>
        fetch(`${app.url}/api/v1/ops/events?ticket=${encodeURIComponent(race)}`),
      ),
    );
    expect(both.map((r) => r.status).sort()).toEqual([200, 401]);
    for (const r of both) await r.body?.cancel();
  });

  it('refuses a forged or altered ticket', async () => {
    const a = await buildCompany(t.db);
    const b = await buildCompany(t.db);
    const { ticket } = await takeTicket(production, a.id);
    const [body, mac] = ticket.split('.');
    const claims = JSON.parse(Buffer.from(body ?? '', 'base64url').toString());
    const altered = `${Buffer.from(JSON.stringify({ ...claims, c: b.id })).toString('base64url')}.${mac}`;
    await refusedWith(`${production.url}/api/v1/events?ticket=${altered}`, 'STREAM_TICKET_INVALID');
    const forged = new StreamTickets('not-the-admin-token-of-this-deployment').issue({
      companyId: a.id,
      role: 'manager',
      subject: undefined,
    }).ticket;
    await refusedWith(`${production.url}/api/v1/events?ticket=${forged}`, 'STREAM_TICKET_INVALID');
  });

  it('takes the token in the query string only where SSE_QUERY_TOKEN allows it', async () => {
    const a = await buildCompany(t.db);
    const token = await frontendToken({ companyId: a.id });
    const s = await open(`${queryTokenOn.url}/api/v1/events?access_token=${token}`);
    expect(s.status).toBe(200);
  });
});

describe('a ticket', () => {
  it('opens nothing after its 60 s', async () => {
    const tickets = new StreamTickets(SECRETS.OTTO_ADMIN_TOKEN);
    const tenant = { companyId: '8b0c6f5e-1d2a-4b3c-9d8e-7f6a5b4c3d2e', role: 'csr', subject: undefined };
    const { ticket } = tickets.issue(tenant, Date.now() - (TICKET_TTL_S + 1) * 1000);
    await expect(tickets.redeem(t.db, ticket)).rejects.toThrow(/invalid or expired/);
    expect(await tickets.redeem(t.db, tickets.issue(tenant).ticket)).toEqual(tenant);
  });

  it('is remembered as used until it expires, then pruned (D380)', async () => {
    const tickets = new StreamTickets(SECRETS.OTTO_ADMIN_TOKEN);
    const tenant = { companyId: '8b0c6f5e-1d2a-4b3c-9d8e-7f6a5b4c3d2e', role: 'csr', subject: undefined };
    const live = tickets.issue(tenant).ticket;
    const spent = tickets.issue(tenant, Date.now() - (TICKET_TTL_S - 1) * 1000).ticket;
    await tickets.redeem(t.db, live);
    await tickets.redeem(t.db, spent);
    await expect(tickets.redeem(t.db, live)).rejects.toThrow(/used already/);
    await new Promise((r) => setTimeout(r, 1100)); // `spent` expires
    await prune({ db: t.db, config: production.config, logger: createLogger('silent') } as PipelineDeps);
    const nonce = (tk: string) => JSON.parse(Buffer.from(tk.split('.')[0] ?? '', 'base64url').toString()).n;
    const left = (await t.db('stream_ticket_uses').select('nonce')).map((r) => r.nonce);
    expect(left).toContain(nonce(live));
    expect(left).not.toContain(nonce(spent));
  });
});

describe('SSE_QUERY_TOKEN', () => {
  it('is off in production and on elsewhere unless set', () => {
    const on = (env: Record<string, string>) =>
      loadConfig({ ...SECRETS, DATABASE_URL: 'postgres://otto@127.0.0.1:5432/otto', ...env }).events
        .queryToken;
    expect(on({ NODE_ENV: 'production' })).toBe(false);
    expect(on({ NODE_ENV: 'test' })).toBe(true);
    expect(on({ NODE_ENV: 'development' })).toBe(true);
    expect(on({ NODE_ENV: 'production', SSE_QUERY_TOKEN: 'true' })).toBe(true);
  });
});
