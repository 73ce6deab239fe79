// The kit's pieces on their own: reading a contract's extensions in the shapes it accepts and falling
// back to the handoff where there are none; routing a schema violation to one §13 item; ordering by
// ranked and nullable keys; the backoff rule; the audio it serves.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { audioShape, serveAudio } from '../../scripts/conformance/audio.ts';
import { describeFailure } from '../../scripts/conformance/client.ts';
import { loadContract } from '../../scripts/conformance/contract/load.ts';
import type { OrderingRule, WebhookPolicy } from '../../scripts/conformance/contract/model.ts';
import { backoffProblem } from '../../scripts/conformance/judges/webhooks.ts';
import { orderingFindings } from '../../scripts/conformance/ordering.ts';
import { validateBody } from '../../scripts/conformance/validate.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'kit-units-'));
function contractOf(doc: Record<string, unknown>) {
  const file = path.join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    file,
    YAML.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths: {}, ...doc }),
  );
  return loadContract(file);
}

describe('reading a contract', () => {
  it('falls back to the handoff, and says so, where the contract has no extension', () => {
    const c = contractOf({});
    expect(c.provenance.filter((p) => p.from === 'handoff').map((p) => p.what)).toEqual([
      'error catalogue',
      'webhook delivery policy',
      'array ordering',
      'audio limits',
      'processing SLAs',
      'authentication',
      'unknown calls',
      'rules between fields',
      'field-name variations',
    ]);
    expect(c.code('TOKEN_EXPIRED')).toMatchObject({ status: 401, retryable: false });
    expect(c.slas.transcriptionPerAudioSecond.max).toBe(0.5);
  });

  it('reads a catalogue as a list, as {codes: […]} or keyed by code', () => {
    const entry = { http_status: 418, error_type: 'client_error', retryable: false };
    for (const catalogue of [
      [{ error_code: 'TEAPOT', ...entry }],
      { description: 'x', codes: [{ error_code: 'TEAPOT', ...entry }] },
      { TEAPOT: entry },
    ]) {
      const c = contractOf({ 'x-error-catalogue': catalogue });
      expect(c.catalogue.map((e) => [e.code, e.status])).toEqual([['TEAPOT', 418]]);
    }
  });

  it('reads a delivery policy, its per-answer table and SLAs per audio minute', () => {
    const c = contractOf({
      'x-webhook-delivery': {
        initial_delay_s: 2,
        multiplier: 3,
        jitter: 0.1,
        max_attempts: 5,
        answers: { '5xx': { retry: true }, '403': { retry: false } },
      },
      'x-processing-slas': { transcription: { target_s_per_audio_minute: 12, max_s_per_audio_minute: 30 } },
    });
    expect(c.webhookPolicy).toMatchObject({ firstDelayS: 2, factor: 3, jitter: 0.1, attempts: 5 });
    expect(c.webhookPolicy.retriedAnswers).toEqual(['5xx']);
    expect(c.webhookPolicy.notRetriedAnswers).toEqual(['403']);
    expect(c.slas.transcriptionPerAudioSecond).toEqual({ target: 0.2, max: 0.5 });
  });
});

describe('routing a violation to one item', () => {
  const c = contractOf({
    components: {
      schemas: {
        T: {
          type: 'object',
          required: ['call_id', 'transcript_text', 'confidence_score'],
          additionalProperties: false,
          properties: {
            call_id: { type: 'integer' },
            transcript_text: { type: 'string' },
            confidence_score: { type: 'number', minimum: 0, maximum: 1 },
          },
        },
      },
    },
  });
  const items = (body: unknown) =>
    validateBody(c, '/components/schemas/T', body, 'transcript').findings.map((f) => f.item);

  it('an alias is a name (13.4.3, 13.10.2), not a missing field', () => {
    expect(new Set(items({ call_id: 1, transcript: 'x', confidence_score: 0.5 }))).toEqual(
      new Set(['13.4.3', '13.10.2']),
    );
  });
  it('a missing field is 13.4.2, an unknown one 13.4.3, a confidence of 7.5 is 13.4.4, a type 13.4.1', () => {
    expect(items({ transcript_text: 'x', confidence_score: 0.5 })).toEqual(['13.4.2']);
    expect(items({ call_id: 1, transcript_text: 'x', confidence_score: 0.5, extra: 1 })).toEqual(['13.4.3']);
    expect(items({ call_id: 1, transcript_text: 'x', confidence_score: 7.5 })).toEqual(['13.4.4']);
    expect(items({ call_id: 'one', transcript_text: 'x', confidence_score: 0.5 })).toEqual(['13.4.1']);
  });
});

