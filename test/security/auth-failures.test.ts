// Finding 10 of issue 16 (its limiting and logging half): 4,000 wrong operator tokens were all answered
// 401 at up to 3,000/s, with no log line. Failed operator, admin and frontend logins and CallRail's bad
// signatures now count against one limit per client address: past AUTH_FAILURE_LIMIT in the window, 429
// with Retry-After; each counted in Prometheus and logged at warn without the credential (D130). A
// request that authenticates is never limited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zErrorEnvelope } from '../../generated/otto/zod.gen.ts';
import { loadConfig } from '../../src/config.ts';
import { buildApp } from '../../src/http/app.ts';
import { unauthorized } from '../../src/http/errors.ts';
import { AuthFailureLimiter } from '../../src/http/middleware/auth-failures.ts';
import { createLogger } from '../../src/logger.ts';
import { createMetrics } from '../../src/metrics.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildCompany, callRailPayload, postCallRail, tenantToken } from '../helpers/factories.ts';
import { type Listening, listen } from '../helpers/http.ts';
import { TEST_SECRETS } from '../helpers/secrets.ts';

const LIMIT = 3;
let t: TestDatabase;
const opened: Listening[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await Promise.all(opened.map((o) => o.close()));
  await t?.drop();
});

/** A fresh Otto (its own limiter), its log lines, and its /metrics text. */
async function otto(env: Record<string, string> = {}) {
  const lines: string[] = [];
  const app = await listen(
    buildApp({
      config: loadConfig({
        ...TEST_SECRETS,
        NODE_ENV: 'test',
        DATABASE_URL: t.url,
        AUTH_FAILURE_LIMIT: String(LIMIT),
        AUTH_FAILURE_WINDOW_S: '600',
        ...env,
      }),
      db: t.db,
      logger: createLogger('warn', { write: (l: string) => lines.push(l) }),
      metrics: createMetrics(t.db),
      workerCheck: async () => 'ok',
    }),
  );
  opened.push(app);
  const metrics = async () =>
    (await fetch(`${app.url}/metrics`, { headers: bearer(TEST_SECRETS.OTTO_ADMIN_TOKEN) })).text();
  const logs = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { url: app.url, metrics, logs, raw: () => lines.join('\n') };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function expectThrottled(res: Response) {
  expect(res.status).toBe(429);
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(600);
  const e = zErrorEnvelope.parse(await res.json()).error;
  expect(e.error_code).toBe('TOO_MANY_AUTH_FAILURES');
  expect(e.error_type).toBe('rate_limit_error');
}

describe('failed authentications per client address', () => {
  it('wrong operator tokens: 401 up to the limit, then 429; logged and counted; the right token still works', async () => {
    const o = await otto();
    const wrong = (i: number) =>
      fetch(`${o.url}/api/v1/ops/me`, { headers: bearer(`wrong-token-${i}-secret`) });
    for (let i = 0; i < LIMIT; i++) expect((await wrong(i)).status).toBe(401);
    for (let i = LIMIT; i < 30; i++) await expectThrottled(await wrong(i));
    const me = await fetch(`${o.url}/api/v1/ops/me`, { headers: bearer(TEST_SECRETS.OTTO_ADMIN_TOKEN) });
    expect(me.status).toBe(200);
    const metrics = await o.metrics();
    expect(metrics).toContain('otto_auth_failures_total{surface="operator"} 30');
    expect(metrics).toContain(`otto_auth_throttled_total{surface="operator"} ${30 - LIMIT}`);
    const failures = o.logs().filter((l) => l.msg === 'authentication failed');
    expect(failures).toHaveLength(LIMIT);
    expect(failures[0]).toMatchObject({ level: 'warn', surface: 'operator', reason: 'UNAUTHORIZED' });
    expect(failures[0]?.client).toMatch(/127\.0\.0\.1/);
    expect(o.logs().filter((l) => l.msg === 'authentication failures throttled')).toHaveLength(1);
    expect(o.raw()).not.toContain('wrong-token-');
  });

  it('a request without any token is not a failed login (the console asking who it is)', async () => {
    const o = await otto();
    for (let i = 0; i < LIMIT * 3; i++) expect((await fetch(`${o.url}/api/v1/ops/me`)).status).toBe(401);
    expect(await o.metrics()).not.toContain('otto_auth_failures_total{surface="operator"}');
  });

  it('wrong frontend tokens: 401 up to the limit, then 429; a valid token still reads', async () => {
    const o = await otto();
    const company = await buildCompany(t.db);
    const forged = await tenantToken(company.id, { secret: 'not-the-frontend-secret-at-all' });
    const calls = (token: string) =>
      fetch(`${o.url}/api/v1/calls/00000000-0000-4000-8000-000000000000/analysis`, {
        headers: bearer(token),
      });
    for (let i = 0; i < LIMIT; i++) expect((await calls(forged)).status).toBe(401);
    await expectThrottled(await calls(forged));
    await expectThrottled(await calls(`${forged}x`));
    expect((await calls(await tenantToken(company.id))).status).toBe(404); // authenticated: no such call
    expect(await o.metrics()).toContain('otto_auth_failures_total{surface="frontend"} 5');
    expect(o.raw()).not.toContain(forged);
  });

  it('CallRail’s bad signatures: 401 up to the limit, then 429; a signed call is still accepted', async () => {
    const o = await otto();
    const company = await buildCompany(t.db);
    for (let i = 0; i < LIMIT; i++)
      expect(
        (await postCallRail(o.url, company, callRailPayload(company), 'bm90LWEtc2lnbmF0dXJl')).status,
      ).toBe(401);
    await expectThrottled(await postCallRail(o.url, company, callRailPayload(company), null));
    expect((await postCallRail(o.url, company, callRailPayload(company))).status).toBe(202);
    const metrics = await o.metrics();
    expect(metrics).toContain('otto_auth_failures_total{surface="callrail"} 4');
    expect(metrics).toContain('otto_auth_throttled_total{surface="callrail"} 1');
  });

  it('is one limit per client address across surfaces, and a new window starts afresh', () => {
    let now = 0;
    const lines: string[] = [];
    const limiter = new AuthFailureLimiter({
      limit: 2,
      windowS: 10,
      logger: createLogger('warn', { write: (l: string) => lines.push(l) }),
      now: () => now,
    });
    const err = unauthorized('X', 'no');
    expect(limiter.fail('10.0.0.1', 'operator', 'r', err).status).toBe(401);
    expect(limiter.fail('10.0.0.1', 'callrail', 'r', err).status).toBe(401);
    expect(limiter.fail('10.0.0.1', 'frontend', 'r', err).status).toBe(429);
    expect(limiter.fail('10.0.0.2', 'frontend', 'r', err).status).toBe(401);
    now = 10_000;
    expect(limiter.fail('10.0.0.1', 'operator', 'r', err).status).toBe(401);
  });

  it('remembers a bounded number of clients, so the limiter cannot exhaust memory', () => {
    const limiter = new AuthFailureLimiter({
      limit: 1,
      windowS: 60,
      logger: createLogger('silent'),
      maxClients: 100,
    });
    const err = unauthorized('X', 'no');
    for (let i = 0; i < 10_000; i++) limiter.fail(`10.0.${i >> 8}.${i & 255}`, 'operator', 'r', err);
    expect(limiter.size).toBe(100);
    expect(limiter.throttled('10.0.39.15')).toBe(true); // the newest are kept
    expect(limiter.throttled('10.0.0.0')).toBe(false); // the oldest forgotten
  });
});
