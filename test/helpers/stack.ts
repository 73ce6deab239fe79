// The whole system for end-to-end tests: a throwaway database, the Shunya simulator on a real socket,
// and Otto (API + graphile-worker) on another, wired to each other. Every test file starts its own.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { zOperatorEventType } from '../../generated/otto/zod.gen.ts';
import type { SimulatorOptions } from '../../simulator/options.ts';
import { startSimulator } from '../../simulator/server.ts';
import { loadConfig } from '../../src/config.ts';
import type { Db } from '../../src/db/knex.ts';
import type { Clock } from '../../src/jobs/deps.ts';
import { createLogger, type Logger } from '../../src/logger.ts';
import { type RunningOtto, startOtto } from '../../src/main.ts';
import { freePort } from '../../src/util/net.ts';
import { contractValidator } from './contracts.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { TEST_SECRETS } from './secrets.ts';
import { bin, type Proc, ROOT, start } from './spawn.ts';

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
  /** The contract proof of Otto's calls to Shunya (null when the stack runs without it). */
  contract: ContractProxy | null;
  /**
   * Validates the body of every webhook Otto received against the webhook body of the stack's reading:
   * the strict contract's `WebhookPayload`, or (tolerant) what Otto's receiver accepts,
   * contracts/otto.openapi.yaml's `ShunyaWebhookBody`; the result joins the stack's contract proof. (Prism
   * cannot proxy this direction: it re-serialises the body, and the signature covers the exact bytes.) Otto
   * keeps the body redacted of personal data (D85): strings become "[redacted]" but identifiers,
   * vocabularies, times, numbers and the shape are kept, which is what the schemas constrain.
   */
  proveWebhooks(): Promise<{ exchanges: number; violations: string[] }>;
  /** Calls the simulator's control API (/__sim/...). */
  admin(method: string, path: string, body?: unknown): Promise<unknown>;
  close(): Promise<void>;
}

/** Fast settings for tests: short retries and polls, so failure paths finish in seconds. */
export const FAST_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  ...TEST_SECRETS,
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

/** Where each stack's contract proof is written, summed up by the global teardown. */
export const CONTRACT_PROOF_DIR = path.join(ROOT, '.tmp/contract-proof');

/**
 * `prism proxy --errors <contract>` in front of `upstream`: every request and every answer is validated
 * against the contract; a violating answer is replaced by a Prism error (and the violation logged).
 * `check()` counts the exchanges and lists the violations.
 */
export interface ContractProxy {
  url: string;
  check(): { exchanges: number; violations: string[]; upstreamFailures: number };
  stop(): Promise<void>;
}

async function startContractProxy(contract: string, upstream: string): Promise<ContractProxy> {
  const port = await freePort();
  const prism: Proc = await start(
    bin('prism'),
    ['proxy', '--errors', contract, upstream, '-h', '127.0.0.1', '-p', String(port)],
    /Prism is listening/,
    { timeoutMs: 90_000 },
  );
  return {
    url: `http://127.0.0.1:${port}`,
    check() {
      const lines = prism.output().split('\n');
      return {
        exchanges: lines.filter((l) => l.includes('Request received')).length,
        // a validator's verdict, or a request Prism refused (no such path, invalid request); an upstream
        // that hangs up (a fault the simulator injects on purpose) is not a contract violation
        violations: lines.filter((l) => /Violation|✖ +error/.test(l) && !/FetchError/.test(l)),
        upstreamFailures: lines.filter((l) => /FetchError/.test(l)).length,
      };
    },
    stop: () => prism.stop(),
  };
}

