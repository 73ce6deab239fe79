// Finding 12 of issue 16: the console's simulator proxy forwarded whatever followed /console/sim, so
// `curl --path-as-is /console/sim/__sim/../health` reached the simulator's /health (and could reach its
// Shunya API the same way). The path is now normalised (dot segments, %2e, backslashes, double slashes)
// and refused unless it stays under /__sim/; bodies are JSON only (D127).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zErrorEnvelope } from '../../generated/otto/zod.gen.ts';
import { startSimulator } from '../../simulator/server.ts';
import { loadConfig } from '../../src/config.ts';
import { buildApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { type Listening, listen } from '../helpers/http.ts';
import { rawRequest } from '../helpers/raw-http.ts';
import { TEST_SECRETS } from '../helpers/secrets.ts';
import { countRows } from '../helpers/stack.ts';

let t: TestDatabase;
let sim: Awaited<ReturnType<typeof startSimulator>>;
let otto: Listening;

beforeAll(async () => {
  t = await createTestDatabase();
  sim = await startSimulator({ preset: 'happy', seed: 7 });
  otto = await listen(
    buildApp({
      config: loadConfig({
        ...TEST_SECRETS,
        NODE_ENV: 'test',
        DATABASE_URL: t.url,
        LOG_LEVEL: 'silent',
        SIMULATOR_URL: sim.url,
      }),
      db: t.db,
      logger: createLogger('silent'),
      workerCheck: async () => 'ok',
    }),
  );
});
afterAll(async () => {
  await otto?.close();
  await sim?.close();
  await t?.drop();
});

const admin = { authorization: `Bearer ${TEST_SECRETS.OTTO_ADMIN_TOKEN}` };
const get = (path: string) => rawRequest(otto.url, { path, headers: admin });

describe('the console’s simulator proxy stays under /__sim/', () => {
  it('refuses paths that walk out of /__sim/, however they are spelled', async () => {
    for (const path of [
      '/console/sim/__sim/../health',
      '/console/sim/__sim/%2e%2e/health',
      '/console/sim/__sim/%2E%2E/health',
      '/console/sim/__sim/.%2e/health',
      '/console/sim/__sim/..%2fhealth',
      '/console/sim/__sim/..\\health',
      '/console/sim/__sim/..%5chealth',
      '/console/sim/__sim/faults/../../health',
      '/console/sim/__sim//../health',
      '/console/sim/__sim/../api/v1/transcription/status/x',
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(400);
      expect(zErrorEnvelope.parse(res.json()).error.error_code, path).toBe('INVALID_SIMULATOR_PATH');
      expect(res.text, path).not.toContain('healthy');
    }
  });

  it('forwards what stays under /__sim/, normalised', async () => {
    const health = await get('/console/sim/__sim/health');
    expect(health.status).toBe(200);
    const config = await get('/console/sim/__sim/faults/../config');
    expect(config.status).toBe(200);
    expect(config.json()).toHaveProperty('webhook_url');
  });

  it('takes JSON bodies only: text/plain and forms are 415, nothing reaches the simulator', async () => {
    const body = JSON.stringify({ kind: 'error', operations: ['transcribe'], count: 1 });
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const res = await rawRequest(otto.url, {
        method: 'POST',
        path: '/console/sim/__sim/faults',
        headers: { ...admin, 'content-type': type },
        body,
      });
      expect(res.status, type).toBe(415);
      expect(zErrorEnvelope.parse(res.json()).error.error_code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    expect(((await (await fetch(`${sim.url}/__sim/faults`)).json()) as { rules: unknown[] }).rules).toEqual(
      [],
    );
    expect(await countRows(t.db, 'audit_log', { action: 'simulator.changed' })).toBe(0);
    const ok = await rawRequest(otto.url, {
      method: 'POST',
      path: '/console/sim/__sim/faults',
      headers: { ...admin, 'content-type': 'application/json' },
      body,
    });
    expect(ok.status).toBe(201);
  });
});
