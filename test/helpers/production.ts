// What the suites that start Otto "as production" share: a complete production configuration (four
// different secrets of 48 characters, the issuer and audience production requires, D136) and the list of
// problems loadConfig reports for an environment (D135, D136).
import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '../../src/config.ts';

const secret = () => randomBytes(24).toString('hex');

/** Every setting production needs but the database's, with secrets fresh for each call. */
export function productionEnv(): Record<string, string> {
  return {
    NODE_ENV: 'production',
    UWC_JWT_SECRET: secret(),
    UWC_HMAC_SECRET: secret(),
    OTTO_ADMIN_TOKEN: secret(),
    AUTH_HS256_SECRET: secret(),
    AUTH_ISSUER: 'https://login.example',
    AUTH_AUDIENCE: 'otto',
  };
}

/** The problems loadConfig finds in `env` (none: it loads); anything but a ConfigError is rethrown. */
export function configProblems(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}
