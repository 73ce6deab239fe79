// Issue 16, finding 15: roles were validated but never enforced: a `csr` token uploaded sales visits and
// read everything of its tenant. Now each operation that takes a tenant JWT lists its roles in the contract
// (`x-roles`), Otto enforces the same table (src/http/roles.ts), and this matrix, derived from the
// contract, tries every such route with every role: an operation without a decision fails here (D149).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zErrorEnvelope } from '../../generated/otto/zod.gen.ts';
import { insertEvents } from '../../src/domain/outbox.ts';
import { relayOnce } from '../../src/events/relay.ts';
import { ROLES } from '../../src/http/middleware/tenant-auth.ts';
import { ROLE_MATRIX } from '../../src/http/roles.ts';
import { type Json, loadContract } from '../helpers/contracts.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildCompany } from '../helpers/factories.ts';
import { openSse } from '../helpers/sse.ts';
import { frontendToken, type SuiteApp, startApp } from './app.ts';

interface Operation {
  method: string;
  path: string;
  operationId: string;
  roles: unknown;
  example: unknown;
}

/** Every operation of the contract that takes a tenant JWT (alone or beside another scheme). */
function tenantOperations(): Operation[] {
  const doc = loadContract('otto.openapi.yaml');
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<Json>(doc.paths))
    for (const [method, op] of Object.entries<Json>(item)) {
      const security: Json[] = op.security ?? doc.security ?? [];
      if (!security.some((s) => 'tenantJwt' in s)) continue;
      const media = op.requestBody?.content?.['application/json'];
      const example = media?.examples ? Object.values<Json>(media.examples)[0]?.value : media?.example;
      ops.push({
        method: method.toUpperCase(),
        path,
        operationId: op.operationId,
        roles: op['x-roles'],
        example,
      });
    }
  return ops;
}

const OPERATIONS = tenantOperations();

let t: TestDatabase;
let app: SuiteApp;
let companyId: string;

beforeAll(async () => {
  t = await createTestDatabase();
  app = await startApp(t);
  companyId = (await buildCompany(t.db)).id;
});
afterAll(async () => {
  await app?.close();
  await t?.drop();
});

/** Calls the operation with fresh ids in its path and its contract example as body; the stream is closed. */
async function call(op: Operation, role: string): Promise<{ status: number; body: unknown }> {
  const controller = new AbortController();
  const body = op.example === undefined ? undefined : JSON.stringify(op.example);
  const res = await fetch(`${app.url}${op.path.replace(/\{[a-z_]+\}/g, () => randomUUID())}`, {
    method: op.method,
    headers: {
      authorization: `Bearer ${await frontendToken({ companyId, role })}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body,
    signal: controller.signal,
  });
  const json = res.headers.get('content-type')?.startsWith('application/json') ? await res.json() : null;
  controller.abort();
  return { status: res.status, body: json };
}

describe('the contract decides every tenant operation', () => {
  it('lists the tenant operations (the matrix is not empty)', () => {
    expect(OPERATIONS.map((o) => o.operationId).sort()).toEqual(Object.keys(ROLE_MATRIX).sort());
  });

  it.each(OPERATIONS.map((o) => [o.operationId, o] as const))('%s has x-roles, as Otto enforces', (_, op) => {
    expect(Array.isArray(op.roles), `${op.operationId} has no x-roles`).toBe(true);
    for (const r of op.roles as string[]) expect(ROLES).toContain(r);
    expect(op.roles).toEqual(ROLE_MATRIX[op.operationId as keyof typeof ROLE_MATRIX]);
  });
});

describe('every tenant route × every role', () => {
  const cases = OPERATIONS.flatMap((op) =>
    ROLES.map((role) => [`${op.method} ${op.path}`, role, op] as const),
  );
  it.each(cases)('%s as %s', async (_, role, op) => {
    const { status, body } = await call(op, role);
    if ((op.roles as string[]).includes(role)) {
      expect(status, JSON.stringify(body)).not.toBe(403);
      expect(status).toBeLessThan(500);
    } else {
      expect(status).toBe(403);
      expect(zErrorEnvelope.parse(body).error.error_code).toBe('ROLE_NOT_ALLOWED');
    }
  });
});

describe('the probe, again', () => {
  it('a csr neither uploads a sales visit nor reads one; a sales rep does both', async () => {
    const sessionId = randomUUID();
    const upload = async (role: string) =>
      fetch(`${app.url}/api/v1/recording-sessions/${sessionId}/upload-audio`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${await frontendToken({ companyId, role })}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ audio_url: 'https://uploads.example.com/visit.m4a' }),
      });
    expect((await upload('csr')).status).toBe(403);
    expect(await t.db('recording_sessions').where({ id: sessionId }).first()).toBeUndefined();
    expect((await upload('sales_rep')).status).toBe(202);
    const read = async (role: string) =>
      (
        await fetch(`${app.url}/api/v1/recording-sessions/${sessionId}`, {
          headers: { authorization: `Bearer ${await frontendToken({ companyId, role })}` },
        })
      ).status;
    expect(await read('csr')).toBe(403);
    expect(await read('sales_rep')).toBe(200);
  });

  it("a csr's event stream carries calls and leads, not visits; a manager's carries both", async () => {
    const company = await buildCompany(t.db);
    const open = async (role: string) =>
      openSse(`${app.url}/api/v1/events`, {
        authorization: `Bearer ${await frontendToken({ companyId: company.id, role })}`,
      });
    const csr = await open('csr');
    const manager = await open('manager');
    const [lead] = await t.db('leads').insert({ company_id: company.id }).returning('id');
    const session = randomUUID();
    await t.db.transaction((tx) =>
      insertEvents(tx, [
        {
          type: 'recording_session.analyzed',
          companyId: company.id,
          aggregateType: 'recording_session',
          aggregateId: session,
          data: { recording_session_id: session, outcome: 'won' },
        },
        {
          type: 'lead.updated',
          companyId: company.id,
          aggregateType: 'lead',
          aggregateId: lead.id,
          data: { lead_id: lead.id, status: 'qualified_unbooked', previous_status: 'new' },
        },
      ]),
    );
    await relayOnce(t.db);
    expect((await manager.waitFor(2)).map((e) => e.event)).toEqual([
      'recording_session.analyzed',
      'lead.updated',
    ]);
    expect((await csr.waitFor(1)).map((e) => e.event)).toEqual(['lead.updated']);
    csr.close();
    manager.close();
    expect(csr.events.map((e) => e.event)).toEqual(['lead.updated']);
  });
});
