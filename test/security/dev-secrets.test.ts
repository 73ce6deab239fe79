// Issue 16, finding 6: NODE_ENV=test accepted every published development secret (dev-admin-token, the
// development frontend and UWC secrets); only production refused them. Now the development defaults
// apply in development only: any other NODE_ENV must set its secrets, and test refuses the published
// values as production does (D135).
import { describe, expect, it } from 'vitest';
import { DEV_SECRETS, loadConfig } from '../../src/config.ts';
import { configProblems } from '../helpers/production.ts';
import { TEST_SECRETS } from '../helpers/secrets.ts';

const problems = configProblems;

describe('development secrets outside development (issue 16, finding 6)', () => {
  it('NODE_ENV=test with no secrets set refuses to start, naming each', () => {
    expect(problems({ NODE_ENV: 'test' })).toEqual([
      'OTTO_ADMIN_TOKEN: must be set outside development (NODE_ENV=test)',
      'UWC_JWT_SECRET: must be set outside development (NODE_ENV=test)',
      'UWC_HMAC_SECRET: must be set outside development (NODE_ENV=test)',
      'AUTH_HS256_SECRET or AUTH_JWKS_URL: one must be set outside development (NODE_ENV=test)',
    ]);
  });

  it('NODE_ENV=test refuses every published development value', () => {
    const found = problems({
      NODE_ENV: 'test',
      ...DEV_SECRETS,
      UWC_HMAC_SECRET_PREVIOUS: DEV_SECRETS.UWC_HMAC_SECRET,
    });
    for (const name of [...Object.keys(DEV_SECRETS), 'UWC_HMAC_SECRET_PREVIOUS'])
      expect(found).toContain(
        `${name}: the published development value is refused outside development (NODE_ENV=test)`,
      );
    expect(found).toHaveLength(5);
  });

  it('production refuses them as before', () => {
    const found = problems({ NODE_ENV: 'production', ...DEV_SECRETS });
    expect(found.filter((p) => p.includes('published development value'))).toHaveLength(4);
  });

  it('NODE_ENV=test runs with its own secrets, and nothing falls back to a development default', () => {
    const c = loadConfig({ NODE_ENV: 'test', ...TEST_SECRETS });
    expect(c.auth.adminToken).toBe(TEST_SECRETS.OTTO_ADMIN_TOKEN);
    expect(c.auth.hs256Secret).toBe(TEST_SECRETS.AUTH_HS256_SECRET);
    expect(c.uwc.jwtSecret).toBe(TEST_SECRETS.UWC_JWT_SECRET);
    expect(c.uwc.hmacSecret).toBe(TEST_SECRETS.UWC_HMAC_SECRET);
    // a JWKS instead of the HS256 secret: no HS256 key at all, not the development one
    const { AUTH_HS256_SECRET: _, ...withoutHs } = TEST_SECRETS;
    const jwks = loadConfig({ NODE_ENV: 'test', ...withoutHs, AUTH_JWKS_URL: 'https://login.example/jwks' });
    expect(jwks.auth.hs256Secret).toBeUndefined();
  });

  it('development keeps its defaults, so `npm start` needs no environment at all', () => {
    const c = loadConfig({});
    expect(c.auth.adminToken).toBe(DEV_SECRETS.OTTO_ADMIN_TOKEN);
    expect(c.auth.hs256Secret).toBe(DEV_SECRETS.AUTH_HS256_SECRET);
    expect(c.uwc.jwtSecret).toBe(DEV_SECRETS.UWC_JWT_SECRET);
    expect(c.uwc.hmacSecret).toBe(DEV_SECRETS.UWC_HMAC_SECRET);
  });
});