export async function startStack(
  opts: {
    env?: Record<string, string>;
    sim?: SimulatorOptions;
    logger?: Logger;
    /** Route Otto's calls to Shunya through the contract proxy (default true); a suite that makes the
     * simulator break the contract on purpose (malformed or incomplete answers) turns it off. */
    contractProxy?: boolean;
    /** Otto runs beside the simulator (SIMULATOR_URL): the console's simulator panel and test traffic. */
    simulatorBeside?: boolean;
    /** How often the console's charts sample Otto's metrics (startOtto's default otherwise). */
    historyIntervalMs?: number;
    /** Which reading of the Shunya contract the proof holds the simulator to (D45): `strict` (default,
     * the simulator's default configuration) or `tolerant` (its non-default shapes and profiles). */
    reading?: 'strict' | 'tolerant';
  } = {},
): Promise<Stack> {
  const t = await createTestDatabase();
  const sim = await startSimulator({
    preset: 'happy',
    timeScale: 20,
    seed: 7,
    jwtSecret: TEST_SECRETS.UWC_JWT_SECRET,
    hmacSecret: TEST_SECRETS.UWC_HMAC_SECRET,
    ...opts.sim,
  });
  const reading = opts.reading ?? 'strict';
  const document =
    reading === 'strict' ? 'contracts/shunya.openapi.yaml' : 'contracts/shunya.tolerant.openapi.yaml';
  const contract = opts.contractProxy === false ? null : await startContractProxy(document, sim.url);
  const clock = new MovableClock();
  const config = loadConfig({
    ...FAST_ENV,
    DATABASE_URL: t.url,
    UWC_BASE_URL: contract?.url ?? sim.url,
    ...(opts.simulatorBeside ? { SIMULATOR_URL: sim.url } : {}),
    ...opts.env,
  });
  const otto = await startOtto(config, opts.logger ?? createLogger('silent'), {
    clock,
    heartbeat: { intervalMs: 300, deadAfterMs: 2000 },
    ...(opts.historyIntervalMs ? { historyIntervalMs: opts.historyIntervalMs } : {}),
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
  let webhookProof: { exchanges: number; violations: string[] } | null = null;
  return {
    t,
    db: t.db,
    otto,
    sim,
    clock,
    contract,
    admin,
    async proveWebhooks() {
      const validator = contractValidator([
        'shunya.openapi.yaml',
        'shunya.tolerant.openapi.yaml',
        'otto.openapi.yaml',
      ]);
      const [file, pointer] =
        reading === 'strict'
          ? ['shunya.openapi.yaml', '/components/schemas/WebhookPayload']
          : ['otto.openapi.yaml', '/components/schemas/ShunyaWebhookBody'];
      // the deliveries that authenticated: what failed is no exchange with Shunya, and keeps no body (D130)
      const rows = (await t
        .db('webhook_deliveries')
        .whereNotNull('profile')
        .select('id', 'redacted_body')) as {
        id: string;
        redacted_body: unknown;
      }[];
      const violations: string[] = [];
      for (const r of rows) {
        if (r.redacted_body === null) {
          violations.push(`webhook ${r.id}: no body kept (not JSON?)`);
          continue;
        }
        const body = r.redacted_body;
        const problems = validator.validate(file, pointer, body);
        if (problems.length > 0) violations.push(`webhook ${r.id}: ${problems.join('; ')}`);
      }
      webhookProof = { exchanges: rows.length, violations };
      return webhookProof;
    },
    async close() {
      await otto.close();
      await sim.close();
      const proof = { reading, shunya: contract?.check() ?? null, webhooks: webhookProof };
      await contract?.stop();
      await t.drop();
      if (proof.shunya || proof.webhooks) {
        mkdirSync(CONTRACT_PROOF_DIR, { recursive: true });
        const name = `${path.basename(expect.getState().testPath ?? 'stack')}-${process.pid}-${Date.now()}.json`;
        writeFileSync(path.join(CONTRACT_PROOF_DIR, name), JSON.stringify(proof));
        const violations = [...(proof.shunya?.violations ?? []), ...(proof.webhooks?.violations ?? [])];
        if (violations.length > 0)
          throw new Error(`Otto ↔ simulator exchanges violated the contracts:\n${violations.join('\n')}`);
      }
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

/** A tenant's domain events, as its stream carries them: without the operator-only ones (D381). */
export const eventsOf = async (db: Db, companyId: string) =>
  (await db('outbox_events')
    .where({ company_id: companyId })
    .whereNotIn('event_type', zOperatorEventType.options)
    .orderBy('id')) as {
    event_type: string;
    aggregate_id: string;
    payload: Record<string, unknown>;
  }[];
