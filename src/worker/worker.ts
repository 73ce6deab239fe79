// The worker role: graphile-worker on the same Postgres, running Otto's tasks (one plain function each)
// and cron tasks (timeout sweeper, admission safety net, pruning).
import { EventEmitter } from 'node:events';
import {
  parseCronItems,
  type Runner,
  run,
  type Task,
  type TaskList,
  type WorkerEvents,
  Logger as WorkerLogger,
} from 'graphile-worker';
import { RETRYABLE_ERROR_CODES } from 'graphile-worker/dist/lib.js';
import pg from 'pg';
import { admitAll, admitTenant } from '../jobs/admission.ts';
import type { PipelineDeps } from '../jobs/deps.ts';
import { TASK } from '../jobs/queue.ts';
import { sweepTimeouts } from '../jobs/timeouts.ts';
import type { Logger } from '../logger.ts';
import { advance } from '../steps/advance.ts';
import { poll } from '../steps/poll.ts';
import type { TraceFields } from '../tracing.ts';
import type { Heartbeat } from './heartbeat.ts';
import { aheadNotified, nudgeIdleFirst } from './nudge.ts';
import { prune } from './prune.ts';
import { startWaker, type Waker } from './wake.ts';

// graphile-worker 0.17 retries its own bookkeeping queries (completing or failing a job) only on a few
// error codes; during a Postgres restart it met refused and reset connections, gave up, and let the
// rejection escape: the worker process died (found by the chaos run). These codes are retried too, with
// backoff, for as long as graphile-worker's 100 attempts last (D41).
const DATABASE_RESTART = { minDelay: 500, maxDelay: 10_000 };
for (const code of [
  'ECONNREFUSED',
  // a Unix-domain socket's file is gone while Postgres is down (D562); graphile-worker's queries are
  // the only connects here, so the code is no other file's absence
  'ENOENT',
  'ECONNRESET',
  'EPIPE',
  '57P01',
  '57P02',
  '08000',
  '08001',
  '08003',
  '08006',
])
  RETRYABLE_ERROR_CODES[code] ??= DATABASE_RESTART;

// pg reports a connection that drops while it is made or in the middle of a query ("Connection terminated
// unexpectedly", then "Client has encountered a connection error and is not queryable") with no error
// code, and graphile-worker decides what to retry by code only: with several worker processes and a
// Postgres restart, the chaos run saw a worker die of it in graphile-worker's failJobs (D95). Such errors
// are given the code of a reset connection, which the table above retries.
const CONNECTION_LOST =
  /^(Connection terminated|Client has encountered a connection error|Connection ended unexpectedly)/;

export function markConnectionLoss(e: unknown): unknown {
  if (e instanceof Error && !('code' in e) && CONNECTION_LOST.test(e.message))
    Object.assign(e, { code: 'ECONNRESET' });
  return e;
}

/**
 * graphile-worker's own pool: the errors of its connects and of its clients' queries pass through
 * markConnectionLoss. `min` connections stay open when idle (pg-pool closes the others after 10 s): its
 * workers fetch in bursts, and each new backend prepares and plans graphile-worker's statements again
 * (D561).
 */
export function createWorkerPool(url: string, max: number, logger: Logger, min = 0): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, min: Math.min(min, max) });
  const connect = pool.connect.bind(pool) as (...a: unknown[]) => unknown;
  pool.connect = ((...args: unknown[]) =>
    args.length > 0
      ? connect(...args)
      : (connect() as Promise<pg.PoolClient>).catch((e) =>
          Promise.reject(markConnectionLoss(e)),
        )) as typeof pool.connect;
  // an idle connection's error (e.g. Postgres restarting) is logged, not fatal
  pool.on('error', (e) => logger.warn({ err: e }, 'graphile-worker pool connection error'));
  pool.on('connect', (client) => {
    client.on('error', (e) => logger.warn({ err: e }, 'graphile-worker connection error'));
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    client.query = ((...args: unknown[]) => {
      const r = query(...args);
      return r instanceof Promise ? r.catch((e) => Promise.reject(markConnectionLoss(e))) : r;
    }) as typeof client.query;
  });
  return pool;
}

