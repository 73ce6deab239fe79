// Otto's HTTP app alone (no worker, no Shunya: UWC_BASE_URL points at a closed port) on a test database, in
// development on loopback, so the console needs no login: what the console's browser tests that drive the
// operations API, not a job's processing, start.
import { loadConfig } from '../../src/config.ts';
import { buildApp } from '../../src/http/app.ts';
import { type PipelineDeps, systemClock } from '../../src/jobs/deps.ts';
import { createLogger } from '../../src/logger.ts';
import { shunyaClientFromConfig } from '../../src/shunya/client.ts';
import { shunyaNormalizers } from '../../src/steps/normalizers.ts';
import type { TestDatabase } from './db.ts';
import { type Listening, listen } from './http.ts';
import { FAST_ENV } from './stack.ts';

export async function startConsoleApp(t: TestDatabase): Promise<Listening> {
  const config = loadConfig({
    ...FAST_ENV,
    NODE_ENV: 'development',
    DATABASE_URL: t.url,
    UWC_BASE_URL: 'http://127.0.0.1:9',
  });
  const pipeline: PipelineDeps = {
    db: t.db,
    config,
    logger: createLogger('silent'),
    client: shunyaClientFromConfig(config),
    normalize: shunyaNormalizers,
    clock: systemClock,
  };
  return listen(
    buildApp({ config, db: t.db, logger: createLogger('silent'), pipeline, workerCheck: async () => 'ok' }),
  );
}
