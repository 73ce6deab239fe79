// The whole system for end-to-end tests: a throwaway database, the Shunya simulator on a real socket,
// and Otto (API + graphile-worker) on another, wired to each other. Every test file starts its own.

import type { SimulatorOptions } from '../../simulator/options.ts';
import { startSimulator } from '../../simulator/server.ts';
import { loadConfig } from '../../src/config.ts';
import type { Db } from '../../src/db/knex.ts';
import { createLogger, type Logger } from '../../src/logger.ts';
import { type RunningOtto, startOtto } from '../../src/main.ts';
import type { Clock } from '../../src/pipeline/deps.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

export class MovableClock implements Clock {
  offsetMs = 0;
  now() {
    return new Date(Date.now() + this.offsetMs);
  }
}

export interface Stack {
  t: TestDatabase;
  db: Db;
  otto: RunningOtto;
  sim: Awaited<ReturnType<typeof startSimulator>>;
  clock: MovableClock;
  /** Calls the simulator's control API (/__sim/...). */
  admin(method: string, path: string, body?: unknown): Promise<unknown>;
  close(): Promise<void>;
}

/** Fast settings for tests: short retries and polls, so failure paths finish in seconds. */
export const FAST_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  PORT: '0',
  LOG_LEVEL: 'silent',
  UWC_RETRY_DELAYS_MS: '20,40,80',
  UWC_TIMEOUT_MS: '3000',
  UWC_BREAKER_COOLDOWN_MS: '1000',
  JOB_RETRY_DELAYS_S: '1,1,1,1,1',
  POLL_DELAYS_S: '1,1,1,1,1',
  WORKER_CONCURRENCY: '8',
  DB_POOL_MAX: '10',
};

export async function startStack(
  opts: { env?: Record<string, string>; sim?: SimulatorOptions; logger?: Logger } = {},
): Promise<Stack> {
  const t = await createTestDatabase();
  const sim = await startSimulator({ preset: 'happy', timeScale: 20, seed: 7, ...opts.sim });
  const clock = new MovableClock();
  const config = loadConfig({ ...FAST_ENV, DATABASE_URL: t.url, UWC_BASE_URL: sim.url, ...opts.env });
  const otto = await startOtto(config, opts.logger ?? createLogger('silent'), {
    clock,
    heartbeat: { intervalMs: 300, deadAfterMs: 2000 },
  });
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sim.url}/__sim${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`simulator ${method} ${path} → ${res.status}: ${text}`);
    return text ? JSON.parse(text) : null;
  };
  await admin('PUT', '/config', { webhook_url: `${otto.url}/api/v1/shunya/webhook` });
  return {
    t,
    db: t.db,
    otto,
    sim,
    clock,
    admin,
    async close() {
      await otto.close();
      await sim.close();
      await t.drop();
    },
  };
}

/** Polls `fn` until it returns a truthy value. */
export async function waitFor<T>(
  fn: () => Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The Shunya call id Otto's next call or recording session will get (the sequence is per database). */
export async function nextShunyaCallId(db: Db): Promise<number> {
  const r = await db.raw(`SELECT nextval('shunya_call_id_seq')::int AS n`);
  return (r.rows[0].n as number) + 1;
}

export async function jobOf(db: Db, where: { call_id?: string; recording_session_id?: string }) {
  return db('shunya_jobs').where(where).first();
}

export async function terminalJob(
  db: Db,
  where: { call_id?: string; recording_session_id?: string },
  timeoutMs = 20_000,
) {
  return waitFor(
    async () => {
      const j = await jobOf(db, where);
      return j && ['succeeded', 'failed', 'timeout'].includes(j.job_status) ? j : undefined;
    },
    `a terminal job for ${JSON.stringify(where)}`,
    timeoutMs,
  );
}

export const countRows = async (db: Db, table: string, where: Record<string, unknown> = {}) =>
  Number(((await db(table).where(where).count({ n: '*' }).first()) as { n: string }).n);

export const eventsOf = async (db: Db, companyId: string) =>
  (await db('outbox_events').where({ company_id: companyId }).orderBy('id')) as {
    event_type: string;
    aggregate_id: string;
    payload: Record<string, unknown>;
  }[];