/**
 * The trace ids of the step each running job opened, by graphile-worker's job id: graphile-worker logs
 * its lines about a job (found, completed, failed) itself, outside Otto's spans, and without a context
 * manager (D360) they are mapped here (D450). An entry is made when the step opens its span and dropped
 * when graphile-worker is done with the job (`job:complete`, after its last line).
 */
export class JobTraces {
  private readonly byJob = new Map<string, TraceFields>();

  /** The deps for one run of graphile-worker's job `jobId`: its first span is remembered for it. */
  bind(deps: PipelineDeps, jobId: string): PipelineDeps {
    // a number at run time when pg reads int8 as one, whatever graphile-worker's types say
    const key = String(jobId);
    return { ...deps, traceSink: (fields) => this.byJob.set(key, fields) };
  }

  of(jobId: string | undefined): TraceFields {
    return (jobId !== undefined && this.byJob.get(String(jobId))) || {};
  }

  forget(jobId: string): void {
    this.byJob.delete(String(jobId));
  }

  get size(): number {
    return this.byJob.size;
  }
}

/** Otto's tasks, their payloads typed by GraphileWorker.Tasks (queue.ts). */
export function taskList(base: PipelineDeps, traces = new JobTraces()): TaskList {
  const d = (helpers: { job: { id: string } }) => traces.bind(base, helpers.job.id);
  const tasks: { [K in keyof GraphileWorker.Tasks]: Task<K> } = {
    otto_admit: async (p, helpers) => {
      await admitTenant(d(helpers), p.company_id);
    },
    otto_advance: (p, helpers) => advance(d(helpers), p, helpers.job.attempts),
    otto_poll: (p, helpers) => poll(d(helpers), p.operation_id),
    otto_sweep_timeouts: async (_p, helpers) => {
      await sweepTimeouts(d(helpers));
    },
    otto_admit_all: async (_p, helpers) => {
      await admitAll(d(helpers));
    },
    otto_prune: async (_p, helpers) => {
      await prune(d(helpers));
    },
  };
  return tasks;
}

/** graphile-worker's log lines through Otto's logger; a line about a job (its scope's, or the job in the
 * line's meta: "Completed task …" is logged by the worker's own scope) carries that job's trace (D450). */
export function workerLogger(log: Logger, traces: JobTraces): WorkerLogger {
  return new WorkerLogger((scope) => (level, message, meta) => {
    // graphile-worker logs every completed job at info: a line per job is debug detail for Otto
    const method = level === 'error' ? 'error' : level === 'warning' ? 'warn' : 'debug';
    const job = (meta as { job?: { id?: unknown } } | undefined)?.job;
    const jobId = scope.jobId ?? (job?.id === undefined ? undefined : String(job.id));
    log[method]({ ...meta, ...traces.of(jobId) }, message);
  });
}

export interface RunningWorker {
  runner: Runner;
  stop(): Promise<void>;
}

export interface WorkerOptions {
  heartbeat?: Heartbeat;
  /** how long stopping waits for graphile-worker to record the outcome of this process's jobs */
  settleTimeoutMs?: number;
}

export async function startWorker(
  deps: PipelineDeps,
  pool: pg.Pool,
  options: WorkerOptions = {},
): Promise<RunningWorker> {
  const { heartbeat } = options;
  const log = deps.logger.child({ component: 'graphile-worker' });
  const traces = new JobTraces();
  const logger = workerLogger(log, traces);
  // graphile-worker's ids of this process's workers go into the heartbeat, for crash recovery
  const events: WorkerEvents = new EventEmitter();
  const lockIds = new Set<string>();
  // emitted after graphile-worker's last line about the job
  events.on('job:complete', ({ job }) => traces.forget(job.id));
  // graphile-worker 0.17 locks jobs with its pool's id (batched job fetching), older code paths with each
  // worker's id: record both, so a reaper can release whatever this process held
  events.on('pool:create', ({ workerPool }) => {
    lockIds.add(workerPool.id);
    heartbeat?.addWorkerId(workerPool.id);
  });
  events.on('worker:create', ({ worker }) => {
    lockIds.add(worker.workerId);
    heartbeat?.addWorkerId(worker.workerId);
  });
  // one fresh fetch per announced job, not one per busy worker (D521)
  nudgeIdleFirst(events);
  const waker = wakeOnDue(deps, events);
  const runner = await run({
    pgPool: pool,
    events,
    concurrency: deps.config.jobs.workerConcurrency,
    noHandleSignals: true,
    // idle workers poll rarely: the waker starts scheduled jobs (D432)
    pollInterval: deps.config.jobs.pollIntervalMs,
    preset: { worker: batching(deps.config.jobs) },
    logger,
    taskList: taskList(deps, traces),
    parsedCronItems: parseCronItems([
      { task: TASK.sweepTimeouts, match: '* * * * *', options: { backfillPeriod: 0 } },
      { task: TASK.admitAll, match: '* * * * *', options: { backfillPeriod: 0 } },
      { task: TASK.prune, match: '17 * * * *', options: { backfillPeriod: 0 } },
    ]),
  });
  waker.start();
  heartbeat?.onReaped(() => waker.poke());
  return {
    runner,
    async stop() {
      await waker.stop();
      await runner.stop();
      await settle(pool, [...lockIds], options.settleTimeoutMs ?? 30_000, log);
    },
  };
}

