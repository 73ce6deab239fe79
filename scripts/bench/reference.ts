// The reference: graphile-worker's own no-op jobs per second on the same database and machine, so that
// Otto's calls per second can be read against what the queue alone does.
import { Logger, run } from 'graphile-worker';
import pg from 'pg';
import type { Db } from '../../src/db/knex.ts';
import type { Progress } from './phase.ts';

export async function noopJobsPerSecond(
  db: Db,
  url: string,
  jobs: number,
  concurrency: number,
  progress: Progress,
): Promise<number> {
  await db.raw(`SELECT graphile_worker.add_job('bench_noop', '{}'::json) FROM generate_series(1, ?)`, [jobs]);
  const pool = new pg.Pool({ connectionString: url, max: concurrency + 4 });
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const t0 = performance.now();
  let done = 0;
  const runner = await run({
    pgPool: pool,
    concurrency,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: new Logger(() => () => {}),
    taskList: {
      bench_noop: async () => {
        done++;
      },
    },
  });
  while (done < jobs) {
    progress('no-op jobs', done, jobs);
    await new Promise((r) => setTimeout(r, 200));
  }
  progress('no-op jobs', jobs, jobs);
  const perS = jobs / ((performance.now() - t0) / 1000);
  await runner.stop();
  await pool.end();
  return perS;
}
