// Issue 16, findings 5 and 10 (secrets): production accepted frontend tokens from any issuer for any
// audience (AUTH_ISSUER / AUTH_AUDIENCE were optional), an 8-character OTTO_ADMIN_TOKEN and the same value
// for all four secrets. Now production refuses to start without them, and once set, issuer and audience
// are checked on HS256 and JWKS (RS256) tokens alike (D136).

import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { buildApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildCompany } from '../helpers/factories.ts';
import { type Listening, listen } from '../helpers/http.ts';
import { configProblems } from '../helpers/production.ts';

/** Four different 32-character-plus secrets and everything else production needs. */
const PRODUCTION = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://otto:pw@db.internal:5432/otto',
  OTTO_ADMIN_TOKEN: 'prod-admin-token-0123456789abcdef0123',
  UWC_JWT_SECRET: 'prod-uwc-jwt-secret-0123456789abcdef01',
  UWC_HMAC_SECRET: 'prod-uwc-hmac-secret-0123456789abcdef0',
  AUTH_HS256_SECRET: 'prod-frontend-secret-0123456789abcdef0',
  AUTH_ISSUER: 'https://login.example',
  AUTH_AUDIENCE: 'otto',
};

const problems = configProblems;

describe('production configuration (issue 16, findings 5 and 10)', () => {
  it('starts with every setting in place', () => {
    expect(problems(PRODUCTION)).toEqual([]);
  });

  it('refuses to start without the frontend tokens’ issuer and audience, and says both', () => {
    const found = problems({ ...PRODUCTION, AUTH_ISSUER: undefined, AUTH_AUDIENCE: '' });
    expect(found).toEqual([
      expect.stringMatching(/^AUTH_ISSUER: must be set in production/),
      expect.stringMatching(/^AUTH_AUDIENCE: must be set in production/),
    ]);
    // with a JWKS instead of the HS256 secret (the probe's RS256 case) too
    const jwks = { ...PRODUCTION, AUTH_HS256_SECRET: undefined, AUTH_JWKS_URL: 'https://login.example/jwks' };
    expect(problems({ ...jwks, AUTH_ISSUER: undefined, AUTH_AUDIENCE: undefined })).toHaveLength(2);
  });

  it('refuses an 8-character admin token and every secret shorter than 32 characters', () => {
    const found = problems({
      ...PRODUCTION,
      OTTO_ADMIN_TOKEN: 'abcdefgh',
      UWC_JWT_SECRET: 'jwt-secret-of-31-characters-xxx',
      UWC_HMAC_SECRET: 'hmac-secret-0123456789',
      UWC_HMAC_SECRET_PREVIOUS: 'previous-hmac-0123456789',
      AUTH_HS256_SECRET: 'frontend-secret-0123',
    });
    for (const name of [
      'OTTO_ADMIN_TOKEN',
      'UWC_JWT_SECRET',
      'UWC_HMAC_SECRET',
      'UWC_HMAC_SECRET_PREVIOUS',
      'AUTH_HS256_SECRET',
    ])
      expect(found).toContain(`${name}: must be at least 32 characters in production`);
    expect(found).toHaveLength(5);
  });

  it('refuses the same value for all four secrets, naming each pair', () => {
    const same = 'one-secret-for-everything-0123456789abcdef';
    const found = problems({
      ...PRODUCTION,
      OTTO_ADMIN_TOKEN: same,
      UWC_JWT_SECRET: same,
      UWC_HMAC_SECRET: same,
      AUTH_HS256_SECRET: same,
    });
    expect(found).toHaveLength(6); // every pair of the four
    expect(found).toContain('OTTO_ADMIN_TOKEN and UWC_JWT_SECRET: must differ in production');
    expect(found).toContain('UWC_HMAC_SECRET and AUTH_HS256_SECRET: must differ in production');
    // the previous HMAC secret is a secret too
    expect(problems({ ...PRODUCTION, UWC_HMAC_SECRET_PREVIOUS: PRODUCTION.UWC_HMAC_SECRET })).toEqual([
      'UWC_HMAC_SECRET and UWC_HMAC_SECRET_PREVIOUS: must differ in production',
    ]);
  });
});

describe('issuer and audience, once set, are checked on HS256 and RS256 tokens alike', () => {
  let t: TestDatabase;
  let otto: Listening;
  let jwks: Server;
  let rsa: Awaited<ReturnType<typeof generateKeyPair>>;
  let companyId: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    rsa = await generateKeyPair('RS256', { extractable: true });
    const keys = [{ ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', use: 'sig' }];
    jwks = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    const config = loadConfig({
      ...PRODUCTION,
      DATABASE_URL: t.url,
      LOG_LEVEL: 'silent',
      AUTH_JWKS_URL: `http://127.0.0.1:${(jwks.address() as { port: number }).port}/jwks`,
    });
    otto = await listen(
      buildApp({ config, db: t.db, logger: createLogger('silent'), workerCheck: async () => 'ok' }),
    );
    companyId = (await buildCompany(t.db)).id;
  });
  afterAll(async () => {
    await otto?.close();
    await new Promise((r) => jwks?.close(r));
    await t?.drop();
  });

  async function read(claims: { iss: string; aud: string }, alg: 'HS256' | 'RS256'): Promise<number> {
    const jwt = new SignJWT({ org_id: companyId, role: 'manager' })
      .setProtectedHeader(alg === 'RS256' ? { alg, kid: 'rsa-1' } : { alg })
      .setSubject('user_1')
      .setIssuer(claims.iss)
      .setAudience(claims.aud)
      .setIssuedAt()
      .setExpirationTime('10m');
    const token =
      alg === 'RS256'
        ? await jwt.sign(rsa.privateKey)
        : await jwt.sign(new TextEncoder().encode(PRODUCTION.AUTH_HS256_SECRET));
    const res = await fetch(`${otto.url}/api/v1/calls/${randomUUID()}/analysis`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await res.arrayBuffer();
    return res.status;
  }

  for (const alg of ['RS256', 'HS256'] as const)
    it(`${alg}: another app's audience or another issuer is a 401; the configured pair reaches the route`, async () => {
      expect(await read({ iss: 'https://evil.example', aud: 'otto' }, alg)).toBe(401);
      expect(await read({ iss: 'https://login.example', aud: 'some-other-app' }, alg)).toBe(401);
      expect(await read({ iss: 'https://login.example', aud: 'otto' }, alg)).toBe(404); // no such call
    });
});
