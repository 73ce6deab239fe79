// The contract proof: Otto drives the simulator through `prism proxy --errors contracts/shunya.openapi.yaml`
// (every end-to-end stack does, see test/helpers/stack.ts), and every webhook body Otto received is
// validated against the contract (Prism cannot proxy webhooks: it re-serialises the body, which breaks the
// signature over the exact bytes). Calls and visits are sent in every variant the contracts document (the
// handoff payloads and Shunya's own, both webhook profiles, asynchronous and synchronous segmentation,
// results fetched by polling when no webhook comes), and every exchange must pass validation.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompanyRow } from '../../src/domain/companies.ts';
import { buildCompany, callRailPayload, postCallRail, tenantToken } from '../helpers/factories.ts';
import { type Stack, startStack, terminalJob, waitFor } from '../helpers/stack.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack({ sim: { preset: 'happy', timeScale: 120, seed: 11 } });
});
afterAll(async () => {
  await s?.close();
});

const VARIANTS = {
  handoff: {},
  shunya: { payload_shape: 'shunya', webhook_profile: 'shunya' },
  sync: { segmentation_mode: 'sync' },
  poll: {}, // every webhook dropped (a fault rule below): Otto polls status and fetches results
} as const;

async function upload(company: CompanyRow): Promise<string> {
  const sessionId = randomUUID();
  const res = await fetch(`${s.otto.url}/api/v1/recording-sessions/${sessionId}/upload-audio`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${await tenantToken(company.id, { role: 'sales_rep' })}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      audio_url: `https://uploads.example.com/${sessionId}.m4a`,
      duration_seconds: 1200,
    }),
  });
  expect(res.status).toBe(202);
  return sessionId;
}

describe('contract proof', () => {
  it('every exchange of calls and visits in every documented variant passes prism proxy --errors', async () => {
    const companies: CompanyRow[] = [];
    const tenants: Record<string, unknown> = {};
    for (const [name, variant] of Object.entries(VARIANTS)) {
      const company = await buildCompany(s.db);
      companies.push(company);
      tenants[company.id] = variant;
      if (name === 'poll')
        await s.admin('POST', '/faults', {
          kind: 'webhook_drop',
          company_id: company.id,
          label: 'poll only',
        });
    }
    await s.admin('PUT', '/config', { tenants });
    const calls: string[] = [];
    const sessions: string[] = [];
    for (const company of companies) {
      for (let i = 0; i < 6; i++) {
        const res = await postCallRail(s.otto.url, company, callRailPayload(company));
        expect(res.status).toBe(202);
        calls.push((await res.json()).call_id);
      }
      for (let i = 0; i < 3; i++) sessions.push(await upload(company));
    }
    for (const call_id of calls)
      expect((await terminalJob(s.db, { call_id }, 60_000)).job_status).toBe('succeeded');
    for (const recording_session_id of sessions)
      expect((await terminalJob(s.db, { recording_session_id }, 60_000)).job_status).toBe('succeeded');

    const operations = Number((await s.db('shunya_operations').count({ n: '*' }).first())?.n);
    expect(operations).toBe(calls.length * 2 + sessions.length * 3);
    const pollTenant = companies[companies.length - 1] as CompanyRow;
    const polled = Number(
      (await s.db('shunya_operations').where({ company_id: pollTenant.id }).count({ n: '*' }).first())?.n,
    );
    expect(polled).toBe(6 * 2 + 3 * 3);
    const proof = s.contract?.check();
    expect(proof?.violations).toEqual([]);
    // one validated submission per Shunya operation, plus a status and a result request per polled one
    expect(proof?.exchanges).toBeGreaterThanOrEqual(operations + 2 * polled);
    // every asynchronous operation of the other tenants gets a webhook that is verified (signature,
    // timestamp, company) and applied, or found already applied when the poller came first; Shunya retries
    // the ones refused with 404 (progress notices that outran the submission's answer, and the courtesy
    // webhook of a synchronous segmentation, which has no Shunya job id to match)
    await waitFor(
      async () =>
        (
          await s.db.raw(
            `SELECT count(*)::int AS n FROM shunya_operations o WHERE o.company_id <> ? AND o.shunya_job_id IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM webhook_deliveries d WHERE d.operation_id = o.id AND d.verdict IN ('processed', 'already_processed'))`,
            [pollTenant.id],
          )
        ).rows[0].n === 0,
      'a verified webhook for every operation of the webhook tenants',
      30_000,
    );
    const webhooks = await s.proveWebhooks();
    expect(webhooks.violations).toEqual([]);
    expect(webhooks.exchanges).toBeGreaterThanOrEqual(operations - polled);
    const delivered = await s.db('webhook_deliveries').select('company_id', 'verdict');
    expect(delivered.filter((d) => d.company_id === pollTenant.id)).toEqual([]);
    expect(
      delivered.filter(
        (d) => !['processed', 'already_processed', 'acknowledged', 'unknown_job'].includes(d.verdict),
      ),
    ).toEqual([]);
  }, 120_000);
});
