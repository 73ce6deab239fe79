// What the fuzz targets share: run settings from the environment, the tally of what was sent and seen,
// violations (thrown at once in tests so that fast-check shrinks them, or counted by scripts/fuzz.ts),
// a raw HTTP client, a logger that keeps error lines, and a row-write counter on the test database.
import http from 'node:http';
import { Writable } from 'node:stream';
import { zErrorEnvelope } from '../../generated/otto/zod.gen.ts';
import type { Db } from '../../src/db/knex.ts';
import { createLogger, type Logger } from '../../src/logger.ts';

/**
 * The secrets of the fuzz targets' Otto (outside development every secret must be set, D135): fixed, at
 * least 32 characters and all different, never the published development values.
 */
export const FUZZ_SECRETS = {
  OTTO_ADMIN_TOKEN: 'fuzz-only-admin-token-7a1c93e05fd248b6',
  UWC_JWT_SECRET: 'fuzz-only-uwc-jwt-secret-2f86d0b4c91e7a53',
  UWC_HMAC_SECRET: 'fuzz-only-uwc-hmac-secret-c4e2a9071b6d38f5',
  AUTH_HS256_SECRET: 'fuzz-only-frontend-jwt-secret-95b0e7d3a2c16f48',
} as const;

export const DEFAULT_SEED = 20_261_124;