describe('ordering', () => {
  const rules: OrderingRule[] = [
    {
      property: 'pending_actions',
      by: [
        { field: 'due_at', direction: 'asc', nulls: 'last' },
        { field: 'priority', direction: 'asc', nulls: 'last', rank: ['high', 'medium', 'low'] },
      ],
      contiguous: null,
    },
  ];
  const at = (due: string | null, priority: string) => ({ due_at: due, priority });
  it('accepts due dates ascending, ties by priority rank, nulls last', () => {
    const ok = [
      at('2025-01-01T10:00:00Z', 'high'),
      at('2025-01-01T10:00:00Z', 'low'),
      at(null, 'high'),
      at(null, 'medium'),
    ];
    expect(orderingFindings(rules, { pending_actions: ok })).toEqual([]);
  });
  it('refuses a null before a date, and low before high on the same date', () => {
    expect(
      orderingFindings(rules, { pending_actions: [at(null, 'high'), at('2025-01-01T10:00:00Z', 'high')] }),
    ).toHaveLength(1);
    expect(
      orderingFindings(rules, {
        x: { pending_actions: [at('2025-01-02T00:00:00Z', 'low'), at('2025-01-02T00:00:00Z', 'high')] },
      }),
    ).toHaveLength(1);
  });
});

describe('backoff', () => {
  const policy = {
    firstDelayS: 1,
    factor: 2,
    jitter: 0.2,
    maxDelayS: null,
    lateToleranceS: null,
  } as WebhookPolicy;
  it('takes gaps of at least each delay less the jitter', () => {
    expect(backoffProblem(policy, [0.85, 1.7])).toBeNull();
    expect(backoffProblem(policy, [0.85, 1.5])).toMatch(/retry 2 came 1.50 s/);
    expect(backoffProblem(policy, [0.05])).toMatch(/retry 1/);
  });
  it('judges nothing about growth when the contract states no schedule', () => {
    expect(backoffProblem({ ...policy, firstDelayS: null }, [5, 0.1])).toBeNull();
  });
});

describe('test audio', () => {
  it('serves a WAV whose header declares the asked duration, and stops when the reader hangs up', async () => {
    const server = createServer((req, res) => serveAudio(new URL(req.url!, 'http://kit'), req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const res = await fetch(`http://127.0.0.1:${port}/audio/a.wav?duration_s=7300&size_mb=0.007`);
      const bytes = Buffer.from(await res.arrayBuffer());
      const rate = bytes.readUInt32LE(28);
      expect(bytes.toString('ascii', 0, 4)).toBe('RIFF');
      expect((bytes.length - 44) / rate).toBeCloseTo(7300, -1);
      const big = await fetch(`http://127.0.0.1:${port}/audio/b.wav?duration_s=3600&size_mb=110`);
      expect(Number(big.headers.get('content-length'))).toBe(
        audioShape(3600, Math.round(110 * 1_048_576)).size,
      );
      await big.body?.cancel();
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('a request that gets no answer', () => {
  it("says why, not only fetch's 'fetch failed' (a port fetch refuses, a refused connection)", async () => {
    // 4190 is on the Fetch standard's list of blocked ports: fetch refuses it without connecting
    const blocked = await fetch('http://127.0.0.1:4190/').catch((e: unknown) => e);
    expect(describeFailure(blocked)).toBe('TypeError: fetch failed (bad port)');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const refused = await fetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
    expect(describeFailure(refused)).toBe('TypeError: fetch failed (ECONNREFUSED)');
  });
});
