// Issue 16, finding 9: `npm start` with NODE_ENV=production started the simulator (a control API without
// login, handed the production UWC secrets) and turned on the console's simulator proxy and test
// traffic. Now production starts none of them unless OTTO_ENABLE_SIMULATOR=true, and Otto in production
// ignores a stray SIMULATOR_URL without it (D138). Run as an operator would: `npm start`, a process.
import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../simulator/server.ts';
import { loadConfig } from '../../src/config.ts';
import { freePort } from '../../src/util/net.ts';
import { productionEnv } from '../helpers/production.ts';
import { type Proc, start } from '../helpers/spawn.ts';

const PRODUCTION = productionEnv();
const admin = { authorization: `Bearer ${PRODUCTION.OTTO_ADMIN_TOKEN}` };

let dataDir: string;
let base: string;
let simPort: number;
let stray: Awaited<ReturnType<typeof startSimulator>>;
let system: Proc;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'otto-prod-nosim-'));
  await chmod(dataDir, 0o755); // as root, Postgres runs as another OS user that must enter it
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  simPort = await freePort();
  // a simulator that a stray SIMULATOR_URL points at: production must not reach it
  stray = await startSimulator({ timeScale: 0 });
  system = await start('npm', ['start'], /Try it: npm run demo/, {
    env: {
      ...PRODUCTION,
      PORT: String(port),
      SIMULATOR_PORT: String(simPort),
      SIMULATOR_URL: stray.url,
      EMBEDDED_PG_PORT: String(await freePort()),
      OTTO_DATA_DIR: dataDir,
      OTTO_EMBEDDED_POSTGRES: 'true',
      LOG_LEVEL: 'warn',
      DATABASE_URL: undefined,
      START_SIMULATOR: undefined,
      OTTO_ENABLE_SIMULATOR: undefined,
    },
    timeoutMs: 90_000,
  });
}, 120_000);
afterAll(async () => {
  await system?.stop(30_000); // gracefully: the embedded Postgres stops before its directory goes
  await stray?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('npm start with NODE_ENV=production (issue 16, finding 9)', () => {
  it('starts no simulator, and says how to ask for one', async () => {
    expect(system.output()).toMatch(
      /Shunya simulator\s+not started \(production: OTTO_ENABLE_SIMULATOR=true/,
    );
    const reached = await fetch(`http://127.0.0.1:${simPort}/__sim/config`).then(
      () => true,
      () => false,
    );
    expect(reached).toBe(false);
  });

  it('turns on neither the console’s simulator proxy nor test traffic, whatever SIMULATOR_URL says', async () => {
    const proxied = await fetch(`${base}/console/sim/__sim/config`, { headers: admin });
    expect(proxied.status).toBe(404);
    expect((await proxied.json()).error.error_code).toBe('SIMULATOR_NOT_CONFIGURED');
    const traffic = await fetch(`${base}/api/v1/ops/companies/${randomUUID()}/test-traffic`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'csr_call' }),
    });
    expect(traffic.status).toBe(409);
    expect((await traffic.json()).error.error_code).toBe('SIMULATOR_NOT_CONFIGURED');
  });
});

describe('OTTO_ENABLE_SIMULATOR', () => {
  const env = {
    ...PRODUCTION,
    DATABASE_URL: 'postgres://otto@db.internal/otto',
    SIMULATOR_URL: 'http://sim:4010/',
  };
  it('is what lets production use SIMULATOR_URL', () => {
    expect(loadConfig(env).console).toMatchObject({ simulatorUrl: undefined, simulatorAllowed: false });
    expect(loadConfig({ ...env, OTTO_ENABLE_SIMULATOR: 'true' }).console).toMatchObject({
      simulatorUrl: 'http://sim:4010',
      simulatorAllowed: true,
    });
  });

  it('is not needed outside production', () => {
    const dev = loadConfig({ SIMULATOR_URL: 'http://sim:4010' });
    expect(dev.console).toMatchObject({ simulatorUrl: 'http://sim:4010', simulatorAllowed: true });
  });
});
