// `npm start` with NODE_ENV=production creates no demo tenant (issue 11 item 10, D90): the published
// CallRail signing key must never verify a webhook in production. Run as a new user would, as a process.
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../src/dev/demo.ts';
import { freePort } from '../../src/util/net.ts';
import { type Proc, start } from '../helpers/spawn.ts';

const secret = () => randomBytes(24).toString('hex');
const adminToken = secret();
let dataDir: string;
let port: string;
let system: Proc;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'otto-prod-start-'));
  await chmod(dataDir, 0o755);
  port = String(await freePort());
  system = await start('npm', ['start'], /Try it: npm run demo/, {
    env: {
      NODE_ENV: 'production',
      PORT: port,
      SIMULATOR_PORT: String(await freePort()),
      EMBEDDED_PG_PORT: String(await freePort()),
      OTTO_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      DATABASE_URL: undefined,
      UWC_JWT_SECRET: secret(),
      UWC_HMAC_SECRET: secret(),
      OTTO_ADMIN_TOKEN: adminToken,
      AUTH_HS256_SECRET: secret(),
      AUTH_ISSUER: 'https://login.example',
      AUTH_AUDIENCE: 'otto',
      OTTO_EMBEDDED_POSTGRES: 'true', // production's embedded Postgres is opt-in (D137)
    },
    timeoutMs: 90_000,
  });
}, 120_000);
afterAll(async () => {
  await system?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('npm start in production', () => {
  it('creates no demo tenant and prints no signing key', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/ops/companies`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(res.status).toBe(200);
    expect((await res.json()).items).toEqual([]);
    expect(system.output()).toContain('Demo tenant          none in production');
    expect(system.output()).not.toContain(DEMO.signingKey);
  });

  it('refuses a CallRail webhook signed with the published key for the demo CallRail company', async () => {
    const body = JSON.stringify({ resource_id: 'CALprod0001', company_id: DEMO.callrailCompanyId });
    const { createHmac } = await import('node:crypto');
    const res = await fetch(`http://127.0.0.1:${port}/webhooks/callrail/call.completed`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        signature: createHmac('sha1', DEMO.signingKey).update(body).digest('base64'),
      },
      body,
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});
