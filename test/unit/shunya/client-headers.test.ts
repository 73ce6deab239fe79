// What leaves Otto (§4.5, §4.6): the exact header set, the JWT, X-Signature over the bytes actually sent,
// X-Request-ID and Idempotency-Key across retries and between operations, and what is logged.
import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { createLogger } from '../../../src/logger.ts';
import { shunyaClientFromConfig } from '../../../src/shunya/client.ts';
import { newRequestOptions } from '../../../src/shunya/request-options.ts';
import { accepted, envelope, fakeFetch, json, SECRETS, testClient } from './fake-shunya.ts';

const CO = 'company_abc123';
const hmac = (ts: string, bytes: Buffer) =>
  createHmac('sha256', SECRETS.hmacSecret).update(`${ts}.`).update(bytes).digest('hex');
const key = new TextEncoder().encode(SECRETS.jwtSecret);
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const transcribeInput = {
  call_id: 12345,
  audio_url: 'https://s3.example/ü/a.mp3',
  call_type: 'csr_call' as const,
};

describe('headers (§4.5)', () => {
  it('a POST with a body sends exactly the §4.5 set plus content-type and accept', async () => {
    const { client, requests } = testClient([accepted()]);
    const opts = newRequestOptions();
    await client.transcribe(CO, transcribeInput, opts);
    const [req] = requests;
    expect(Object.keys(req?.headers ?? {}).sort()).toEqual(
      [
        'accept',
        'authorization',
        'content-type',
        'idempotency-key',
        'x-company-id',
        'x-request-id',
        'x-signature',
        'x-uwc-timestamp',
        'x-uwc-version',
      ].sort(),
    );
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe('/api/v1/transcription/transcribe');
    expect(req?.headers).toMatchObject({
      accept: 'application/json',
      'content-type': 'application/json',
      'x-company-id': CO,
      'x-request-id': opts.requestId,
      'idempotency-key': opts.requestId,
      'x-uwc-version': 'v1',
    });
    expect(req?.headers['x-request-id']).toMatch(UUID_V4);
    expect(req?.headers['x-uwc-timestamp']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(req?.headers.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(req?.headers['x-signature']).toMatch(/^[0-9a-f]{64}$/);
    // §4.1's payload with its defaults.
    expect(JSON.parse(req?.body ?? '')).toEqual({ ...transcribeInput, language: 'en-US', model: 'default' });
  });

  it('a GET sends no X-Signature, Idempotency-Key or Content-Type', async () => {
    const { client, requests } = testClient([json(200, { success: true, call_id: 1, status: 'processing' })]);
    await client.getTranscriptionStatus(CO, 1, newRequestOptions());
    expect(Object.keys(requests[0]?.headers ?? {}).sort()).toEqual(
      ['accept', 'authorization', 'x-company-id', 'x-request-id', 'x-uwc-timestamp', 'x-uwc-version'].sort(),
    );
    expect(requests[0]?.path).toBe('/api/v1/transcription/status/1');
  });

  it('a POST without a body (start analysis, §4.2) sends an Idempotency-Key but no X-Signature', async () => {
    const { client, requests } = testClient([json(202, { success: true, job_id: 'j' })]);
    await client.startAnalysis(CO, 7, newRequestOptions());
    expect(requests[0]?.bytes).toBeNull();
    expect(Object.keys(requests[0]?.headers ?? {}).sort()).toEqual(
      [
        'accept',
        'authorization',
        'idempotency-key',
        'x-company-id',
        'x-request-id',
        'x-uwc-timestamp',
        'x-uwc-version',
      ].sort(),
    );
  });

  it('the health check is unauthenticated: no JWT, no X-Company-ID', async () => {
    const { client, requests } = testClient([json(200, { status: 'healthy' })]);
    expect(await client.health(newRequestOptions())).toEqual({ status: 'healthy' });
    expect(Object.keys(requests[0]?.headers ?? {}).sort()).toEqual([
      'accept',
      'x-request-id',
      'x-uwc-timestamp',
      'x-uwc-version',
    ]);
  });
});

describe('JWT (§4.5, §7.1)', () => {
  it('is HS256 with company_id, iat, exp = iat + 300, iss and aud', async () => {
    const now = Date.parse('2025-01-15T10:00:00.000Z');
    const { client, requests } = testClient([accepted()], { now: () => now });
    await client.transcribe(CO, transcribeInput, newRequestOptions());
    const token = requests[0]?.headers.authorization?.replace('Bearer ', '') ?? '';
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'HS256', typ: 'JWT' });
    const { payload } = await jwtVerify(token, key, {
      issuer: 'otto-backend',
      audience: 'uwc',
      currentDate: new Date(now),
    });
    expect(payload).toEqual({
      company_id: CO,
      iat: 1736935200,
      exp: 1736935500,
      iss: 'otto-backend',
      aud: 'uwc',
    });
    expect(requests[0]?.headers['x-uwc-timestamp']).toBe('2025-01-15T10:00:00.000Z');
  });

  it('issuer and audience are configurable and omittable', async () => {
    const custom = testClient([accepted()], { jwtIssuer: 'otto-test', jwtAudience: 'shunya-staging' });
    await custom.client.transcribe(CO, transcribeInput, newRequestOptions());
    const t1 = custom.requests[0]?.headers.authorization?.slice(7) ?? '';
    expect((await jwtVerify(t1, key)).payload).toMatchObject({ iss: 'otto-test', aud: 'shunya-staging' });

    const bare = testClient([accepted()], { jwtIssuer: undefined, jwtAudience: '' });
    await bare.client.transcribe(CO, transcribeInput, newRequestOptions());
    const t2 = bare.requests[0]?.headers.authorization?.slice(7) ?? '';
    expect(Object.keys((await jwtVerify(t2, key)).payload).sort()).toEqual(['company_id', 'exp', 'iat']);
  });

  it('is signed with the secret (negative control: another secret does not verify)', async () => {
    const { client, requests } = testClient([accepted()]);
    await client.transcribe(CO, transcribeInput, newRequestOptions());
    const token = requests[0]?.headers.authorization?.slice(7) ?? '';
    await expect(jwtVerify(token, new TextEncoder().encode('another-secret-0123456789'))).rejects.toThrow();
  });

  it('is minted per attempt, with a new timestamp and signature; request id and idempotency key stay', async () => {
    let t = Date.parse('2025-01-15T10:00:00.000Z');
    const { client, requests } = testClient(
      [envelope(503, 'SERVICE_UNAVAILABLE', 'server_error', true), accepted()],
      {
        now: () => t,
        sleep: async (ms) => {
          t += ms;
        },
      },
    );
    const opts = newRequestOptions();
    await client.transcribe(CO, transcribeInput, opts);
    expect(requests).toHaveLength(2);
    const [a, b] = requests;
    // The retry carries every header again (the Python client lost them).
    expect(Object.keys(b?.headers ?? {}).sort()).toEqual(Object.keys(a?.headers ?? {}).sort());
    expect(Object.keys(b?.headers ?? {})).toHaveLength(9);
    expect(a?.headers.authorization).not.toBe(b?.headers.authorization);
    expect(a?.headers['x-uwc-timestamp']).not.toBe(b?.headers['x-uwc-timestamp']);
    expect(a?.headers['x-signature']).not.toBe(b?.headers['x-signature']);
    expect(b?.headers['x-request-id']).toBe(a?.headers['x-request-id']);
    expect(b?.headers['idempotency-key']).toBe(a?.headers['idempotency-key']);
    expect(b?.bytes?.equals(a?.bytes ?? Buffer.alloc(0))).toBe(true);
    const iat = (h?: string) => JSON.parse(Buffer.from(h?.split('.')[1] ?? '', 'base64url').toString()).iat;
    expect(iat(b?.headers.authorization) - iat(a?.headers.authorization)).toBe(5);
  });
});

