// Operator access (issue 13, D115, D118): named operator tokens (stored hashed, revocable) beside
// OTTO_ADMIN_TOKEN, the local developer without a token only in development on loopback, the audit log
// of every operator action, and the console's page and simulator forwarding answering plainly.
import { type IncomingMessage, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zAuditLog, zErrorEnvelope, zOperatorTokenCreated } from '../../generated/otto/zod.gen.ts';
import { loadConfig } from '../../src/config.ts';
import { buildApp } from '../../src/http/app.ts';
import { isLocalDeveloper, openOnLoopback } from '../../src/http/middleware/operator-auth.ts';
import { createLogger } from '../../src/logger.ts';
import { sha256Hex } from '../../src/util/hash.ts';
import { freePort } from '../../src/util/net.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { type Listening, listen } from '../helpers/http.ts';
import { TEST_SECRETS } from '../helpers/secrets.ts';

const PROD_SECRETS = {
  NODE_ENV: 'production',
  UWC_JWT_SECRET: 'prod-uwc-jwt-secret-0123456789abcdef',
  UWC_HMAC_SECRET: 'prod-uwc-hmac-secret-0123456789abcdef',
  OTTO_ADMIN_TOKEN: 'prod-admin-token-0123456789abcdefgh',
  AUTH_HS256_SECRET: 'prod-frontend-secret-0123456789abcdef',
  AUTH_ISSUER: 'https://login.example',
  AUTH_AUDIENCE: 'otto',
};

let t: TestDatabase;
let dev: Listening;
let prod: Listening;
let absentSim: Listening;

const app = (env: Record<string, string>) =>
  listen(
    buildApp({
      config: loadConfig({ DATABASE_URL: t.url, LOG_LEVEL: 'silent', ...env }),
      db: t.db,
      logger: createLogger('silent'),
      workerCheck: async () => 'ok',
    }),
  );

