// Security as Shunya must implement it (§2.2, §4.5, §7.1): the JWT, X-Company-ID, X-Signature, and
// X-Request-ID on every response. Every failure is the canonical envelope, authentication_error, not
// retryable.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../simulator/server.ts';
import { admin, HMAC_SECRET, otto, type Res, sim, token } from './helpers.ts';

let h: SimulatorHandle;
beforeAll(async () => {
  h = await sim();
});
afterAll(() => h.close());

const PATH = '/api/v1/transcription/status/1';
const now = () => Math.floor(Date.now() / 1000);

async function withToken(
  tok: string | null,
  company: string | null = 'acme',
  extra: Record<string, string> = {},
) {
  const headers: Record<string, string> = { ...extra };
  if (tok !== null) headers.authorization = `Bearer ${tok}`;
  if (company !== null) headers['x-company-id'] = company;
  const r = await fetch(h.url + PATH, { headers });
  return { status: r.status, body: await r.json(), requestId: r.headers.get('x-request-id') };
}

function expectAuthError(r: Pick<Res, 'status' | 'body'>, status: number, code: string) {
  expect(r.status).toBe(status);
  expect(r.body).toMatchObject({
    success: false,
    error: {
      error_code: code,
      error_type: 'authentication_error',
      retryable: false,
      message: expect.any(String),
    },
  });
  expect(r.body.error.request_id).toEqual(expect.any(String));
  expect(Date.parse(r.body.error.timestamp)).not.toBeNaN();
}

describe('JWT (§7.1)', () => {
  it('accepts a valid token (the call is unknown, so 404, past authentication)', async () => {
    const r = await withToken(await token('acme'));
    expect(r.status).toBe(404);
    expect(r.body.error.error_code).toBe('CALL_NOT_FOUND');
  });

  it('accepts a token without iss and aud (checked only when present)', async () => {
    expect((await withToken(await token('acme', { iss: null, aud: null }))).status).toBe(404);
  });

  it.each([
    ['missing', null, 401, 'TOKEN_MISSING'],
    ['not a bearer token', 'Basic abc', 401, 'TOKEN_MISSING'],
  ])('refuses a %s Authorization header', async (_name, header, status, code) => {
    const r = await fetch(h.url + PATH, {
      headers: { 'x-company-id': 'acme', ...(header ? { authorization: header } : {}) },
    });
    expectAuthError({ status: r.status, body: await r.json() }, status, code);
  });

  it('refuses an expired token', async () => {
    expectAuthError(
      await withToken(await token('acme', { iat: now() - 600, exp: now() - 300 })),
      401,
      'TOKEN_EXPIRED',
    );
  });

  it('checks the times of a known token again on every request (D492: its signature is verified once)', async () => {
    // expired 10 s ago: accepted only within the 30 s leeway, which strict_clock takes away
    const tok = await token('clock-co', { iat: now() - 300, exp: now() - 10 });
    expect((await withToken(tok, 'clock-co')).status).toBe(404);
    expect((await withToken(tok, 'clock-co')).status).toBe(404);
    const a = admin(h.url);
    expect((await a.config({ tenants: { 'clock-co': { variations: ['strict_clock'] } } })).status).toBe(200);
    try {
      expectAuthError(await withToken(tok, 'clock-co'), 401, 'TOKEN_EXPIRED');
    } finally {
      await a.config({ tenants: { 'clock-co': null } });
    }
  });

  it('refuses a token signed with another secret', async () => {
    expectAuthError(
      await withToken(await token('acme', { secret: 'some-other-secret-0123456789' })),
      401,
      'TOKEN_INVALID',
    );
  });

  it('refuses a malformed token', async () => {
    expectAuthError(await withToken('not.a.jwt'), 401, 'TOKEN_INVALID');
  });

  it('refuses a token issued in the future', async () => {
    expectAuthError(
      await withToken(await token('acme', { iat: now() + 600, exp: now() + 900 })),
      401,
      'TOKEN_INVALID',
    );
  });

  it.each([
    ['a wrong issuer', { iss: 'someone-else' }],
    ['a wrong audience', { aud: 'not-uwc' }],
    ['no company_id claim', { claims: {} }],
  ])('refuses %s', async (_name, o) => {
    const company = 'claims' in o ? null : 'acme';
    expectAuthError(await withToken(await token(company, o)), 401, 'TOKEN_INVALID');
  });

  it('refuses X-Company-ID different from the claim (403)', async () => {
    const r = await withToken(await token('acme'), 'globex');
    expectAuthError(r, 403, 'COMPANY_ID_MISMATCH');
    expect(r.body.error.details).toEqual({ header_company_id: 'globex' });
  });

  it('refuses a missing X-Company-ID (403)', async () => {
    expectAuthError(await withToken(await token('acme'), null), 403, 'COMPANY_ID_MISMATCH');
  });
});

