// Per-tenant limits (§11): at most TENANT_MAX_CONCURRENT jobs of a tenant in flight at once, and a tenant
// with a backlog does not starve the others.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCompany, callRailPayload, postCallRail } from '../helpers/factories.ts';
import { type Stack, startStack, terminalJob, waitFor } from '../helpers/stack.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack({ env: { TENANT_MAX_CONCURRENT: '2' } });
  // every Shunya job takes 0.4 s of real time (8 virtual seconds at 20×)
  const slow = { model: 'fixed', seconds: 8 };
  await s.admin('PUT', '/config', { latency: { transcription: slow, analysis: slow } });
});
afterAll(async () => {
  await s?.close();
});

describe('per-tenant limits', () => {
  it('keeps a flooding tenant to its limit while another tenant goes straight through', async () => {
    const flood = await buildCompany(s.db);
    const other = await buildCompany(s.db);
    const floodCalls = await Promise.all(
      Array.from(
        { length: 8 },
        async () =>
          (await (await postCallRail(s.otto.url, flood, callRailPayload(flood))).json()).call_id as string,
      ),
    );
    let maxRunning = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const r = await s.db.raw(
          `SELECT count(*)::int AS n FROM shunya_jobs WHERE company_id = ? AND job_status = 'running'`,
          [flood.id],
        );
        maxRunning = Math.max(maxRunning, r.rows[0].n);
        const inFlight = await s.db.raw(
          `SELECT count(*)::int AS n FROM shunya_operations WHERE company_id = ? AND status IN ('submitting', 'submitted')`,
          [flood.id],
        );
        expect(inFlight.rows[0].n).toBeLessThanOrEqual(2);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await waitFor(async () => maxRunning === 2, 'the flooding tenant to fill its slots');

    const { call_id } = await (await postCallRail(s.otto.url, other, callRailPayload(other))).json();
    const otherJob = await terminalJob(s.db, { call_id });
    expect(otherJob.job_status).toBe('succeeded');
    const stillPending = await s.db.raw(
      `SELECT count(*)::int AS n FROM shunya_jobs WHERE company_id = ? AND job_status = 'pending'`,
      [flood.id],
    );
    expect(stillPending.rows[0].n).toBeGreaterThan(0); // the other tenant did not wait for the backlog

    for (const id of floodCalls)
      expect((await terminalJob(s.db, { call_id: id }, 60_000)).job_status).toBe('succeeded');
    sampling = false;
    await sampler;
    expect(maxRunning).toBe(2);
  }, 90_000);
});
