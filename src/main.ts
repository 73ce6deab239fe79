// Otto's entry point: parses the config, opens the database (embedded by default), migrates, and runs
// the role asked for (OTTO_ROLE: api, worker or all). SIGINT/SIGTERM shut down gracefully: the HTTP
// server stops taking requests and drains, graphile-worker finishes or releases its jobs, then the
// database connections close.
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { type Config, ConfigError, loadConfig } from './config.ts';
import { openDatabase } from './db/database.ts';
import { DataDirectoryError } from './db/embedded-access.ts';
import { createDb } from './db/knex.ts';
import { MigrationsPendingError, migrateAll, migrateOnStart, pendingMigrations } from './db/migrate.ts';
import { shareBreakers } from './events/breakers.ts';
import { PgListener } from './events/listener.ts';
import { startRelay } from './events/relay.ts';
import { EventHub } from './events/stream.ts';
import { buildApp } from './http/app.ts';
import { type Clock, type PipelineDeps, systemClock } from './jobs/deps.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics } from './metrics.ts';
import { MetricsHistory } from './metrics-history.ts';
import { shunyaClientFromConfig } from './shunya/client.ts';
import { instrumentedTransport } from './shunya/instrument.ts';
import { fetchTransport, httpTransport } from './shunya/transport.ts';
import type { ShunyaClient } from './shunya/types.ts';
import { shunyaNormalizers } from './steps/normalizers.ts';
import { startTracing } from './tracing.ts';
import { queueDepth } from './views/overview.ts';
import { type Heartbeat, startHeartbeat, workerAlive } from './worker/heartbeat.ts';
import { createWorkerPool, type RunningWorker, startWorker } from './worker/worker.ts';

export interface RunningOtto {
  url: string;
  databaseUrl: string;
  pipeline: PipelineDeps;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Otto's clock (tests move it forward to reach the 24 h timeout without waiting). */
  clock?: Clock;
  /** The fetch the Shunya client uses (instrumented for metrics either way). */
  fetch?: typeof fetch;
  /** Heartbeat timing, overriding WORKER_HEARTBEAT_MS / WORKER_DEAD_AFTER_MS (tests shorten it). */
  heartbeat?: { intervalMs?: number; deadAfterMs?: number };
  /** How often the console's charts sample this process's metrics (10 s by default; tests shorten it). */
  historyIntervalMs?: number;
  /** Whether to migrate as Otto starts (default true; `node src/main.ts` reads OTTO_MIGRATE_ON_START, D188). */
  migrate?: boolean;
}

