// The circuit breaker of an (endpoint, tenant) across Otto's worker processes (§9.1; D101). Three worker
// processes and an API process run against Shunya answering one tenant's transcriptions with 503. Each
// process opens its own breaker after UWC_BREAKER_THRESHOLD failures in a row and tells the others, so all
// the processes together send at most processes × threshold + slots requests into the outage (measured
// below) and then none until the cooldown ends; the API process, which never calls Shunya, shows the
// breaker open in the ops API because a worker told it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Fleet,
  migrate,
  type PgServer,
  type Simulator,
  startFleet,
  startPostgres,
  startSimulator,
} from '../../scripts/lib/stack.ts';
import { createTenants, type Tenant } from '../../scripts/lib/tenants.ts';
import { callRailPayload, postCallRail } from '../helpers/factories.ts';
import { waitFor } from '../helpers/stack.ts';

const ADMIN = 'breaker-admin-token';
const WORKERS = 3;
const THRESHOLD = 5;
const SLOTS = 3;
let pg: PgServer;
let sim: Simulator;
let fleet: Fleet;
let tenant: Tenant;

beforeAll(async () => {
  pg = await startPostgres({ durable: false });
  const url = await pg.createDatabase('otto_breakers');
  await migrate(url, undefined, { NODE_ENV: 'development' }); // as the fleet below runs
  sim = await startSimulator({
    webhookUrl: 'http://127.0.0.1:9/unused',
    argv: ['--preset', 'happy', '--time-scale', '1000'],
  });
  fleet = await startFleet({
    layout: { apis: 1, workers: WORKERS },
    dbUrl: url,
    env: {
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      OTTO_ADMIN_TOKEN: ADMIN,
      UWC_BASE_URL: sim.url,
      UWC_RETRY_DELAYS_MS: '20,20,20',
      UWC_BREAKER_THRESHOLD: String(THRESHOLD),
      UWC_BREAKER_COOLDOWN_MS: '120000',
      JOB_RETRY_DELAYS_S: '1,1,1,1,1',
      TENANT_MAX_CONCURRENT: String(SLOTS),
      WORKER_CONCURRENCY: '4',
    },
  });
  [tenant] = (await createTenants(fleet.apiUrls[0] as string, ADMIN, 1, {
    name: 'Breaker tenant',
    callrailBase: 700_000_000,
  })) as [Tenant];
  await sim.admin('/config', { webhook_url: `${fleet.apiUrls[0]}/api/v1/shunya/webhook` }, 'PUT');
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
  sim?.proc.child.kill('SIGTERM');
  await sim?.proc.exited;
  await pg?.stop();
});

describe('the breaker across worker processes', () => {
  it('bounds the requests all processes send into an outage, and shows open everywhere', async () => {
    await sim.admin('/faults', {
      kind: 'error',
      company_id: tenant.id,
      operations: ['transcribe'],
      probability: 1,
      params: { status: 503, retryable: true },
    });
    const company = {
      id: tenant.id,
      callrail_company_id: tenant.callrailCompanyId,
      callrail_signing_key: tenant.signingKey,
    };
    for (let i = 0; i < 12; i++) {
      const res = await postCallRail(
        fleet.apiUrls[0] as string,
        company as never,
        callRailPayload(company as never),
      );
      expect(res.status).toBe(202);
    }
    // the API process learns of the open breaker from a worker (it never calls Shunya itself)
    await waitFor(
      async () => {
        const res = await fetch(`${fleet.apiUrls[0]}/api/v1/ops/circuit-breakers`, {
          headers: { authorization: `Bearer ${ADMIN}` },
        });
        const { items } = (await res.json()) as {
          items: { endpoint: string; company_id: string; state: string }[];
        };
        return items.find(
          (b) =>
            b.company_id === tenant.id &&
            b.endpoint === 'POST /api/v1/transcription/transcribe' &&
            b.state === 'open',
        );
      },
      'the breaker to show open in the API process',
      30_000,
    );
    // every process has heard by now; what they sent into the outage stays what it is
    await new Promise((r) => setTimeout(r, 3000));
    const hits = async () =>
      ((await sim.admin('/faults')) as { rules: { company_id?: string; hits: number }[] }).rules.find(
        (r) => r.company_id === tenant.id,
      )?.hits ?? 0;
    const sent = await hits();
    console.log(
      `breaker across ${WORKERS} worker processes: ${sent} requests into the outage (bound ${WORKERS * THRESHOLD + SLOTS})`,
    );
    expect(sent).toBeGreaterThanOrEqual(THRESHOLD);
    expect(sent).toBeLessThanOrEqual(WORKERS * THRESHOLD + SLOTS);
    await new Promise((r) => setTimeout(r, 3000));
    expect(await hits()).toBe(sent);
  });
});
