// The tenant-isolation matrix (§7.3): every frontend route with another tenant's ids and token answers
// 404, every ops route refuses tenant tokens, and one tenant's event stream never shows another's events.
// Frontend tokens (D89): exp required and capped, known roles only (403 otherwise), and each key source
// (HS256 development secret, JWKS) accepts only its own algorithms.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { exportJWK, exportSPKI, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_SECRETS, loadConfig } from '../../src/config.ts';
import type { CompanyRow } from '../../src/domain/companies.ts';
import { ROLE_MATRIX } from '../../src/http/roles.ts';
import { createLogger } from '../../src/logger.ts';
import { type RunningOtto, startOtto } from '../../src/main.ts';
import { buildCompany, callRailPayload, postCallRail, tenantToken } from '../helpers/factories.ts';
import { TEST_SECRETS } from '../helpers/secrets.ts';
import { openSse } from '../helpers/sse.ts';
import { FAST_ENV, type Stack, startStack, terminalJob } from '../helpers/stack.ts';

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
  const reads = () =>
    [
      ['GET', `/api/v1/calls/${ids.call}/analysis`, ROLE_MATRIX.getCallAnalysis],
      ['GET', `/api/v1/recording-sessions/${ids.session}`, ROLE_MATRIX.getRecordingSession],
      ['GET', `/api/v1/appointments/${ids.appointment}`, ROLE_MATRIX.getAppointment],
    ] as const;

  // every role that may read it (D149; test/security/roles.test.ts tries the others)
  it("answers every frontend read of tenant A's ids with 200 for A and 404 for B, for every role allowed", async () => {
    for (const [method, path, roles] of reads()) {
      for (const role of roles) {
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
    // from event 0: A's events were written before the streams open (a stream starts at the present, D147)
    const streamA = await openSse(`${s.otto.url}/api/v1/events`, {
      authorization: `Bearer ${await tenantToken(a.id)}`,
      'last-event-id': '0',
    });
    const streamB = await openSse(`${s.otto.url}/api/v1/events`, {
      authorization: `Bearer ${await tenantToken(b.id)}`,
      'last-event-id': '0',
    });
    const aEvents = await streamA.waitFor(6);
    expect(aEvents.every((e) => JSON.parse(e.data).company_id === a.id)).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(streamB.events).toEqual([]);
    streamA.close();
    streamB.close();
  });
});

const HS_SECRET = new TextEncoder().encode(TEST_SECRETS.AUTH_HS256_SECRET);
const now = () => Math.floor(Date.now() / 1000);

/** A token with exactly these claims (no defaults), signed with `key` under `alg`. */
async function signed(
  claims: JWTPayload,
  key: Parameters<SignJWT['sign']>[0] = HS_SECRET,
  alg = 'HS256',
  kid?: string,
): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg, ...(kid ? { kid } : {}) }).sign(key);
}

async function status(base: string, token: string, path = `/api/v1/calls/${ids.call}/analysis`) {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, error: res.status >= 400 ? (await res.json()).error : undefined };
}

