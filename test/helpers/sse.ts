// Test helpers for Server-Sent Events (the client itself lives in scripts/lib, shared with the demo).
export { openSse, type SseClient, type SseEvent } from '../../scripts/lib/sse-client.ts';

/** Promise.withResolvers for Node 20. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
