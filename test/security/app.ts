// Otto's HTTP app with its event stream over a throwaway database, for the security suites. The settings
// name every secret (long and distinct), and an issuer and audience, so that they hold in any NODE_ENV.
import { SignJWT } from 'jose';
import { type Config, loadConfig } from '../../src/config.ts';
import { PgListener } from '../../src/events/listener.ts';
import { startRelay } from '../../src/events/relay.ts';
import { EventHub } from '../../src/events/stream.ts';
import { buildApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';
import type { TestDatabase } from '../helpers/db.ts';
import { type Listening, listen } from '../helpers/http.ts';
import { TEST_ADMIN, TEST_SECRETS } from '../helpers/secrets.ts';

/** The suite's secrets (test/helpers/secrets.ts, D135) with the issuer and audience production requires. */
export const SECRETS = {
  ...TEST_SECRETS,
  AUTH_ISSUER: 'https://issuer.security-suite.example',
  AUTH_AUDIENCE: 'otto-security-suite',
};

export const ADMIN = TEST_ADMIN;

export interface SuiteApp extends Listening {
  config: Config;
}

/** The app (no worker) on `t`'s database with the event stream, under `env` over SECRETS. */
export async function startApp(t: TestDatabase, env: Record<string, string> = {}): Promise<SuiteApp> {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: t.url,
    ...SECRETS,
    ...env,
  });
  const logger = createLogger('silent');
  const listener = new PgListener(t.url, logger);
  const hub = new EventHub(t.db, listener);
  const relay = startRelay(t.db, listener, logger, { idleMs: 200 });
  await listener.start();
  const http = await listen(buildApp({ config, db: t.db, logger, workerCheck: async () => 'ok', hub }));
  return {
    config,
    url: http.url,
    async close() {
      await http.close();
      await relay.stop();
      await listener.stop();
    },
  };
}

export interface TokenClaims {
  companyId: string;
  role?: string;
  /** seconds since the epoch; undefined leaves the claim out */
  iat?: number;
  exp?: number;
}

export const now = () => Math.floor(Date.now() / 1000);

/** A frontend token signed with the suite's HS256 secret, with its issuer and audience. */
export function frontendToken(c: TokenClaims): Promise<string> {
  const jwt = new SignJWT({ org_id: c.companyId, role: c.role ?? 'manager' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('user_security')
    .setIssuer(SECRETS.AUTH_ISSUER)
    .setAudience(SECRETS.AUTH_AUDIENCE)
    .setExpirationTime(c.exp ?? now() + 600);
  if (c.iat !== undefined) jwt.setIssuedAt(c.iat);
  return jwt.sign(new TextEncoder().encode(SECRETS.AUTH_HS256_SECRET));
}