export async function startOtto(
  config: Config,
  logger: Logger = createLogger(config.logLevel),
  opts: StartOptions = {},
): Promise<RunningOtto> {
  // before anything makes a span; the SDK is imported only when OTEL_* ask for export (D195)
  const tracing = await startTracing(config.otel, logger);
  const database = await openDatabase(config, (line) => logger.debug({ postgres: line.trim() }));
  const db = createDb(
    database.url,
    { max: config.db.poolMax, min: config.db.poolMin, planCacheMode: config.db.planCacheMode },
    logger,
  );
  if (opts.migrate ?? true) {
    const applied = await migrateAll(db, database.url);
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  } else {
    const pending = await pendingMigrations(db);
    if (pending.length > 0) {
      await db.destroy();
      await database.stop();
      throw new MigrationsPendingError(pending);
    }
  }

  const api = config.role === 'api' || config.role === 'all';
  const worker = config.role === 'worker' || config.role === 'all';
  const listener = new PgListener(database.url, logger);
  const hub = new EventHub(db, listener);
  let client: ShunyaClient | undefined;
  const metrics = createMetrics(db, {
    breakerStates: () => client?.breakerStates() ?? [],
    subscribers: () => hub.size,
    streamBuffers: () => hub.bufferedBytes(),
  });
  const breakers = shareBreakers(db, listener, logger);
  client = shunyaClientFromConfig(config, {
    transport: instrumentedTransport(metrics, opts.fetch ? fetchTransport(opts.fetch) : httpTransport()),
    logger: logger.child({ component: 'shunya-client' }),
    onBreakerOpen: (endpoint, companyId, untilMs) => {
      metrics.breakerOpens.inc({ endpoint });
      breakers.opened(endpoint, companyId, untilMs);
    },
  });
  breakers.listen(client);
  const pipeline: PipelineDeps = {
    db,
    config,
    logger,
    client,
    normalize: shunyaNormalizers,
    clock: opts.clock ?? systemClock,
    metrics: {
      unmappedValue: (field) => metrics.unmappedValues.inc({ field }),
      unreadableAnswer: (kind, step) => metrics.unreadableAnswers.inc({ kind, step }),
    },
  };

  const relay = api
    ? startRelay(db, listener, logger, {
        coalesceMs: config.events.relayCoalesceMs,
        minIntervalMs: config.events.relayMinIntervalMs,
      })
    : undefined;
  await listener.start();
  let heartbeat: Heartbeat | undefined;
  let runningWorker: RunningWorker | undefined;
  let workerPool: pg.Pool | undefined;
  if (worker) {
    workerPool = createWorkerPool(database.url, config.jobs.workerPoolMax, logger, config.jobs.workerPoolMin);
    heartbeat = await startHeartbeat(db, logger, {
      intervalMs: config.jobs.heartbeatMs,
      deadAfterMs: config.jobs.deadAfterMs,
      ...opts.heartbeat,
    });
    runningWorker = await startWorker(pipeline, workerPool, { heartbeat });
  }

  let server: Server | undefined;
  let history: MetricsHistory | undefined;
  if (api) {
    history = new MetricsHistory(metrics, () => queueDepth(db), logger, opts.historyIntervalMs).start();
    const app = buildApp({
      history,
      config,
      db,
      logger,
      pipeline,
      hub,
      metrics,
      workerCheck: async () => ((await workerAlive(db)) ? 'ok' : 'unreachable'),
    });
    server = createServer(app.callback());
    await new Promise<void>((resolve, reject) => {
      server?.once('error', reject);
      server?.listen(config.http.port, config.http.host, resolve);
    });
  }
  const address = server?.address();
  const url = typeof address === 'object' && address ? `http://${config.http.host}:${address.port}` : '';
  logger.info({ url, role: config.role, embedded_postgres: database.embedded }, 'otto started');

  let closed: Promise<void> | undefined;
  return {
    url,
    databaseUrl: database.url,
    pipeline,
    close() {
      closed ??= (async () => {
        if (server) {
          const s = server;
          const drained = new Promise<void>((resolve) => s.close(() => resolve()));
          s.closeIdleConnections();
          // event streams never end by themselves: close them after a short grace period
          setTimeout(() => s.closeAllConnections(), 2000).unref();
          await drained;
        }
        history?.stop();
        await runningWorker?.stop();
        await heartbeat?.stop();
        await workerPool?.end();
        await relay?.stop();
        await listener.stop();
        await db.destroy();
        await database.stop();
        await tracing?.shutdown();
        logger.info('otto stopped');
      })();
      return closed;
    },
  };
}

/** A set-up problem the user fixes (D93) is one line on stderr and exit code 1, not a stack trace. */
export function exitOnSetupError(e: unknown): never {
  if (e instanceof DataDirectoryError || e instanceof MigrationsPendingError || e instanceof ConfigError) {
    process.stderr.write(`otto: ${e.message}\n`);
    process.exit(1);
  }
  throw e;
}

/** The configuration, or the list of its problems on stderr (no stack trace) and exit code 1. */
export function loadConfigOrExit(env: Record<string, string | undefined>): Config {
  try {
    return loadConfig(env);
  } catch (e) {
    return exitOnSetupError(e);
  }
}

/** Runs until SIGINT/SIGTERM, then shuts down gracefully. */
export function runUntilSignal(close: () => Promise<void>, logger: Logger): void {
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    close().then(
      () => process.exit(0),
      (e) => {
        logger.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const config = loadConfigOrExit(process.env);
  const logger = createLogger(config.logLevel);
  const migrate = migrateOnStart(process.env);
  const otto = await startOtto(config, logger, { migrate }).catch(exitOnSetupError);
  runUntilSignal(otto.close, logger);
}
