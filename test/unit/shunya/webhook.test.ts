// normalizeWebhook: both profiles of decision D1. Given → want.
import { describe, expect, it } from 'vitest';
import { normalizeWebhook } from '../../../src/shunya/normalize/webhook.ts';
import type { WebhookEnvelope } from '../../../src/shunya/types.ts';

const table: [string, unknown, Partial<WebhookEnvelope>][] = [
  [
    'handoff profile, completed',
    { shunya_job_id: 'j1', status: 'completed', company_id: 'c1', result: { transcript_text: 'x' } },
    {
      profile: 'handoff',
      shunya_job_id: 'j1',
      company_id: 'c1',
      status: 'completed',
      kind: null,
      call_id: null,
      result: { transcript_text: 'x' },
      error: null,
    },
  ],
  [
    'job_id alias',
    { job_id: 'j2', status: 'processing', company_id: 'c1' },
    { shunya_job_id: 'j2', status: 'processing' },
  ],
  [
    'task_id alias',
    { task_id: 'j3', status: 'completed', company_id: 'c1', result: {} },
    { shunya_job_id: 'j3' },
  ],
  [
    'shunya_job_id wins over its aliases',
    { shunya_job_id: 'a', job_id: 'b', task_id: 'c', status: 'completed', company_id: 'c1', result: {} },
    { shunya_job_id: 'a' },
  ],
  [
    'handoff profile, failed with an ErrorObject',
    {
      shunya_job_id: 'j1',
      status: 'failed',
      company_id: 'c1',
      error: { error_code: 'ANALYSIS_FAILED', error_type: 'server_error', message: 'boom', retryable: true },
    },
    {
      status: 'failed',
      error: {
        error_code: 'ANALYSIS_FAILED',
        error_type: 'server_error',
        message: 'boom',
        retryable: true,
        details: {},
        timestamp: null,
        request_id: null,
      },
    },
  ],
  [
    'event profile: kind and status from event_type, result from data',
    {
      event_type: 'call.transcription.complete',
      task_id: 't1',
      call_id: 123,
      company_id: 'c1',
      data: { transcript_text: 'x' },
    },
    {
      profile: 'shunya',
      shunya_job_id: 't1',
      kind: 'transcription',
      status: 'completed',
      call_id: 123,
      result: { transcript_text: 'x' },
    },
  ],
  [
    'call.analysis.failed',
    {
      event_type: 'call.analysis.failed',
      task_id: 't',
      company_id: 'c',
      error: {
        success: false,
        error: { error_code: 'X', error_type: 'processing_error', message: 'm', retryable: true },
      },
    },
    {
      kind: 'analysis',
      status: 'failed',
      error: expect.objectContaining({ error_code: 'X', error_type: 'server_error' }),
    },
  ],
  [
    'meeting.segmentation.complete',
    {
      event_type: 'meeting.segmentation.complete',
      task_id: 't',
      company_id: 'c',
      status: 'completed',
      data: { part1: {} },
    },
    { kind: 'segmentation', status: 'completed' },
  ],
  [
    'status wins over the suffix',
    { event_type: 'call.analysis.complete', task_id: 't', company_id: 'c', status: 'processing' },
    { status: 'processing' },
  ],
  [
    'status as a string variant',
    { shunya_job_id: 'j', status: ' Completed ', company_id: 'c', result: {} },
    { status: 'completed' },
  ],
  [
    'status inferred from an error',
    { shunya_job_id: 'j', company_id: 'c', error: 'upstream exploded' },
    { status: 'failed', error: expect.objectContaining({ message: 'upstream exploded' }) },
  ],
  [
    'status inferred from a result',
    { shunya_job_id: 'j', company_id: 'c', result: { a: 1 } },
    { status: 'completed' },
  ],
  [
    'call_id from the result when absent at the top',
    { shunya_job_id: 'j', status: 'completed', company_id: 'c', result: { call_id: '77' } },
    { call_id: 77 },
  ],
  [
    'numeric job id',
    { task_id: 12, status: 'completed', company_id: 'c', result: {} },
    { shunya_job_id: '12' },
  ],
  [
    'unknown event type: kind null',
    { event_type: 'call.summary.complete', task_id: 't', company_id: 'c' },
    { profile: 'shunya', kind: null, status: 'completed' },
  ],
];

describe('normalizeWebhook', () => {
  it.each(table)('%s', (_name, given, want) => {
    const r = normalizeWebhook(given);
    if (!r.ok) expect.fail(r.problems.join('; '));
    expect(r.value).toMatchObject(want);
  });

  it.each<[string, unknown, RegExp]>([
    ['no job id', { status: 'completed', company_id: 'c' }, /names no job/],
    ['not an object', 'hello', /not a JSON object/],
    ['an array', [{ shunya_job_id: 'j' }], /not a JSON object/],
  ])('%s → not usable', (_name, given, problem) => {
    const r = normalizeWebhook(given);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.join('\n')).toMatch(problem);
  });

  it('notes a missing company, error or result', () => {
    expect(normalizeWebhook({ shunya_job_id: 'j', status: 'failed' }).missing).toEqual(
      expect.arrayContaining(['company_id', 'error']),
    );
    expect(
      normalizeWebhook({ task_id: 'j', event_type: 'call.analysis.complete', company_id: 'c' }).missing,
    ).toContain('data');
    expect(
      normalizeWebhook({ task_id: 'j', event_type: 'call.analysis.complete', company_id: 'c' }).defaulted,
    ).toContain('status');
  });
});