/**
 * The waker (wake.ts, D432), fed by graphile-worker's events: a new job's notification, a reconnected
 * listener, and a failed job of this process once its failure (and so its next run_at) is written.
 */
function wakeOnDue(
  deps: PipelineDeps,
  events: WorkerEvents,
): { start(): void; poke(): void; stop(): Promise<void> } {
  let pool: { nudge(n: number): void } | null = null;
  let waker: Waker | null = null;
  const failed = new Set<string>();
  const poke = () => waker?.poke();
  events.on('pool:create', ({ workerPool }) => {
    pool = workerPool;
  });
  events.on('pool:listen:notification', ({ message }) => {
    // a notice of jobs scheduled ahead follows their own notification, which poked already (D580)
    if (message.channel === 'jobs:insert' && aheadNotified(message.payload) === 0) poke();
  });
  events.on('pool:listen:success', poke);
  events.on('job:error', ({ job }) => failed.add(job.id));
  events.on('job:complete', ({ job }) => {
    if (failed.delete(job.id)) poke();
  });
  return {
    start() {
      waker = startWaker(deps.db, deps.logger.child({ component: 'waker' }), {
        checkMs: deps.config.jobs.wakeCheckMs,
        maxSleepMs: Math.min(WAKE_SAFETY_NET_MS, deps.config.jobs.pollIntervalMs),
        tasks: Object.values(TASK),
        nudge: (n) => pool?.nudge(n),
      });
    },
    poke,
    async stop() {
      await waker?.stop();
    },
  };
}

/** The waker's longest sleep: a job made due unseen (another process's graceful stop, graphile-worker's
 * four-hour lock expiry) starts within this (D432). */
const WAKE_SAFETY_NET_MS = 10_000;

/** graphile-worker's batching, off unless configured (D291): a SIGKILLed process's locally queued and
 * completed-but-unwritten jobs stay locked by its pool's id, which its heartbeat carries, so the reaper
 * releases them after WORKER_DEAD_AFTER_MS and they run again (every task is safe to run twice). */
function batching(jobs: { localQueueSize: number; batchDelayMs: number }) {
  return {
    ...(jobs.localQueueSize > 0 ? { localQueue: { size: jobs.localQueueSize } } : {}),
    ...(jobs.batchDelayMs >= 0
      ? { completeJobBatchDelay: jobs.batchDelayMs, failJobBatchDelay: jobs.batchDelayMs }
      : {}),
  };
}

// graphile-worker 0.17 records a job's completion or failure without awaiting it, and retries that write
// through a database outage with backoff (D41). Its runner's stop does not wait for those writes: the pool
// ended under one still retrying, the write was lost (the job stayed locked for hours) and its rejection
// escaped (D42). Before the pool is ended, wait until no job is locked by this process any more.
async function settle(pool: pg.Pool, lockIds: string[], timeoutMs: number, log: Logger): Promise<void> {
  if (lockIds.length === 0) return;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { rows } = await pool.query<{ n: number }>(
        'select count(*)::int as n from graphile_worker._private_jobs where locked_by = any($1::text[])',
        [lockIds],
      );
      if (rows[0]?.n === 0) return;
    } catch {
      // the database is away: graphile-worker's writes are waiting for it too
    }
    if (Date.now() > deadline) {
      log.warn(
        { lockIds },
        'stopping with jobs still locked by this process; the heartbeat reaper frees them',
      );
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