describe('frontend tokens (D89)', () => {
  const claims = () => ({ org_id: a.id, role: 'csr', iat: now(), exp: now() + 600 });

  it('accepts a token that expires within the lifetime cap and carries a known role', async () => {
    expect((await status(s.otto.url, await signed(claims()))).status).toBe(200);
  });

  it('refuses a token without exp (it would never expire) with 401 TOKEN_INVALID', async () => {
    const { exp: _, ...noExp } = claims();
    const r = await status(s.otto.url, await signed(noExp));
    expect(r.status).toBe(401);
    expect(r.error).toMatchObject({ error_code: 'TOKEN_INVALID', error_type: 'authentication_error' });
  });

  it('refuses a token that lives longer than AUTH_MAX_TOKEN_LIFETIME_S (24 h by default)', async () => {
    const long = await signed({ ...claims(), exp: now() + 86_400 + 120 });
    expect((await status(s.otto.url, long)).error?.error_code).toBe('TOKEN_INVALID');
    const noIat = await signed({ org_id: a.id, role: 'csr', exp: now() + 2 * 86_400 });
    expect((await status(s.otto.url, noIat)).error?.error_code).toBe('TOKEN_INVALID');
    const oldIat = await signed({ ...claims(), iat: now() - 3 * 86_400 });
    expect((await status(s.otto.url, oldIat)).error?.error_code).toBe('TOKEN_INVALID');
  });

  it('refuses an unknown or missing role on every frontend route with 403 in the §5.2 envelope', async () => {
    const paths: [string, string][] = [
      ['GET', `/api/v1/calls/${ids.call}/analysis`],
      ['GET', `/api/v1/recording-sessions/${ids.session}`],
      ['GET', `/api/v1/appointments/${ids.appointment}`],
      ['GET', '/api/v1/events'],
      ['POST', `/api/v1/recording-sessions/${randomUUID()}/upload-audio`],
    ];
    const { role: _, ...noRole } = claims();
    for (const token of [
      await signed({ ...claims(), role: 'hacker' }),
      await signed(noRole),
      await signed({ ...claims(), role: ['manager'] }),
    ])
      for (const [method, path] of paths) {
        const res = await fetch(`${s.otto.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body:
            method === 'POST'
              ? JSON.stringify({ audio_url: 'https://uploads.example.com/x.mp3' })
              : undefined,
        });
        expect(res.status, `${method} ${path}`).toBe(403);
        const body = await res.json();
        expect(body).toMatchObject({
          success: false,
          error: { error_code: 'ROLE_NOT_ALLOWED', error_type: 'authorization_error', retryable: false },
        });
        expect(typeof body.error.request_id).toBe('string');
      }
    expect(await s.db('recording_sessions').where({ company_id: a.id }).count({ n: '*' }).first()).toEqual({
      n: 1,
    });
  });

  it('with the HS256 secret, accepts HS256 only: RS256, ES256 and unsigned tokens are refused', async () => {
    const rsa = await generateKeyPair('RS256');
    const ec = await generateKeyPair('ES256');
    const header = (h: object) => Buffer.from(JSON.stringify(h)).toString('base64url');
    for (const token of [
      await signed(claims(), rsa.privateKey, 'RS256'),
      await signed(claims(), ec.privateKey, 'ES256'),
      await signed(claims(), HS_SECRET, 'HS512'),
      `${header({ alg: 'none' })}.${header(claims())}.`,
    ]) {
      const r = await status(s.otto.url, token);
      expect(r.status).toBe(401);
      expect(r.error?.error_code).toBe('TOKEN_INVALID');
    }
  });

  describe('with a JWKS (the identity provider) and no HS256 secret', () => {
    let jwksServer: Server;
    let otto: RunningOtto;
    let rsa: Awaited<ReturnType<typeof generateKeyPair>>;
    let ec: Awaited<ReturnType<typeof generateKeyPair>>;
    // keys the provider publishes too, for algorithms Otto does not accept
    let rs384: Awaited<ReturnType<typeof generateKeyPair>>;
    let ps256: Awaited<ReturnType<typeof generateKeyPair>>;

    beforeAll(async () => {
      rsa = await generateKeyPair('RS256', { extractable: true });
      ec = await generateKeyPair('ES256', { extractable: true });
      rs384 = await generateKeyPair('RS384', { extractable: true });
      ps256 = await generateKeyPair('PS256', { extractable: true });
      const keys = [
        { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', use: 'sig' },
        { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', use: 'sig' },
        { ...(await exportJWK(rs384.publicKey)), kid: 'rs384-1', use: 'sig' },
        { ...(await exportJWK(ps256.publicKey)), kid: 'ps256-1', use: 'sig' },
      ];
      jwksServer = createServer((_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys }));
      });
      await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
      const address = jwksServer.address() as { port: number };
      otto = await startOtto(
        loadConfig({
          ...FAST_ENV,
          OTTO_ROLE: 'api',
          DATABASE_URL: s.t.url,
          UWC_BASE_URL: s.sim.url,
          AUTH_JWKS_URL: `http://127.0.0.1:${address.port}/.well-known/jwks.json`,
          AUTH_HS256_SECRET: '', // unset: the JWKS alone
        }),
        createLogger('silent'),
      );
    });
    afterAll(async () => {
      await otto?.close();
      await new Promise((r) => jwksServer?.close(r));
    });

    it('accepts RS256 and ES256 tokens signed by the provider’s keys', async () => {
      expect((await status(otto.url, await signed(claims(), rsa.privateKey, 'RS256', 'rsa-1'))).status).toBe(
        200,
      );
      expect((await status(otto.url, await signed(claims(), ec.privateKey, 'ES256', 'ec-1'))).status).toBe(
        200,
      );
    });

    it('refuses other algorithms, HS256 tokens (the test or development secret, or the public key as a secret) and tokens without exp', async () => {
      const pem = await exportSPKI(rsa.publicKey);
      const { exp: _, ...noExp } = claims();
      for (const token of [
        await signed(claims(), rs384.privateKey, 'RS384', 'rs384-1'),
        await signed(claims(), ps256.privateKey, 'PS256', 'ps256-1'),
        await signed(claims(), HS_SECRET, 'HS256'),
        await signed(claims(), new TextEncoder().encode(DEV_SECRETS.AUTH_HS256_SECRET), 'HS256'),
        await signed(claims(), new TextEncoder().encode(pem), 'HS256', 'rsa-1'),
        await signed(noExp, rsa.privateKey, 'RS256', 'rsa-1'),
      ]) {
        const r = await status(otto.url, token);
        expect(r.status).toBe(401);
        expect(r.error?.error_code).toBe('TOKEN_INVALID');
      }
    });

    it('refuses an unknown role from the provider with 403', async () => {
      const r = await status(
        otto.url,
        await signed({ ...claims(), role: 'hacker' }, rsa.privateKey, 'RS256', 'rsa-1'),
      );
      expect(r.status).toBe(403);
      expect(r.error?.error_code).toBe('ROLE_NOT_ALLOWED');
    });
  });
});