describe('X-Signature (§4.5, D15)', () => {
  it('is HMAC-SHA256 over "{timestamp}.{the exact bytes received}"', async () => {
    const { client, requests } = testClient([
      json(200, { success: true, job_id: 'seg_1', status: 'queued' }),
      accepted(),
    ]);
    await client.analyzeSegmentation(CO, { call_id: 12346 }, newRequestOptions());
    await client.transcribe(CO, transcribeInput, newRequestOptions());
    for (const r of requests) {
      expect(r.bytes).not.toBeNull();
      expect(r.headers['x-signature']).toBe(hmac(r.headers['x-uwc-timestamp'] ?? '', r.bytes as Buffer));
    }
  });

  it('is not computed over a sorted-keys re-serialisation (negative control)', async () => {
    const { client, requests } = testClient([accepted()]);
    await client.transcribe(CO, transcribeInput, newRequestOptions());
    const r = requests[0];
    const parsed = JSON.parse(r?.body ?? '{}');
    const sorted = JSON.stringify(
      Object.fromEntries(Object.entries(parsed).sort(([x], [y]) => x.localeCompare(y))),
    );
    expect(sorted).not.toBe(r?.body);
    expect(r?.headers['x-signature']).not.toBe(
      hmac(r?.headers['x-uwc-timestamp'] ?? '', Buffer.from(sorted)),
    );
  });

  it('covers non-ASCII bodies byte for byte', async () => {
    const { client, requests } = testClient([accepted()]);
    await client.transcribe(CO, { ...transcribeInput, language: 'pt-BR-ção' }, newRequestOptions());
    const r = requests[0];
    expect(r?.bytes?.length).toBeGreaterThan(r?.body?.length ?? 0); // multi-byte UTF-8
    expect(r?.headers['x-signature']).toBe(hmac(r?.headers['x-uwc-timestamp'] ?? '', r?.bytes as Buffer));
  });
});

