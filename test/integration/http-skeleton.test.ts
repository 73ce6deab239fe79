// The HTTP skeleton over a real socket: request ids, the error envelope, health, readiness and docs.
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { buildApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { TEST_SECRETS } from '../helpers/secrets.ts';

let t: TestDatabase;
let server: Server;
let base: string;

beforeAll(async () => {
  t = await createTestDatabase();
  const app = buildApp({
    config: loadConfig({ ...TEST_SECRETS }),
    db: t.db,
    logger: createLogger('silent'),
    workerCheck: async () => 'ok',
  });
  server = createServer(app.callback()).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await t.drop();
});

describe('http skeleton', () => {
  it('answers /health and /ready', async () => {
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', worker: 'ok' } });
  });

  it('echoes a sane X-Request-ID and makes one up otherwise', async () => {
    const echoed = await fetch(`${base}/health`, { headers: { 'x-request-id': 'abc-123' } });
    expect(echoed.headers.get('x-request-id')).toBe('abc-123');
    const replaced = await fetch(`${base}/health`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers unknown routes with the error envelope', async () => {
    const res = await fetch(`${base}/api/v1/nope`, { headers: { 'x-request-id': 'req-1' } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      success: false,
      error: {
        error_code: 'NOT_FOUND',
        error_type: 'not_found',
        message: 'Route not found',
        retryable: false,
        details: {},
        timestamp: expect.any(String),
        request_id: 'req-1',
      },
    });
  });

  it('serves the API reference and the bundled contracts', async () => {
    const index = await fetch(`${base}/docs`);
    expect(await index.text()).toContain('/docs/shunya');
    const page = await fetch(`${base}/docs/otto`);
    expect(await page.text()).toContain('data-url="/docs/otto.json"');
    const bundled = await (await fetch(`${base}/docs/otto.json`)).json();
    expect(bundled.openapi).toBe('3.1.0');
    expect(JSON.stringify(bundled)).not.toContain('shunya.openapi.yaml#');
    expect((await fetch(`${base}/docs/assets/scalar.js`)).status).toBe(200);
    const listed = await (await fetch(`${base}/docs`)).text();
    for (const key of ['otto', 'shunya', 'sim-admin', 'events']) expect(listed).toContain(`/docs/${key}`);
    const events = await (await fetch(`${base}/docs/events.json`)).json();
    expect(events.asyncapi).toBe('3.1.0');
    expect(JSON.stringify(events)).not.toContain('$ref');
    expect(await (await fetch(`${base}/docs/events`)).text()).toContain('AsyncApiStandalone.render');
    expect((await fetch(`${base}/docs/assets/asyncapi.js`)).status).toBe(200);
    expect((await (await fetch(`${base}/docs/sim-admin.json`)).json()).openapi).toBe('3.1.0');
    expect((await fetch(`${base}/docs/assets/nope.js`)).status).toBe(404);
    expect((await fetch(`${base}/contracts/events.asyncapi.yaml`)).status).toBe(200);
    expect((await fetch(`${base}/contracts/..%2Fpackage.json`)).status).toBe(404);
  });
});
