// buildApp never listens: main.ts does, tests use an ephemeral port. Route groups are mounted here, in
// the order the contract lists them.
import Koa from 'koa';
import type { Config } from '../config.ts';
import type { Db } from '../db/knex.ts';
import type { Logger } from '../logger.ts';
import type { AppState } from './context.ts';
import { errorEnvelope } from './middleware/errors.ts';
import { requestId } from './middleware/request-id.ts';
import { docsRoutes } from './routes/docs.ts';
import { healthRoutes, type WorkerCheck } from './routes/health.ts';

export interface AppDeps {
  config: Config;
  db: Db;
  logger: Logger;
  workerCheck: WorkerCheck;
}

export function buildApp(deps: AppDeps): Koa<AppState> {
  const app = new Koa<AppState>();
  app.proxy = false;
  app.silent = true; // errors are answered and logged by errorEnvelope, not printed by Koa
  app.use(requestId(deps.logger));
  app.use(errorEnvelope());
  for (const router of [healthRoutes(deps.db, deps.workerCheck), docsRoutes()]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return app;
}
