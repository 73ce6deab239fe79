// D551: the tenant's JWT of the current second is kept, not signed again: it must be exactly the token
// minting would give at every instant, for every tenant and every setting.
import { describe, expect, it } from 'vitest';
import { tokenFor } from '../../../src/shunya/executor.ts';
import { mintJwt } from '../../../wire/jwt.ts';
import { accepted, SECRETS, testClient } from './fake-shunya.ts';

describe('a kept token is the token minting gives (D551)', () => {
  it('at every instant, for two tenants and two settings, across second boundaries', () => {
    const settings = [
      { secret: 'secret-one-0123456789-0123456789', issuer: 'otto-backend', audience: 'uwc' },
      { secret: 'secret-two-0123456789-0123456789' },
    ];
    const start = Date.parse('2026-12-07T20:00:00.000Z') - 7;
    let checked = 0;
    for (let t = start; t < start + 3500; t += 97)
      for (const s of settings)
        for (const company of ['company_a', 'company_b']) {
          expect(tokenFor(s, company, t)).toBe(mintJwt(s, company, t));
          checked++;
        }
    expect(checked).toBe(4 * Math.ceil(3500 / 97));
  });

  it('two attempts in one second carry one token; the next second a new one', async () => {
    let now = Date.parse('2026-12-07T20:00:00.100Z');
    const { client, requests } = testClient([accepted()], { now: () => now });
    const input = { call_id: 1, audio_url: 'https://s3.example/a.mp3', call_type: 'csr_call' as const };
    const opts = { requestId: '0b7f3c2e-5f0a-4a4e-9d1e-1c2b3a4d5e6f' };
    await client.transcribe('company_a', input, opts);
    now += 800;
    await client.transcribe('company_a', input, opts);
    now += 200;
    await client.transcribe('company_a', input, opts);
    const auth = requests.map((r) => r.headers.authorization);
    expect(auth[1]).toBe(auth[0]);
    expect(auth[2]).not.toBe(auth[1]);
    const jwt = { secret: SECRETS.jwtSecret, issuer: 'otto-backend', audience: 'uwc' };
    expect(auth[2]).toBe(`Bearer ${mintJwt(jwt, 'company_a', now)}`);
  });
});
