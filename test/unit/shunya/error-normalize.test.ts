// normalizeError: every envelope shape of §5.1 and decision D19, and bodies that are not JSON. Given → want.
import { describe, expect, it } from 'vitest';
import { normalizeError } from '../../../src/shunya/normalize/error.ts';
import type { ShunyaErrorInfo } from '../../../src/shunya/types.ts';

const table: [string, unknown, number | undefined, Partial<ShunyaErrorInfo>][] = [
  [
    'canonical envelope (§5.1)',
    {
      success: false,
      error: {
        error_code: 'INTERNAL_ERROR',
        error_type: 'server_error',
        message: 'Processing failed due to internal error',
        retryable: true,
        details: { component: 'asr_engine' },
        timestamp: '2025-01-15T10:00:00.000Z',
        request_id: '550e8400-e29b-41d4-a716-446655440000',
      },
    },
    500,
    {
      error_code: 'INTERNAL_ERROR',
      error_type: 'server_error',
      message: 'Processing failed due to internal error',
      retryable: true,
      details: { component: 'asr_engine' },
      timestamp: '2025-01-15T10:00:00.000Z',
      request_id: '550e8400-e29b-41d4-a716-446655440000',
    },
  ],
  [
    'explicit retryable: false on a 5xx is honoured',
    {
      success: false,
      error: { error_code: 'X', error_type: 'server_error', message: 'm', retryable: false },
    },
    503,
    { retryable: false },
  ],
  [
    'retryable missing on a 5xx → true',
    { success: false, error: { error_code: 'X', message: 'm' } },
    502,
    { retryable: true, error_type: 'server_error' },
  ],
  [
    'retryable missing on a 4xx → false',
    { success: false, error: { error_code: 'X', message: 'm' } },
    400,
    { retryable: false, error_type: 'client_error' },
  ],
  [
    'retryable missing on a 429 → true',
    { success: false, error: { error_code: 'RATE_LIMIT_EXCEEDED' } },
    429,
    { retryable: true, error_type: 'rate_limit_error' },
  ],
  ['retryable as a string', { error: { error_code: 'X', retryable: 'true' } }, 400, { retryable: true }],
  [
    'timestamp only at the envelope level',
    { success: false, error: { error_code: 'X' }, timestamp: '2025-12-08T10:30:00Z' },
    400,
    { timestamp: '2025-12-08T10:30:00Z' },
  ],
  // D6 aliases
  [
    'validation_error → client_error',
    { error: { error_code: 'VALIDATION_ERROR', error_type: 'validation_error' } },
    400,
    { error_type: 'client_error' },
  ],
  [
    'processing_error → server_error',
    { error: { error_code: 'ANALYSIS_FAILED', error_type: 'processing_error' } },
    500,
    { error_type: 'server_error' },
  ],
  [
    'not_found → client_error',
    { error: { error_code: 'CALL_NOT_FOUND', error_type: 'not_found' } },
    404,
    { error_type: 'client_error' },
  ],
  [
    'authorization_error → authentication_error',
    { error: { error_code: 'PERMISSION_DENIED', error_type: 'authorization_error' } },
    403,
    { error_type: 'authentication_error' },
  ],
  [
    'rate_limit → rate_limit_error',
    { error: { error_code: 'RATE_LIMIT_EXCEEDED', error_type: 'rate_limit' } },
    429,
    { error_type: 'rate_limit_error' },
  ],
  [
    'an unknown type falls back to the status',
    { error: { error_code: 'X', error_type: 'weird' } },
    503,
    { error_type: 'server_error' },
  ],
  // Legacy
  [
    'legacy nested {code, type, message, requestId}',
    { error: { code: 'INVALID_AUDIO_URL', type: 'client_error', message: 'bad url', requestId: 'r-1' } },
    422,
    {
      error_code: 'INVALID_AUDIO_URL',
      error_type: 'client_error',
      message: 'bad url',
      request_id: 'r-1',
      retryable: false,
    },
  ],
  [
    'legacy flat {code, type, message, requestId}',
    { code: 'TOKEN_EXPIRED', type: 'authentication_error', message: 'expired', requestId: 'r-2' },
    401,
    {
      error_code: 'TOKEN_EXPIRED',
      error_type: 'authentication_error',
      message: 'expired',
      request_id: 'r-2',
    },
  ],
  [
    'a lower-case code becomes UPPER_SNAKE_CASE',
    { code: 'invalid-audio url' },
    400,
    { error_code: 'INVALID_AUDIO_URL' },
  ],
  [
    'a numeric code is a status, not a code',
    { code: 404, message: 'nope' },
    404,
    { error_code: 'NOT_FOUND', message: 'nope' },
  ],
  // Minimal
  [
    '{detail: "..."}',
    { detail: 'Not authenticated' },
    401,
    {
      error_code: 'UNAUTHORIZED',
      error_type: 'authentication_error',
      message: 'Not authenticated',
      retryable: false,
    },
  ],
  [
    '{message: "..."}',
    { message: 'Service is down' },
    503,
    { error_code: 'SERVICE_UNAVAILABLE', message: 'Service is down', retryable: true },
  ],
  [
    '{error: "..."}',
    { error: 'Not Found' },
    404,
    { error_code: 'NOT_FOUND', message: 'Not Found', error_type: 'client_error' },
  ],
  [
    'FastAPI 422 {detail: [{loc, msg, type}]}',
    {
      detail: [
        { loc: ['body', 'call_id'], msg: 'field required', type: 'value_error.missing' },
        { loc: ['body', 'audio_url'], msg: 'invalid url' },
      ],
    },
    422,
    {
      error_code: 'VALIDATION_ERROR',
      error_type: 'client_error',
      message: 'body.call_id: field required; body.audio_url: invalid url',
      retryable: false,
    },
  ],
  // Not JSON
  [
    'an HTML page from a proxy',
    '<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>',
    502,
    {
      error_code: 'BAD_GATEWAY',
      error_type: 'server_error',
      message: 'Shunya answered HTTP 502: 502 Bad Gateway',
      retryable: true,
      details: { non_json_body: true },
    },
  ],
  [
    'plain text',
    'upstream connect error',
    503,
    { error_code: 'SERVICE_UNAVAILABLE', message: 'Shunya answered HTTP 503: upstream connect error' },
  ],
  [
    'an empty body',
    '',
    500,
    { error_code: 'INTERNAL_SERVER_ERROR', message: 'Shunya answered HTTP 500', retryable: true },
  ],
  [
    'JSON in a string',
    '{"error":{"error_code":"X_Y","message":"m"}}',
    400,
    { error_code: 'X_Y', message: 'm' },
  ],
  ['undefined', undefined, 504, { error_code: 'GATEWAY_TIMEOUT', retryable: true }],
  ['an array', [1, 2], 418, { error_code: 'CLIENT_ERROR', error_type: 'client_error', retryable: false }],
  [
    'no status at all',
    null,
    undefined,
    { error_code: 'UNKNOWN_ERROR', error_type: 'unknown', message: 'Unknown error', retryable: false },
  ],
  // A webhook's error may be a whole envelope
  [
    'a whole envelope nested once more',
    { error: { success: false, error: { error_code: 'DEEP', message: 'deep' } } },
    undefined,
    { error_code: 'DEEP', message: 'deep' },
  ],
  // Wrong types
  [
    'wrong types do not throw',
    {
      error: {
        error_code: 5,
        error_type: [],
        message: {},
        retryable: 'maybe',
        details: 'text',
        request_id: 9,
      },
    },
    500,
    {
      error_code: 'INTERNAL_SERVER_ERROR',
      error_type: 'server_error',
      message: 'Shunya answered HTTP 500',
      retryable: true,
      details: { details: 'text' },
      request_id: '9',
    },
  ],
];

describe('normalizeError', () => {
  it.each(table)('%s', (_name, body, status, want) => {
    expect(normalizeError(body, status)).toMatchObject(want);
  });

  it('always returns every field', () => {
    expect(Object.keys(normalizeError(undefined)).sort()).toEqual(
      ['details', 'error_code', 'error_type', 'message', 'request_id', 'retryable', 'timestamp'].sort(),
    );
  });

  it('clips very long messages', () => {
    expect(normalizeError({ message: 'x'.repeat(5000) }, 500).message.length).toBeLessThanOrEqual(501);
  });
});