beforeAll(async () => {
  t = await createTestDatabase();
  dev = await app({ NODE_ENV: 'development' });
  prod = await app(PROD_SECRETS);
  absentSim = await app({
    NODE_ENV: 'test',
    ...TEST_SECRETS,
    SIMULATOR_URL: `http://127.0.0.1:${await freePort()}`,
  });
});
afterAll(async () => {
  await Promise.all([dev?.close(), prod?.close(), absentSim?.close()]);
  await t?.drop();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const json = { 'content-type': 'application/json' };
const me = (base: string, headers: Record<string, string> = {}) =>
  fetch(`${base}/api/v1/ops/me`, { headers });

async function expectEnvelope(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(zErrorEnvelope.parse(await res.json()).error.error_code).toBe(code);
}

describe('who may act as an operator', () => {
  it('in development on loopback, the local developer needs no token', async () => {
    const res = await me(dev.url);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: 'local developer', kind: 'local_dev' });
  });

  it('refuses a page of another site that rebinds its name to 127.0.0.1 (its Host is not loopback)', async () => {
    // fetch may not set Host; node:http sends what a browser at evil.example would
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${dev.url}/api/v1/ops/me`, { headers: { host: 'evil.example:3000' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(401);
  });

  it('outside development, no token is no access, to the ops API and to /metrics alike', async () => {
    await expectEnvelope(await me(prod.url), 401, 'UNAUTHORIZED');
    await expectEnvelope(await fetch(`${prod.url}/api/v1/ops/audit-log`), 401, 'UNAUTHORIZED');
  });

  it('OTTO_ADMIN_TOKEN keeps working, as the operator "admin"', async () => {
    const res = await me(prod.url, bearer(PROD_SECRETS.OTTO_ADMIN_TOKEN));
    expect(await res.json()).toEqual({ name: 'admin', kind: 'admin_token' });
  });

  it('the local developer is recognised only in development, Otto on loopback, from loopback, to a loopback name', () => {
    const req = (remote: string, host: string) =>
      ({
        socket: { remoteAddress: remote, localPort: 3000 },
        headers: { host },
      }) as unknown as IncomingMessage;
    const devConfig = loadConfig({ NODE_ENV: 'development' });
    expect(openOnLoopback(devConfig)).toBe(true);
    expect(isLocalDeveloper(devConfig, req('127.0.0.1', '127.0.0.1:3000'))).toBe(true);
    expect(isLocalDeveloper(devConfig, req('::ffff:127.0.0.1', 'localhost:3000'))).toBe(true);
    expect(isLocalDeveloper(devConfig, req('10.1.2.3', '127.0.0.1:3000'))).toBe(false);
    expect(isLocalDeveloper(devConfig, req('127.0.0.1', 'otto.example:3000'))).toBe(false);
    // exactly, with the port it arrived on (D125)
    expect(isLocalDeveloper(devConfig, req('127.0.0.1', '127.0.0.1.otto.example:3000'))).toBe(false);
    expect(isLocalDeveloper(devConfig, req('127.0.0.1', '127.0.0.1:3001'))).toBe(false);
    const exposed = loadConfig({ NODE_ENV: 'development', HOST: '0.0.0.0' });
    expect(isLocalDeveloper(exposed, req('127.0.0.1', '127.0.0.1:3000'))).toBe(false);
    expect(
      isLocalDeveloper(loadConfig({ NODE_ENV: 'test', ...TEST_SECRETS }), req('127.0.0.1', '127.0.0.1:3000')),
    ).toBe(false);
  });
});

describe('named operator tokens', () => {
  const admin = bearer(PROD_SECRETS.OTTO_ADMIN_TOKEN);
  const create = (name: unknown, headers = admin) =>
    fetch(`${prod.url}/api/v1/ops/operators`, {
      method: 'POST',
      headers: { ...headers, ...json },
      body: JSON.stringify({ name }),
    });

  it('creates a token shown once, stored only as its hash, that acts under its name until revoked', async () => {
    const res = await create('alice');
    expect(res.status).toBe(201);
    const created = zOperatorTokenCreated.parse(await res.json());
    expect(created.token).toMatch(/^otto_op_[A-Za-z0-9_-]{43}$/);
    expect(created.token.startsWith(created.token_prefix)).toBe(true);

    const stored = await t.db('operator_tokens').where({ id: created.id }).first();
    expect(stored.token_hash).toBe(sha256Hex(created.token));
    expect(JSON.stringify(stored)).not.toContain(created.token);
    const listed = await (await fetch(`${prod.url}/api/v1/ops/operators`, { headers: admin })).text();
    expect(listed).not.toContain(created.token);

    expect(await (await me(prod.url, bearer(created.token))).json()).toEqual({
      name: 'alice',
      kind: 'operator_token',
    });
    await expectEnvelope(await create('alice'), 409, 'OPERATOR_EXISTS');

    // alice creates bob: the audit log says alice did
    const bob = zOperatorTokenCreated.parse(await (await create('bob', bearer(created.token))).json());
    expect(bob.created_by).toBe('alice');

    const revoke = () =>
      fetch(`${prod.url}/api/v1/ops/operators/${created.id}`, { method: 'DELETE', headers: admin });
    const revoked = await revoke();
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toMatchObject({ name: 'alice', revoked_by: 'admin' });
    await expectEnvelope(await me(prod.url, bearer(created.token)), 401, 'UNAUTHORIZED');
    expect((await revoke()).status).toBe(200); // revoking again changes nothing...

    const log = zAuditLog.parse(
      await (await fetch(`${prod.url}/api/v1/ops/audit-log?limit=10`, { headers: admin })).json(),
    );
    const mine = log.items.filter((e) => e.target_id === created.id || e.target_id === bob.id);
    // ...and writes no second entry
    expect(mine.map((e) => [e.actor, e.action])).toEqual([
      ['admin', 'operator_token.revoked'],
      ['alice', 'operator_token.created'],
      ['admin', 'operator_token.created'],
    ]);
    expect(JSON.stringify(log)).not.toContain(created.token);
    // a new alice may be named again once the old one is revoked
    expect((await create('alice')).status).toBe(201);
  });

  it('refuses bad input with the envelope and writes nothing', async () => {
    const before = await t.db('operator_tokens').count({ n: '*' }).first();
    await expectEnvelope(await create(''), 400, 'VALIDATION_ERROR');
    await expectEnvelope(await create(' leading space'), 400, 'VALIDATION_ERROR');
    await expectEnvelope(await create('x'.repeat(101)), 400, 'VALIDATION_ERROR');
    expect(await t.db('operator_tokens').count({ n: '*' }).first()).toEqual(before);
    await expectEnvelope(
      await fetch(`${prod.url}/api/v1/ops/operators/not-a-uuid`, { method: 'DELETE', headers: admin }),
      400,
      'VALIDATION_ERROR',
    );
    await expectEnvelope(
      await fetch(`${prod.url}/api/v1/ops/operators/${crypto.randomUUID()}`, {
        method: 'DELETE',
        headers: admin,
      }),
      404,
      'NOT_FOUND',
    );
    await expectEnvelope(
      await fetch(`${prod.url}/api/v1/ops/audit-log?before=abc`, { headers: admin }),
      400,
      'VALIDATION_ERROR',
    );
  });

  it('pages the audit log newest first and filters it by action', async () => {
    for (const n of ['p1', 'p2', 'p3']) expect((await create(n)).status).toBe(201);
    const page = async (q: string) =>
      zAuditLog.parse(
        await (await fetch(`${prod.url}/api/v1/ops/audit-log?${q}`, { headers: admin })).json(),
      );
    const first = await page('limit=2&action=operator_token.created');
    expect(first.items.map((e) => e.details.name)).toEqual(['p3', 'p2']);
    expect(first.next_cursor).not.toBeNull();
    const second = await page(`limit=2&action=operator_token.created&before=${first.next_cursor}`);
    expect(second.items[0]?.details.name).toBe('p1');
  });
});

describe('the console page', () => {
  it('redirects /console to /console/ and serves the built page with a strict CSP', async () => {
    const redirect = await fetch(`${dev.url}/console`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/console/');
    const page = await fetch(`${dev.url}/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('/console/assets/app.js');
    const js = await fetch(`${dev.url}/console/assets/app.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');
    await expectEnvelope(await fetch(`${dev.url}/console/assets/secrets.txt`), 404, 'NOT_FOUND');
  });

  it('says plainly when no simulator runs beside Otto, or when it does not answer', async () => {
    await expectEnvelope(await fetch(`${dev.url}/console/sim/__sim/config`), 404, 'SIMULATOR_NOT_CONFIGURED');
    expect(await (await fetch(`${dev.url}/api/v1/ops/simulator`)).json()).toEqual({
      configured: false,
      reachable: false,
      url: null,
      control_api: null,
    });
    const headers = bearer(TEST_SECRETS.OTTO_ADMIN_TOKEN);
    await expectEnvelope(
      await fetch(`${absentSim.url}/console/sim/__sim/config`, { headers }),
      502,
      'SIMULATOR_UNREACHABLE',
    );
    expect(await (await fetch(`${absentSim.url}/api/v1/ops/simulator`, { headers })).json()).toMatchObject({
      configured: true,
      reachable: false,
    });
    // the forwarding is an operator route like any other
    await expectEnvelope(await fetch(`${absentSim.url}/console/sim/__sim/config`), 401, 'UNAUTHORIZED');
  });
});