export function fuzzSettings(defaultRuns: number): { numRuns: number; seed: number } {
  const runs = Number(process.env.FUZZ_RUNS ?? defaultRuns);
  const seed = Number(process.env.FUZZ_SEED ?? DEFAULT_SEED);
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`FUZZ_RUNS must be a positive integer, got ${runs}`);
  if (!Number.isInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, got ${seed}`);
  return { numRuns: runs, seed };
}

// ---------------------------------------------------------------------------------------------------
// The tally

export const VIOLATION_KINDS = [
  /** a 5xx answer */
  'status5xx',
  /** a 2xx answer to a request that carried no valid signature */
  'acceptedUnsigned',
  /** an exception that escaped: an error logged by the server, or a normaliser that threw */
  'escapedException',
  /** an error answer whose body is not the contract's error envelope */
  'nonEnvelope',
  /** a refused request that wrote to the database (beyond what the code documents it records) */
  'writeOnRefusal',
  /** any other broken promise of the contract (status not listed, wrong success body, wrong verdict) */
  'contract',
] as const;
export type ViolationKind = (typeof VIOLATION_KINDS)[number];

export class Violation extends Error {
  constructor(
    readonly kind: ViolationKind,
    message: string,
  ) {
    super(`[${kind}] ${message}`);
    this.name = 'Violation';
  }
}

export interface ViolationRecord {
  kind: ViolationKind;
  message: string;
  run: number;
  input: string;
}

export class Tally {
  inputs = 0;
  readonly statuses: Record<string, number> = {};
  readonly outcomes: Record<string, number> = {};
  readonly violations: Record<ViolationKind, number> = Object.fromEntries(
    VIOLATION_KINDS.map((k) => [k, 0]),
  ) as Record<ViolationKind, number>;
  readonly examples: ViolationRecord[] = [];
  private current: unknown;

  /** `throwOnViolation`: tests stop at the first one (fast-check shrinks it); the long run counts them all. */
  constructor(
    readonly target: string,
    readonly throwOnViolation = true,
  ) {}

  begin(input: unknown): void {
    this.inputs++;
    this.current = input;
  }

  status(code: number): void {
    this.statuses[code] = (this.statuses[code] ?? 0) + 1;
  }

  outcome(name: string): void {
    this.outcomes[name] = (this.outcomes[name] ?? 0) + 1;
  }

  violation(kind: ViolationKind, message: string): void {
    this.violations[kind]++;
    if (this.examples.length < 20)
      this.examples.push({ kind, message, run: this.inputs, input: preview(this.current) });
    if (this.throwOnViolation) throw new Violation(kind, message);
  }

  /** Checks a condition; a false one is a violation of `kind`. */
  expect(ok: boolean, kind: ViolationKind, message: () => string): void {
    if (!ok) this.violation(kind, message());
  }

  get violationCount(): number {
    return Object.values(this.violations).reduce((a, b) => a + b, 0);
  }
}

export function preview(v: unknown, max = 1500): string {
  let s: string;
  try {
    s = JSON.stringify(v, (_k, x) =>
      typeof x === 'string' && x.length > 200 ? `${x.slice(0, 200)}…(${x.length})` : x,
    );
  } catch {
    s = String(v);
  }
  return s && s.length > max ? `${s.slice(0, max)}…` : s;
}

// ---------------------------------------------------------------------------------------------------
// HTTP: node:http with keep-alive, so that any bytes and header combination can be sent as is.

export interface Sent {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

export function send(
  baseUrl: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer,
  opts: { chunked?: boolean } = {},
): Promise<Sent> {
  const url = new URL(path, baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: opts.chunked ? headers : { ...headers, 'content-length': String(body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export function closeHttpAgent(): void {
  agent.destroy();
}

// ---------------------------------------------------------------------------------------------------
// A logger that keeps the exceptions the server logged: an unhandled error is logged at level error
// with its `err` (errors middleware, the webhook inbox). Error lines without an exception are business
// events (a Shunya job that failed for good is logged as "job failed") and are not kept.

export function capturingLogger(): { logger: Logger; errors: string[] } {
  const errors: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      const line = chunk.toString();
      if (/"level":"(error|fatal)"/.test(line) && /"err":/.test(line))
        errors.push(line.length > 2000 ? `${line.slice(0, 2000)}…` : line);
      done();
    },
  });
  return { logger: createLogger('error', sink), errors };
}

// ---------------------------------------------------------------------------------------------------
// Row writes per table, counted by a row-level trigger installed in the (throwaway) test database only.
// It sees every INSERT, UPDATE and DELETE that committed, in any table of Otto's and graphile-worker's
// schemas, so "a refused request writes nothing" is checked exactly, updates included.

export async function installWriteCounter(db: Db): Promise<void> {
  await db.raw(`
    CREATE TABLE IF NOT EXISTS public.fuzz_writes (tbl text PRIMARY KEY, n bigint NOT NULL DEFAULT 0);
    CREATE OR REPLACE FUNCTION public.fuzz_count_write() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO public.fuzz_writes (tbl, n) VALUES (TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, 1)
      ON CONFLICT (tbl) DO UPDATE SET n = public.fuzz_writes.n + 1;
      RETURN NULL;
    END $$;`);
  const tables = await db.raw(
    `SELECT table_schema AS s, table_name AS t FROM information_schema.tables
     WHERE table_type = 'BASE TABLE' AND table_schema IN ('public', 'graphile_worker') AND table_name <> 'fuzz_writes'`,
  );
  for (const { s, t } of tables.rows as { s: string; t: string }[]) {
    await db.raw(
      `CREATE OR REPLACE TRIGGER fuzz_count_write AFTER INSERT OR UPDATE OR DELETE ON "${s}"."${t}"
       FOR EACH ROW EXECUTE FUNCTION public.fuzz_count_write()`,
    );
  }
}

export type WriteCounts = Record<string, number>;

export async function writeCounts(db: Db): Promise<WriteCounts> {
  const rows = (await db.raw('SELECT tbl, n FROM public.fuzz_writes')).rows as { tbl: string; n: string }[];
  return Object.fromEntries(rows.map((r) => [r.tbl, Number(r.n)]));
}

/** The tables written between two counts, with the number of rows written. */
export function writesBetween(before: WriteCounts, after: WriteCounts): WriteCounts {
  const out: WriteCounts = {};
  for (const [t, n] of Object.entries(after)) {
    const d = n - (before[t] ?? 0);
    if (d !== 0) out[t] = d;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// What every target checks of every request

export interface Observed {
  res: Sent;
  /** the response body parsed as JSON, or undefined */
  body: unknown;
  /** rows written by the request, per table */
  writes: WriteCounts;
  /** the error lines the server logged while answering */
  logged: string;
}

/**
 * Sends one request and records what every target checks: its status in the tally, no exception logged
 * by the server (escapedException), the body parsed, and the rows it wrote. 5xx answers are left to the
 * caller, which knows where the server kept the cause.
 */
export async function observe(
  tally: Tally,
  errors: string[],
  db: Db,
  request: { url: string; path: string; headers: Record<string, string>; body: Buffer; chunked: boolean },
): Promise<Observed> {
  const errorsBefore = errors.length;
  const before = await writeCounts(db);
  const res = await send(request.url, request.path, request.headers, request.body, {
    chunked: request.chunked,
  });
  const after = await writeCounts(db);
  tally.status(res.status);
  const logged = errors.slice(errorsBefore).join('\n');
  tally.expect(errors.length === errorsBefore, 'escapedException', () => `logged: ${logged}`);
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    body = undefined;
  }
  return { res, body, writes: writesBetween(before, after), logged };
}

/**
 * An error answer: the contract's ErrorEnvelope (nonEnvelope), carrying the response's X-Request-ID, with
 * a status the contract lists for the operation. Counts the outcome; returns the error code ('?' if none).
 */
export function expectErrorEnvelope(tally: Tally, { res, body }: Observed, listed: number[]): string {
  const envelope = zErrorEnvelope.safeParse(body);
  tally.expect(
    envelope.success,
    'nonEnvelope',
    () => `${res.status} body is not the ErrorEnvelope: ${res.body.slice(0, 500)}`,
  );
  const code = envelope.success ? envelope.data.error.error_code : '?';
  tally.outcome(`${res.status}:${code}`);
  tally.expect(
    !envelope.success || envelope.data.error.request_id === res.headers['x-request-id'],
    'contract',
    () => 'request_id differs from X-Request-ID',
  );
  tally.expect(listed.includes(res.status), 'contract', () => `status ${res.status} is not in the contract`);
  return code;
}
