// Telling "the database is unreachable right now" (a restart, a failover, a network cut, an exhausted
// pool) apart from every other error: the first is answered 503 with Retry-After and logged as a warning,
// the second is a bug (500, logged with its stack).

/** SQLSTATEs of a server going away or refusing connections (class 08: connection exceptions). */
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01', // admin_shutdown (fast or immediate shutdown)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, in recovery)
  '53300', // too_many_connections
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const MESSAGES = [
  /Connection terminated/i,
  /Client has encountered a connection error/i,
  /Connection ended unexpectedly/i,
];

/** Whether `pred` holds for the error, its `cause` chain or an AggregateError's errors (bounded depth). */
function anyCause(e: unknown, pred: (err: ErrorLike) => boolean, depth = 0): boolean {
  if (!e || typeof e !== 'object' || depth > 5) return false;
  const err = e as ErrorLike;
  if (pred(err)) return true;
  if (Array.isArray(err.errors) && err.errors.some((x) => anyCause(x, pred, depth + 1))) return true;
  return anyCause(err.cause, pred, depth + 1);
}

interface ErrorLike {
  code?: unknown;
  syscall?: unknown;
  name?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
}

export function isDatabaseUnavailable(e: unknown): boolean {
  return anyCause(e, (err) => {
    const code = typeof err.code === 'string' ? err.code : '';
    if (UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08') || NETWORK_CODES.has(code)) return true;
    // over a Unix-domain socket a server that is down has no socket file: connect fails ENOENT (D562)
    if (code === 'ENOENT' && err.syscall === 'connect') return true;
    if (err.name === 'KnexTimeoutError') return true; // no pooled connection could be had in time
    return typeof err.message === 'string' && MESSAGES.some((m) => m.test(err.message as string));
  });
}

/** SQLSTATEs of a transaction Postgres rolled back to resolve a conflict: deadlock, serialization failure. */
const CONFLICT_SQLSTATES = new Set(['40P01', '40001']);

/** A deadlock victim or a serialization failure: nothing was written, and the transaction may run again (D44). */
export function isTransactionConflict(e: unknown): boolean {
  return anyCause(e, (err) => typeof err.code === 'string' && CONFLICT_SQLSTATES.has(err.code));
}
