// Finding 3 of issue 16: anyone could fill the disk through Shunya's webhook. The inbox kept the
// (redacted) body of every delivery, badly signed ones included, up to 5 MiB each, with no limit:
// 20 posts with a wrong X-Shunya-Signature grew webhook_deliveries by tens of MB. A delivery that fails
// authentication now keeps its size and hash only, and a client past AUTH_FAILURE_LIMIT failures in the
// window is answered 429 with Retry-After and its deliveries are not kept at all (D130).
import { createHash, randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zErrorEnvelope } from '../../generated/otto/zod.gen.ts';
import { createLogger } from '../../src/logger.ts';
import { rawRequest } from '../helpers/raw-http.ts';
import { TEST_SECRETS } from '../helpers/secrets.ts';
import { sendWebhook } from '../helpers/shunya-webhook.ts';
import { type Stack, startStack } from '../helpers/stack.ts';

const LIMIT = 5;
const WRONG_SIGNATURE = 'ab'.repeat(32);
const logged: string[] = [];
let s: Stack;

beforeAll(async () => {
  s = await startStack({
    contractProxy: false,
    env: { AUTH_FAILURE_LIMIT: String(LIMIT), AUTH_FAILURE_WINDOW_S: '600', LOG_LEVEL: 'warn' },
    logger: createLogger('warn', { write: (line: string) => logged.push(line) }),
  });
});
afterAll(async () => {
  await s?.close();
});

/** About 1 MiB of JSON whose values redaction keeps (numbers), so a kept body would be that large. */
const bigBody = () =>
  Buffer.from(
    JSON.stringify({
      company_id: '00000000-0000-4000-8000-000000000000',
      status: 'completed',
      result: { scores: Array.from({ length: 110_000 }, () => randomInt(1_000_000_000)) },
    }),
  );

const inboxBytes = async () =>
  Number((await s.db.raw(`SELECT pg_total_relation_size('webhook_deliveries') AS n`)).rows[0].n);

const post = (body: Buffer, signature: string) =>
  rawRequest(s.otto.url, {
    method: 'POST',
    path: '/api/v1/shunya/webhook',
    headers: {
      'content-type': 'application/json',
      'x-shunya-timestamp': String(Date.now()),
      'x-shunya-signature': signature,
    },
    body,
  });

describe('badly signed deliveries cannot fill the disk', () => {
  it('keeps size and hash only, then answers 429 with Retry-After and keeps nothing', async () => {
    const before = await inboxBytes();
    const bodies: Buffer[] = [];
    const answers = [];
    for (let i = 0; i < 20; i++) {
      const body = bigBody();
      bodies.push(body);
      answers.push(await post(body, i % 2 === 0 ? '00' : WRONG_SIGNATURE));
    }
    for (const a of answers.slice(0, LIMIT)) {
      expect(a.status).toBe(401);
      expect(zErrorEnvelope.parse(a.json()).error.error_code).toBe('INVALID_SIGNATURE');
    }
    for (const a of answers.slice(LIMIT)) {
      expect(a.status).toBe(429);
      const e = zErrorEnvelope.parse(a.json()).error;
      expect(e.error_code).toBe('TOO_MANY_AUTH_FAILURES');
      expect(e.error_type).toBe('rate_limit_error');
      const retryAfter = Number(a.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(600);
    }
    const rows = await s.db('webhook_deliveries').orderBy('received_at');
    expect(rows).toHaveLength(LIMIT);
    rows.forEach((r, i) => {
      expect(r.redacted_body).toBeNull();
      expect(r.verdict).toBe('bad_signature');
      expect(r.body_bytes).toBe(bodies[i]?.length);
      expect(r.body_sha256).toBe(
        createHash('sha256')
          .update(bodies[i] as Buffer)
          .digest('hex'),
      );
    });
    expect(await inboxBytes()).toBeLessThan(before + 512 * 1024);
  });

  it('counts and logs the failures without the signature, and still lets a signed delivery through', async () => {
    const ok = await sendWebhook(s.otto.url, {
      company_id: 'not-a-tenant',
      shunya_job_id: 'j1',
      status: 'completed',
    });
    expect(ok.status).toBe(404); // authenticated: judged on its content, not throttled
    const metrics = await (
      await fetch(`${s.otto.url}/metrics`, {
        headers: { authorization: `Bearer ${TEST_SECRETS.OTTO_ADMIN_TOKEN}` },
      })
    ).text();
    expect(metrics).toContain('otto_auth_failures_total{surface="shunya_webhook"} 20');
    expect(metrics).toContain(`otto_auth_throttled_total{surface="shunya_webhook"} ${20 - LIMIT}`);
    const lines = logged.map((l) => JSON.parse(l) as Record<string, unknown>);
    const failures = lines.filter((l) => l.msg === 'authentication failed');
    expect(failures).toHaveLength(LIMIT);
    expect(failures[0]).toMatchObject({ level: 'warn', surface: 'shunya_webhook', reason: 'bad_signature' });
    expect(String(failures[0]?.client)).toMatch(/127\.0\.0\.1/);
    expect(lines.filter((l) => l.msg === 'authentication failures throttled')).toHaveLength(1);
    expect(logged.join('\n')).not.toContain(WRONG_SIGNATURE);
  });
});
