// The contract proof: Otto drives the simulator through `prism proxy --errors` (every end-to-end stack does,
// see test/helpers/stack.ts), and every webhook body Otto received is validated against the contract
// (Prism cannot proxy webhooks: it re-serialises the body, which breaks the signature over the exact
// bytes). Two readings (D45):
// - strict: the simulator in its default configuration (the handoff payloads and webhook profile, 202
//   submissions, asynchronous segmentation), and with every webhook dropped so that Otto polls, must pass
//   contracts/shunya.openapi.yaml itself;
// - tolerant: its non-default modes (Shunya's payload shape and webhook profile, synchronous
//   segmentation, 200 for submissions) must pass contracts/shunya.tolerant.openapi.yaml, what Otto's
//   parser accepts.
// Calls and visits run in each variant, and every exchange must pass validation.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { CompanyRow } from '../../src/domain/companies.ts';
import { buildCompany, callRailPayload, postCallRail, tenantToken } from '../helpers/factories.ts';
import { type Stack, startStack, terminalJob, waitFor } from '../helpers/stack.ts';

const stacks: Stack[] = [];
afterAll(async () => {
  for (const s of stacks) await s.close();
});

type Variant = { config: Record<string, unknown>; poll?: boolean };

async function upload(s: Stack, company: CompanyRow): Promise<string> {
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

/** Six calls and three visits per variant, each to a terminal job, and the proof of every exchange. */
async function prove(reading: 'strict' | 'tolerant', variants: Record<string, Variant>) {
  const s = await startStack({ reading, sim: { preset: 'happy', timeScale: 120, seed: 11 } });
  stacks.push(s);
  const companies: CompanyRow[] = [];
  const polled: string[] = [];
  const tenants: Record<string, unknown> = {};
  for (const variant of Object.values(variants)) {
    const company = await buildCompany(s.db);
    companies.push(company);
    tenants[company.id] = variant.config;
    if (variant.poll) {
      polled.push(company.id);
      await s.admin('POST', '/faults', { kind: 'webhook_drop', company_id: company.id, label: 'poll only' });
    }
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
    for (let i = 0; i < 3; i++) sessions.push(await upload(s, company));
  }
  for (const call_id of calls)
    expect((await terminalJob(s.db, { call_id }, 60_000)).job_status).toBe('succeeded');
  for (const recording_session_id of sessions)
    expect((await terminalJob(s.db, { recording_session_id }, 60_000)).job_status).toBe('succeeded');

  const operations = Number((await s.db('shunya_operations').count({ n: '*' }).first())?.n);
  expect(operations).toBe(calls.length * 2 + sessions.length * 3);
  const pollOps = Number(
    (await s.db('shunya_operations').whereIn('company_id', polled).count({ n: '*' }).first())?.n,
  );
  expect(pollOps).toBe(polled.length * (6 * 2 + 3 * 3));
  const proof = s.contract?.check();
  expect(proof?.violations).toEqual([]);
  // one validated submission per Shunya operation, plus a status and a result request per polled one
  expect(proof?.exchanges).toBeGreaterThanOrEqual(operations + 2 * pollOps);
  // every asynchronous operation of the webhook tenants gets a webhook that is verified (signature,
  // timestamp, company) and applied, or found already applied when the poller came first; Shunya retries
  // the ones refused with 404 (progress notices that outran the submission's answer, and the courtesy
  // webhook of a synchronous segmentation, which has no Shunya job id to match)
  await waitFor(
    async () =>
      (
        await s.db.raw(
          `SELECT count(*)::int AS n FROM shunya_operations o WHERE NOT (o.company_id = ANY(?)) AND o.shunya_job_id IS NOT NULL AND NOT EXISTS (
             SELECT 1 FROM webhook_deliveries d WHERE d.operation_id = o.id AND d.verdict IN ('processed', 'already_processed'))`,
          [polled],
        )
      ).rows[0].n === 0,
    'a verified webhook for every operation of the webhook tenants',
    30_000,
  );
  const webhooks = await s.proveWebhooks();
  expect(webhooks.violations).toEqual([]);
  expect(webhooks.exchanges).toBeGreaterThanOrEqual(operations - pollOps);
  const delivered = await s.db('webhook_deliveries').select('company_id', 'verdict');
  expect(delivered.filter((d) => polled.includes(d.company_id))).toEqual([]);
  expect(
    delivered.filter(
      (d) => !['processed', 'already_processed', 'acknowledged', 'unknown_job'].includes(d.verdict),
    ),
  ).toEqual([]);
}

describe('contract proof', () => {
  it('the simulator in its default configuration passes the strict contract, webhooks and polls alike', async () => {
    await prove('strict', { handoff: { config: {} }, poll: { config: {}, poll: true } });
  }, 120_000);

  it("the simulator's tolerant modes pass the tolerant reading, and Otto handles them", async () => {
    await prove('tolerant', {
      shunya: { config: { payload_shape: 'shunya', webhook_profile: 'shunya' } },
      sync: { config: { segmentation_mode: 'sync' } },
      ok200: { config: { submission_status: 200 } },
      poll: { config: { payload_shape: 'shunya', submission_status: 200 }, poll: true },
    });
  }, 120_000);
});
