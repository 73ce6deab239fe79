// An error_code outside the contract's closed catalogue (x-error-catalogue, D47) is not fatal: the error
// keeps its code and is handled by its `retryable` flag, and Otto flags the code in its log.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.ts';
import { isCataloguedErrorCode, isOttoClientErrorCode } from '../../../src/shunya/catalogue.ts';
import { ShunyaClientError } from '../../../src/shunya/errors.ts';
import { newRequestOptions } from '../../../src/shunya/request-options.ts';
import { loadContract } from '../../helpers/contracts.ts';
import { accepted, envelope, testClient } from './fake-shunya.ts';

const CO = 'company_abc123';

function withLog(script: Parameters<typeof testClient>[0]) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  const t = testClient(script, { logger: createLogger('debug', sink) });
  const transcribe = () =>
    t.client.transcribe(
      CO,
      { call_id: 1, audio_url: 'https://a.example/x.mp3', call_type: 'csr_call' },
      newRequestOptions(),
    );
  return { ...t, lines, transcribe };
}

describe('the error catalogue in Otto', () => {
  it('knows every code of the contract, and nothing else', () => {
    const codes: string[] = loadContract('shunya.openapi.yaml')['x-error-catalogue'].codes.map(
      (c: { error_code: string }) => c.error_code,
    );
    for (const c of codes) expect(isCataloguedErrorCode(c), c).toBe(true);
    for (const c of ['BUSY', 'QUOTA_EXHAUSTED', 'toString', 'constructor'])
      expect(isCataloguedErrorCode(c), c).toBe(false);
  });

  it('an uncatalogued code is kept, handled by retryable, and flagged in the log', async () => {
    const t = withLog([envelope(418, 'TEAPOT_OVERHEATED', 'client_error', false)]);
    const err = await t.transcribe().catch((e) => e);
    expect(err).toBeInstanceOf(ShunyaClientError);
    expect(err).toMatchObject({ errorCode: 'TEAPOT_OVERHEATED', retryable: false });
    const flagged = t.lines.filter((l) => l.msg === 'uncatalogued Shunya error_code');
    expect(flagged).toEqual([
      expect.objectContaining({ error_code: 'TEAPOT_OVERHEATED', uncatalogued: true }),
    ]);
  });

  it('an uncatalogued retryable 5xx is retried like any other', async () => {
    const t = withLog([envelope(500, 'GPU_BUSY', 'server_error', true), accepted()]);
    await expect(t.transcribe()).resolves.toMatchObject({ shunya_job_id: 'shunya_task_1' });
    expect(t.requests).toHaveLength(2);
    expect(t.lines.filter((l) => l.msg === 'uncatalogued Shunya error_code')).toHaveLength(1);
  });

  it('a catalogued code is not flagged', async () => {
    const t = withLog([envelope(500, 'INTERNAL_ERROR', 'server_error', true), accepted()]);
    await t.transcribe();
    expect(t.lines.filter((l) => l.msg === 'uncatalogued Shunya error_code')).toEqual([]);
  });

  // Otto's client names what it could not read, could not reach or would not send (INVALID_RESPONSE,
  // SHUNYA_TIMEOUT, CIRCUIT_OPEN, …): codes of Otto's own, never Shunya's, so not a deviation to report.
  // Every unreadable answer used to be flagged as an uncatalogued Shunya code.
  it('a code Otto’s client made itself (an unreadable answer) is not flagged', async () => {
    const t = withLog([new Response('<html>busy</html>', { status: 200 })]);
    expect(await t.transcribe().catch((e) => e)).toMatchObject({ errorCode: 'INVALID_RESPONSE' });
    expect(t.lines.filter((l) => l.msg === 'uncatalogued Shunya error_code')).toEqual([]);
    for (const c of [
      'INVALID_RESPONSE',
      'UNEXPECTED_STATUS',
      'SHUNYA_TIMEOUT',
      'SHUNYA_UNREACHABLE',
      'CIRCUIT_OPEN',
    ])
      expect(isOttoClientErrorCode(c), c).toBe(true);
    expect(isOttoClientErrorCode('TEAPOT_OVERHEATED')).toBe(false);
  });
});
