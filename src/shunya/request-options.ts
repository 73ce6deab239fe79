import { randomUUID } from 'node:crypto';
import type { RequestOptions } from './types.ts';

/**
 * Options for one logical operation: a fresh UUID v4 X-Request-ID, which is also the Idempotency-Key
 * (§4.6 "Idempotency-Key: <request_id>"). Reuse the same object for a re-submission that must be
 * recognised as the same operation; create a new one for a new operation.
 */
export function newRequestOptions(signal?: AbortSignal): RequestOptions {
  const requestId = randomUUID();
  return { requestId, idempotencyKey: requestId, ...(signal ? { signal } : {}) };
}
