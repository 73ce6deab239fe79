// Issue 16, finding 4: the lifetime cap was dodged with a future `iat` (iat = now + 5 years, exp = iat + 1 h
// was accepted on reads, upload and the event stream, HS256 and RS256). Now an `iat` more than 60 s ahead is
// refused, and the cap counts from now (D145).
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zErrorEnvelope } from '../../generated/otto/zod.gen.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildCompany } from '../helpers/factories.ts';
import { frontendToken, now, SECRETS, type SuiteApp, startApp, type TokenClaims } from './app.ts';

const FIVE_YEARS = 5 * 365 * 86_400;
const CAP = 3600;

let t: TestDatabase;
let app: SuiteApp;
let jwksServer: Server;
let rsa: Awaited<ReturnType<typeof generateKeyPair>>;
let companyId: string;

beforeAll(async () => {
  t = await createTestDatabase();
  rsa = await generateKeyPair('RS256', { extractable: true });
  const keys = [{ ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', use: 'sig', alg: 'RS256' }];
  jwksServer = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
  const { port } = jwksServer.address() as { port: number };
  app = await startApp(t, {
    AUTH_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    AUTH_MAX_TOKEN_LIFETIME_S: String(CAP),
  });
  companyId = (await buildCompany(t.db)).id;
});
afterAll(async () => {
  await app?.close();
  await new Promise((r) => jwksServer?.close(r));
  await t?.drop();
});

function rs256Token(c: TokenClaims): Promise<string> {
  const jwt = new SignJWT({ org_id: c.companyId, role: c.role ?? 'manager' })
    .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
    .setSubject('user_security')
    .setIssuer(SECRETS.AUTH_ISSUER)
    .setAudience(SECRETS.AUTH_AUDIENCE)
    .setExpirationTime(c.exp ?? now() + 600);
  if (c.iat !== undefined) jwt.setIssuedAt(c.iat);
  return jwt.sign(rsa.privateKey);
}

const signers = { HS256: frontendToken, RS256: rs256Token };

/** The three doors the probe used: a read, the upload and the event stream. */
async function doors(token: string): Promise<{ url: string; status: number; body: unknown }[]> {
  const auth = { authorization: `Bearer ${token}` };
  const read = await fetch(`${app.url}/api/v1/appointments/${randomUUID()}`, { headers: auth });
  const upload = await fetch(`${app.url}/api/v1/recording-sessions/${randomUUID()}/upload-audio`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ audio_url: 'https://recordings.example.com/visit.mp3' }),
  });
  const controller = new AbortController();
  const stream = await fetch(`${app.url}/api/v1/events`, { headers: auth, signal: controller.signal });
  const answers = [];
  for (const res of [read, upload, stream]) {
    const body = res.headers.get('content-type')?.startsWith('application/json') ? await res.json() : null;
    answers.push({ url: res.url, status: res.status, body });
  }
  controller.abort();
  return answers;
}

async function expectRefused(token: string, message: RegExp): Promise<void> {
  for (const res of await doors(token)) {
    expect(res.status, res.url).toBe(401);
    const body = zErrorEnvelope.parse(res.body);
    expect(body.error.error_code).toBe('TOKEN_INVALID');
    expect(body.error.message).toMatch(message);
  }
}

describe.each(Object.entries(signers))('%s tokens', (_alg, sign) => {
  it('refuses iat = now + 5 years with exp = iat + 1 h, on reads, upload and the event stream', async () => {
    const iat = now() + FIVE_YEARS;
    await expectRefused(await sign({ companyId, iat, exp: iat + 3600 }), /issued in the future/);
  });

  it('refuses exp further from now than the cap, whatever iat says', async () => {
    await expectRefused(await sign({ companyId, iat: now() + 50, exp: now() + CAP + 120 }), /lives longer/);
    await expectRefused(await sign({ companyId, exp: now() + CAP + 120 }), /lives longer/);
  });

  it('accepts an iat within the 60 s leeway and an exp within the cap', async () => {
    for (const res of await doors(await sign({ companyId, iat: now() + 30, exp: now() + CAP - 60 })))
      expect([200, 202, 404], res.url).toContain(res.status);
  });
});
