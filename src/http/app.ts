// buildApp never listens: main.ts does, tests use an ephemeral port. Route groups are mounted here, in
// the order the contract lists them.
import Koa from 'koa';
import type { Config } from '../config.ts';
import type { Db } from '../db/knex.ts';
import type { EventHub } from '../events/stream.ts';
import { type Clock, type PipelineDeps, systemClock } from '../jobs/deps.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { MetricsHistory } from '../metrics-history.ts';
import type { AppState } from './context.ts';
import { authFailureLimiter, provideLimiter } from './middleware/auth-failures.ts';
import { errorEnvelope } from './middleware/errors.ts';
import { requestId } from './middleware/request-id.ts';
import { sameOriginWrites } from './middleware/same-origin.ts';
import { telemetry } from './middleware/telemetry.ts';
import { bulkRetryRoutes } from './routes/bulk-retry.ts';
import { callRailRoutes } from './routes/callrail.ts';
import { consoleRoutes } from './routes/console.ts';
import { docsRoutes } from './routes/docs.ts';
import { eventRoutes } from './routes/events.ts';
import { healthRoutes, type WorkerCheck } from './routes/health.ts';
import { journeyRoutes } from './routes/journey.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { operatorRoutes } from './routes/operators.ts';
import { opsRoutes } from './routes/ops.ts';
import { overviewRoutes } from './routes/overview.ts';
import { readRoutes } from './routes/reads.ts';
import { recordingSessionRoutes } from './routes/recording-sessions.ts';
import { shunyaWebhookRoutes } from './routes/shunya-webhook.ts';
import { tenantAdminRoutes } from './routes/tenant-admin.ts';
import { testTrafficRoutes } from './routes/test-traffic.ts';
import { webhookInboxRoutes } from './routes/webhook-inbox.ts';
import { gateFor } from './tenant-gate.ts';

export interface AppDeps {
  config: Config;
  db: Db;
  logger: Logger;
  workerCheck: WorkerCheck;
  /** What the webhook receiver and the ops API drive; without it those routes are not mounted. */
  pipeline?: PipelineDeps;
  /** The event stream's hub; without it /api/v1/events is not mounted. */
  hub?: EventHub;
  metrics?: Metrics;
  /** Compared with pending retries' due times when a trigger admits its job; the system clock by default. */
  clock?: Clock;
  /** What this process measured recently, for the console's charts. */
  history?: MetricsHistory;
}

export function buildApp(deps: AppDeps): Koa<AppState> {
  const app = new Koa<AppState>();
  app.proxy = false;
  app.silent = true; // errors are answered and logged by errorEnvelope, not printed by Koa
  app.use(telemetry(deps.metrics));
  app.use(requestId(deps.logger));
  app.use(errorEnvelope());
  app.use(sameOriginWrites(deps.config));
  app.use(provideLimiter(authFailureLimiter(deps.config, deps.logger, deps.metrics)));
  const gate = gateFor(deps.config.db.poolMax);
  const routers = [
    healthRoutes(deps.db, deps.workerCheck),
    docsRoutes(),
    callRailRoutes(deps.config, deps.db, deps.clock ?? systemClock, gate),
    recordingSessionRoutes(deps.config, deps.db, deps.clock ?? systemClock, gate),
    readRoutes(deps.config, deps.db),
    operatorRoutes(deps.config, deps.db),
    tenantAdminRoutes(deps.config, deps.db),
    journeyRoutes(deps.config, deps.db),
    consoleRoutes(deps.config, deps.db),
  ];
  if (deps.pipeline)
    routers.push(
      shunyaWebhookRoutes(deps.pipeline, deps.metrics),
      opsRoutes(deps.pipeline),
      bulkRetryRoutes(deps.pipeline),
      webhookInboxRoutes(deps.pipeline),
      overviewRoutes(deps.pipeline, deps.history),
      testTrafficRoutes(deps.pipeline),
    );
  if (deps.hub) routers.push(eventRoutes(deps.config, deps.db, deps.hub, deps.metrics));
  if (deps.metrics) routers.push(metricsRoutes(deps.metrics, deps.config, deps.db));
  for (const router of routers) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return app;
}
