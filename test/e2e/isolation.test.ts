// The tenant-isolation matrix (§7.3): every frontend route with another tenant's ids and token answers
// 404, every ops route refuses tenant tokens, and one tenant's event stream never shows another's events.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompanyRow } from '../../src/domain/companies.ts';
import { buildCompany, callRailPayload, postCallRail, tenantToken } from '../helpers/factories.ts';
import { openSse } from '../helpers/sse.ts';
import { type Stack, startStack, terminalJob } from '../helpers/stack.ts';

let s: Stack;
let a: CompanyRow;
let b: CompanyRow;
const ids = { call: '', job: '', appointment: '', session: '' };

beforeAll(async () => {
  s = await startStack();
  a = await buildCompany(s.db);
  b = await buildCompany(s.db);
  const { call_id, job_id } = await (await postCallRail(s.otto.url, a, callRailPayload(a))).json();
  await terminalJob(s.db, { call_id });
  ids.call = call_id;
  ids.job = job_id;
  const [appt] = await s.db('appointments').insert({ company_id: a.id }).returning('id');
  ids.appointment = appt.id;
  ids.session = randomUUID();
  const up = await fetch(`${s.otto.url}/api/v1/recording-sessions/${ids.session}/upload-audio`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await tenantToken(a.id)}` },
    body: JSON.stringify({ audio_url: 'https://uploads.example.com/v.mp3', appointment_id: ids.appointment }),
  });
  expect(up.status).toBe(202);
  await terminalJob(s.db, { recording_session_id: ids.session });
});
afterAll(async () => {
  await s?.close();
});

describe('tenant isolation', () => {
  const reads = () => [
    ['GET', `/api/v1/calls/${ids.call}/analysis`],
    ['GET', `/api/v1/recording-sessions/${ids.session}`],
    ['GET', `/api/v1/appointments/${ids.appointment}`],
  ];

  it("answers every frontend read of tenant A's ids with 200 for A and 404 for B, for every role", async () => {
    for (const [method, path] of reads()) {
      for (const role of ['csr', 'sales_rep', 'manager']) {
        const own = await fetch(`${s.otto.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${await tenantToken(a.id, { role })}` },
        });
        expect(own.status, `${path} as A ${role}`).toBe(200);
        const other = await fetch(`${s.otto.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${await tenantToken(b.id, { role })}` },
        });
        expect(other.status, `${path} as B ${role}`).toBe(404);
        expect((await other.json()).error.error_code).toBe('NOT_FOUND');
      }
    }
  });

  it("refuses B's upload to A's session and A's appointment", async () => {
    const token = await tenantToken(b.id);
    const post = (sessionId: string, body: unknown) =>
      fetch(`${s.otto.url}/api/v1/recording-sessions/${sessionId}/upload-audio`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
    expect((await post(ids.session, { audio_url: 'https://uploads.example.com/v.mp3' })).status).toBe(404);
    expect(
      (
        await post(randomUUID(), {
          audio_url: 'https://uploads.example.com/w.mp3',
          appointment_id: ids.appointment,
        })
      ).status,
    ).toBe(404);
    expect(
      Number((await s.db('recording_sessions').where({ company_id: b.id }).count({ n: '*' }).first())?.n),
    ).toBe(0);
  });

  it('refuses tenant tokens on every ops route', async () => {
    const token = await tenantToken(a.id, { role: 'manager' });
    for (const [method, path] of [
      ['GET', '/api/v1/ops/companies'],
      ['POST', '/api/v1/ops/companies'],
      ['GET', '/api/v1/ops/jobs'],
      ['GET', `/api/v1/ops/jobs/${ids.job}`],
      ['POST', `/api/v1/ops/jobs/${ids.job}/retry`],
      ['GET', '/api/v1/ops/circuit-breakers'],
      ['GET', '/metrics'],
    ]) {
      const res = await fetch(`${s.otto.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
  });

  it("never shows B tenant A's events", async () => {
    const streamA = await openSse(`${s.otto.url}/api/v1/events`, {
      authorization: `Bearer ${await tenantToken(a.id)}`,
    });
    const streamB = await openSse(`${s.otto.url}/api/v1/events`, {
      authorization: `Bearer ${await tenantToken(b.id)}`,
    });
    const aEvents = await streamA.waitFor(6);
    expect(aEvents.every((e) => JSON.parse(e.data).company_id === a.id)).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(streamB.events).toEqual([]);
    streamA.close();
    streamB.close();
  });
});
