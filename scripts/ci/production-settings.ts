// The settings a production deployment of Otto sets (README "Deploy"): the proof (production-proof.ts)
// runs with them, and test/unit/container-artefacts.test.ts checks compose.yaml passes each one (D190, D191).
import { randomBytes } from 'node:crypto';

/** Every setting production requires, beyond OTTO_ROLE/PORT per process. */
export const REQUIRED_SETTINGS = [
  'NODE_ENV',
  'DATABASE_URL',
  'UWC_BASE_URL',
  'UWC_JWT_SECRET',
  'UWC_HMAC_SECRET',
  'OTTO_ADMIN_TOKEN',
  'AUTH_HS256_SECRET',
  'AUTH_ISSUER',
  'AUTH_AUDIENCE',
] as const;

/** The production build's commands, as the proof runs them and the Dockerfile and compose.yaml must. */
export const PRODUCTION_COMMANDS = {
  install: 'npm ci --omit=dev --ignore-scripts',
  otto: ['node', 'dist/src/main.js'],
  migrate: ['node', 'dist/scripts/db-migrate.js'],
  // its heap sized to what it holds (SIMULATOR_NODE_FLAGS, D372)
  simulator: [
    'node',
    '--max-semi-space-size=2',
    '--heap-growing-percent=10',
    '--optimize-for-size',
    'dist/simulator/main.js',
  ],
} as const;

/** The simulator's environment beyond its secrets: glibc's arenas capped (SIMULATOR_ENV, D491). */
export const PRODUCTION_SIMULATOR_ENV = { MALLOC_ARENA_MAX: '2' } as const;

const secret = () => randomBytes(32).toString('base64url');

/** Production-grade values: distinct random 43-character secrets, issuer and audience set. */
export function productionEnv(o: { databaseUrl: string; shunyaUrl: string }) {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: o.databaseUrl,
    UWC_BASE_URL: o.shunyaUrl,
    UWC_JWT_SECRET: secret(),
    UWC_HMAC_SECRET: secret(),
    OTTO_ADMIN_TOKEN: secret(),
    AUTH_HS256_SECRET: secret(),
    AUTH_ISSUER: 'https://auth.otto.example',
    AUTH_AUDIENCE: 'otto-api',
  } satisfies Record<(typeof REQUIRED_SETTINGS)[number], string>;
}