describe('X-Signature (§4.5)', () => {
  const body = JSON.stringify({ call_id: 5, audio_url: 'https://recordings.example/5.mp3' });

  async function post(headers: Record<string, string>, company = 'sig-co') {
    const r = await fetch(`${h.url}/api/v1/transcription/transcribe`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await token(company)}`,
        'x-company-id': company,
        'content-type': 'application/json',
        ...headers,
      },
      body,
    });
    return { status: r.status, body: await r.json() };
  }

  it('accepts a correct signature over "{X-UWC-Timestamp}.{body}"', async () => {
    const ts = new Date().toISOString();
    const sig = createHmac('sha256', HMAC_SECRET).update(`${ts}.${body}`).digest('hex');
    expect((await post({ 'x-uwc-timestamp': ts, 'x-signature': sig })).status).toBe(202);
  });

  it('refuses a wrong signature', async () => {
    const ts = new Date().toISOString();
    const sig = createHmac('sha256', 'wrong-secret').update(`${ts}.${body}`).digest('hex');
    expectAuthError(await post({ 'x-uwc-timestamp': ts, 'x-signature': sig }), 401, 'SIGNATURE_INVALID');
  });

  it('refuses a signature over other bytes (the body was re-serialised)', async () => {
    const ts = new Date().toISOString();
    const sig = createHmac('sha256', HMAC_SECRET)
      .update(`${ts}.${JSON.stringify(JSON.parse(body), null, 1)}`)
      .digest('hex');
    expectAuthError(await post({ 'x-uwc-timestamp': ts, 'x-signature': sig }), 401, 'SIGNATURE_INVALID');
  });

  it('refuses a signature without X-UWC-Timestamp', async () => {
    expectAuthError(await post({ 'x-signature': 'a'.repeat(64) }), 401, 'SIGNATURE_INVALID');
  });

  it('refuses an unsigned body unless a tenant turns signatures off (x-authentication, D160)', async () => {
    expectAuthError(await post({}), 401, 'SIGNATURE_INVALID');
    await admin(h.url).config({ tenants: { lax: { signature_required: false } } });
    expect((await post({}, 'lax')).status).toBe(202);
    expectAuthError(await post({}, 'sig-co'), 401, 'SIGNATURE_INVALID');
    await admin(h.url).config({ tenants: { lax: null } });
    expectAuthError(await post({}, 'lax'), 401, 'SIGNATURE_INVALID');
  });
});

describe('X-Request-ID', () => {
  it('is echoed when sent', async () => {
    const r = await withToken(await token('acme'), 'acme', { 'x-request-id': 'req-123' });
    expect(r.requestId).toBe('req-123');
    expect(r.body.error.request_id).toBe('req-123');
  });

  it('is a new UUID otherwise, on every response, errors and health included', async () => {
    const r = await withToken(null);
    expect(r.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const health = await fetch(`${h.url}/health`);
    expect(health.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const ok = await otto(h.url, 'acme').transcribe(77);
    expect(ok.status).toBe(202);
    expect(ok.headers.get('x-request-id')).toEqual(expect.any(String));
  });
});
