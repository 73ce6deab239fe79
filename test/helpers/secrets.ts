// The test suite's own secrets (D135): every configuration and process the suites start outside
// development gets these, in one place. Fixed (a failing run is reproducible), at least 32 characters and
// all different (production's rules), and never the published development values, which only
// NODE_ENV=development accepts.
export const TEST_SECRETS = {
  OTTO_ADMIN_TOKEN: 'test-only-admin-token-5c1f0e9a7b3d42e8',
  UWC_JWT_SECRET: 'test-only-uwc-jwt-secret-8d2b6a41f07c9e35',
  UWC_HMAC_SECRET: 'test-only-uwc-hmac-secret-3e7f19c5a2d84b60',
  AUTH_HS256_SECRET: 'test-only-frontend-jwt-secret-a94c0d2e6b18f753',
} as const;

/** `Authorization` for the operations API with the test suite's admin token. */
export const TEST_ADMIN = { authorization: `Bearer ${TEST_SECRETS.OTTO_ADMIN_TOKEN}` } as const;
