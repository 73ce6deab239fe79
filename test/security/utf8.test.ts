// Finding 17 of issue 16: a correctly signed CallRail body with invalid UTF-8 was accepted and stored
// with replacement characters (U+FFFD) in place of what was sent. A JSON body that is not valid UTF-8
// is now a 400 in the envelope, and nothing is stored (D129); the same for Shunya's webhook.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zErrorEnvelope } from '../../generated/otto/zod.gen.ts';
import { buildCompany, callRailPayload, callRailSignature } from '../helpers/factories.ts';
import { rawRequest } from '../helpers/raw-http.ts';
import { TEST_HMAC_SECRET } from '../helpers/shunya-webhook.ts';
import { countRows, type Stack, startStack } from '../helpers/stack.ts';

let s: Stack;

beforeAll(async () => {
  s = await startStack({ contractProxy: false });
});
afterAll(async () => {
  await s?.close();
});

/** A JSON text whose `marker` string is replaced by bytes that are not UTF-8 (a lone continuation byte, an overlong form). */
const withInvalidUtf8 = (payload: Record<string, unknown>) => {
  const [before, after] = JSON.stringify(payload).split('@@INVALID@@');
  return Buffer.concat([
    Buffer.from(before ?? ''),
    Buffer.from([0x4a, 0xff, 0x80, 0xc0, 0xaf]),
    Buffer.from(after ?? ''),
  ]);
};

describe('a JSON body that is not valid UTF-8', () => {
  it('is refused 400 from CallRail even when correctly signed, and no call is stored', async () => {
    const company = await buildCompany(s.db);
    const raw = withInvalidUtf8(callRailPayload(company, { customer_name: '@@INVALID@@' }));
    const res = await rawRequest(s.otto.url, {
      method: 'POST',
      path: '/webhooks/callrail/call.completed',
      headers: {
        'content-type': 'application/json',
        signature: callRailSignature(company.callrail_signing_key, raw),
      },
      body: raw,
    });
    expect(res.status).toBe(400);
    const e = zErrorEnvelope.parse(res.json()).error;
    expect(e.error_code).toBe('INVALID_JSON');
    expect(e.message).toMatch(/UTF-8/);
    expect(await countRows(s.db, 'calls', { company_id: company.id })).toBe(0);
    expect(await countRows(s.db, 'shunya_jobs', { company_id: company.id })).toBe(0);
  });

  it('is refused 400 from Shunya even when correctly signed, and its body is not kept', async () => {
    const company = await buildCompany(s.db);
    const raw = withInvalidUtf8({
      company_id: company.id,
      shunya_job_id: 'job-utf8',
      status: 'completed',
      result: { transcript_text: '@@INVALID@@' },
    });
    const ts = String(Date.now());
    const signature = createHmac('sha256', TEST_HMAC_SECRET)
      .update(Buffer.concat([Buffer.from(`${ts}.`), raw]))
      .digest('hex');
    const res = await rawRequest(s.otto.url, {
      method: 'POST',
      path: '/api/v1/shunya/webhook',
      headers: {
        'content-type': 'application/json',
        'x-shunya-timestamp': ts,
        'x-shunya-signature': signature,
      },
      body: raw,
    });
    expect(res.status).toBe(400);
    expect(zErrorEnvelope.parse(res.json()).error.error_code).toBe('INVALID_JSON');
    const row = await s.db('webhook_deliveries').orderBy('received_at', 'desc').first();
    expect(row.verdict).toBe('invalid_json');
    expect(row.redacted_body).toBeNull();
    expect(row.body_bytes).toBe(raw.length);
  });
});
