// Finding 1 of issue 16 (high): the no-login rule of development matched any Host that *started* with
// "127.", so a DNS-rebinding page on 127.0.0.1.attacker.example acted as the local developer. The rule
// now matches the Host exactly: a loopback name with the port Otto listens on (D125).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zErrorEnvelope } from '../../generated/otto/zod.gen.ts';
import { loadConfig } from '../../src/config.ts';
import { buildApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { type Listening, listen } from '../helpers/http.ts';
import { rawRequest } from '../helpers/raw-http.ts';
import { countRows } from '../helpers/stack.ts';

let t: TestDatabase;
let dev: Listening;
let port: string;

beforeAll(async () => {
  t = await createTestDatabase();
  dev = await listen(
    buildApp({
      config: loadConfig({ NODE_ENV: 'development', DATABASE_URL: t.url, LOG_LEVEL: 'silent' }),
      db: t.db,
      logger: createLogger('silent'),
      workerCheck: async () => 'ok',
    }),
  );
  port = new URL(dev.url).port;
});
afterAll(async () => {
  await dev?.close();
  await t?.drop();
});

const me = (host: string) => rawRequest(dev.url, { path: '/api/v1/ops/me', headers: { host } });

describe('the no-login rule of development matches the Host exactly', () => {
  it('refuses the probe: Host 127.0.0.1.attacker.example (with the issue’s port and with Otto’s)', async () => {
    for (const host of ['127.0.0.1.attacker.example:3000', `127.0.0.1.attacker.example:${port}`]) {
      const res = await me(host);
      expect(res.status, host).toBe(401);
      expect(zErrorEnvelope.parse(res.json()).error.error_code).toBe('UNAUTHORIZED');
    }
  });

  it('refuses a rebinding page creating an operator token', async () => {
    const res = await rawRequest(dev.url, {
      method: 'POST',
      path: '/api/v1/ops/operators',
      headers: { host: `127.0.0.1.attacker.example:${port}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'mallory' }),
    });
    expect(res.status).toBe(401);
    expect(await countRows(t.db, 'operator_tokens')).toBe(0);
  });

  it('refuses other look-alikes: other 127.x literals, another port, no port, suffixes and prefixes', async () => {
    for (const host of [
      `127.1.2.3:${port}`,
      `127.0.0.1:${Number(port) === 3000 ? 3001 : 3000}`,
      '127.0.0.1',
      `localhost.attacker.example:${port}`,
      `attacker.example.localhost:${port}`,
      `127.0.0.1:${port}.attacker.example`,
      `[::1]x:${port}`,
      `127.0.0.1:${port}:${port}`,
    ]) {
      expect((await me(host)).status, host).toBe(401);
    }
  });

  it('still opens to the developer’s own loopback names with Otto’s port', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      const res = await me(host);
      expect(res.status, host).toBe(200);
      expect(res.json()).toEqual({ name: 'local developer', kind: 'local_dev' });
    }
  });
});