describe('Idempotency-Key and X-Request-ID (§4.6)', () => {
  it('differ between logical operations and stay across retries', async () => {
    const { client, requests } = testClient([
      envelope(500, 'INTERNAL_ERROR', 'server_error', true),
      accepted(),
      accepted(),
    ]);
    await client.transcribe(CO, transcribeInput, newRequestOptions());
    await client.transcribe(CO, transcribeInput, newRequestOptions());
    const keys = requests.map((r) => r.headers['idempotency-key']);
    const ids = requests.map((r) => r.headers['x-request-id']);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[2]).not.toBe(keys[0]);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it('an explicit Idempotency-Key is sent as given', async () => {
    const { client, requests } = testClient([accepted()]);
    await client.transcribe(CO, transcribeInput, {
      requestId: '550e8400-e29b-41d4-a716-446655440000',
      idempotencyKey: 'call-12345-transcribe',
    });
    expect(requests[0]?.headers['idempotency-key']).toBe('call-12345-transcribe');
    expect(requests[0]?.headers['x-request-id']).toBe('550e8400-e29b-41d4-a716-446655440000');
  });
});

describe('logging', () => {
  it('puts the X-Request-ID on every line and never a secret, a token or a payload', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        cb();
      },
    });
    const { client, requests } = testClient(
      [envelope(500, 'INTERNAL_ERROR', 'server_error', true), accepted()],
      {
        logger: createLogger('debug', sink),
      },
    );
    const opts = newRequestOptions();
    await client.transcribe(CO, transcribeInput, opts);
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const line of lines) {
      const entry = JSON.parse(line);
      expect(entry).toMatchObject({
        request_id: opts.requestId,
        company_id: CO,
        endpoint: 'POST /api/v1/transcription/transcribe',
      });
      for (const secret of [
        SECRETS.jwtSecret,
        SECRETS.hmacSecret,
        'Bearer',
        's3.example',
        requests[0]?.headers['x-signature'] ?? 'x',
      ]) {
        expect(line).not.toContain(secret);
      }
    }
    expect(lines.map((l) => JSON.parse(l).level)).toContain('warn');
  });
});

describe('shunyaClientFromConfig', () => {
  it("builds the client from the config's uwc block", async () => {
    const config = loadConfig({ UWC_BASE_URL: 'http://sim.test:4010/', UWC_VERSION: 'v1' });
    const { fetch, requests } = fakeFetch([json(200, { status: 'healthy' })]);
    const client = shunyaClientFromConfig(config, { fetch });
    await client.health(newRequestOptions());
    expect(requests[0]?.url).toBe('http://sim.test:4010/health');
  });
});
