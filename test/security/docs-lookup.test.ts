// Finding 13 of issue 16: /docs looked its documents and assets up in plain objects, so names an object
// inherits (constructor, __proto__, toString) were "found" and answered 500 with a stack trace in the log.
// Every lookup by a name a request (or Shunya's answer) supplies is now an own-property lookup (D128).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zErrorEnvelope } from '../../generated/otto/zod.gen.ts';
import { loadConfig } from '../../src/config.ts';
import { buildApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';
import { objection } from '../../src/shunya/normalize/analysis-items.ts';
import { appointmentType, meetingOutcome, severity } from '../../src/shunya/normalize/outcome.ts';
import { toRemoteJobStatus } from '../../src/shunya/results.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { type Listening, listen } from '../helpers/http.ts';
import { rawRequest } from '../helpers/raw-http.ts';
import { TEST_SECRETS } from '../helpers/secrets.ts';

let t: TestDatabase;
let otto: Listening;
const logged: string[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  const logger = createLogger('warn', { write: (line: string) => logged.push(line) });
  otto = await listen(
    buildApp({
      config: loadConfig({ ...TEST_SECRETS, NODE_ENV: 'test', DATABASE_URL: t.url, LOG_LEVEL: 'warn' }),
      db: t.db,
      logger,
      workerCheck: async () => 'ok',
    }),
  );
});
afterAll(async () => {
  await otto?.close();
  await t?.drop();
});

const INHERITED = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

describe('static lookups by a request-supplied name', () => {
  it('answers the probe’s paths 404 in the envelope, with nothing logged', async () => {
    const paths = [
      '/docs/constructor',
      '/docs/__proto__',
      '/docs/toString.json',
      '/docs/assets/constructor',
      ...INHERITED.flatMap((n) => [
        `/docs/${n}`,
        `/docs/${n}.json`,
        `/docs/assets/${n}`,
        `/console/assets/${n}`,
      ]),
      ...INHERITED.map((n) => `/contracts/${n}`),
    ];
    for (const path of paths) {
      const res = await rawRequest(otto.url, { path });
      expect(res.status, path).toBe(404);
      expect(zErrorEnvelope.parse(res.json()).error.error_code, path).toBe('NOT_FOUND');
      expect(res.text, path).not.toMatch(/at .*\.ts:\d+/);
    }
    expect(logged.filter((l) => /unhandled error/.test(l))).toEqual([]);
  });

  it('still serves the documents and assets that exist', async () => {
    expect((await rawRequest(otto.url, { path: '/docs/otto' })).status).toBe(200);
    expect((await rawRequest(otto.url, { path: '/docs/otto.json' })).status).toBe(200);
    expect((await rawRequest(otto.url, { path: '/docs/assets/asyncapi.css' })).status).toBe(200);
  });

  it('reads inherited names in Shunya’s vocabularies as unknown, not as Object’s members', () => {
    const ctx = { ottoRequestId: 'r', endpoint: '/status', status: 200 };
    const flagged: string[] = [];
    const flag = (field: string) => flagged.push(field);
    for (const name of INHERITED) {
      expect(() => toRemoteJobStatus({ status: name }, ctx), name).toThrow(/unknown job status/);
      expect(meetingOutcome(name), name).toBeNull();
      expect(severity(name), name).toBeNull();
      expect(appointmentType(name), name).toBeNull();
      expect(objection({ objection_text: 'too dear', category: name }, flag)?.category_text, name).toBe(name);
    }
    expect(flagged.filter((f) => f === 'objection.category')).toHaveLength(INHERITED.length);
  });
});
