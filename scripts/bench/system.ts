// One system under test for the benchmark: a fresh database on the benchmark's durable Postgres, migrated
// by the source tree under test (this repository, or a baseline copy), the simulator (zero latency, no
// faults) and Otto's processes in the layout asked for, plus the tenants the load uses. Everything the
// phases measure goes through here: pids for CPU, the database for statements and timings.
import pg from 'pg';
import { createDb, type Db } from '../../src/db/knex.ts';
import { withoutSocket } from '../../src/db/url.ts';
import { ROOT } from '../lib/procs.ts';
import { compiledSimulator } from '../lib/simulator-js.ts';
import {
  type Fleet,
  type Layout,
  migrate,
  type PgServer,
  type Simulator,
  startFleet,
  startSimulator,
} from '../lib/stack.ts';
import { createTenants, type Tenant, webhookRoutes } from '../lib/tenants.ts';
import { BENCH_APP } from './pgcpu.ts';
import { type PhaseProfiler, PRELOAD } from './profile.ts';

export const ADMIN = 'bench-admin-token';

export interface SystemOptions {
  pg: PgServer;
  /** a database name unique in this run */
  database: string;
  layout: Layout;
  /** graphile-worker concurrency (and the pool size) of each worker process */
  concurrency: number;
  /** load tenants, plus the fairness phase's two */
  tenants: number;
  /** the source tree to run Otto from (default: this repository) */
  root?: string;
  /** extra Otto environment (e.g. the quota) */
  env?: Record<string, string>;
  /** a V8 CPU profile of Otto's processes per phase (D292) */
  profiler?: PhaseProfiler;
  /** the simulator's environment (e.g. SIMULATOR_RETENTION_S) */
  simEnv?: Record<string, string>;
  /** Otto reaches Postgres over loopback TCP, as before the embedded server's Unix socket (the A/B's
   * baseline: D562) */
  overTcp?: boolean;
  /** server settings for this database only (`ALTER DATABASE … SET`): e.g. group commit for one side of
   * an A/B (D563) */
  dbSettings?: Record<string, string>;
}

export interface System {
  db: Db;
  dbName: string;
  /** the server's maintenance database, where the Postgres CPU sampler sits (D530) */
  pgAdminUrl: string;
  sim: Simulator;
  fleet: Fleet;
  load: Tenant[];
  flooder: Tenant;
  bystander: Tenant;
  profiler?: PhaseProfiler;
  pids(): Record<string, number[]>;
  stop(): Promise<void>;
}

export async function startSystem(o: SystemOptions): Promise<System> {
  const url = await o.pg.createDatabase(o.database);
  // the bench's own connections name themselves: their CPU is told apart from Otto's (D530)
  const db = createDb(withAppName(url, BENCH_APP), 6);
  await db.raw('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  // a utility statement takes no bind parameters: the name and value are quoted here
  for (const [k, v] of Object.entries(o.dbSettings ?? {}))
    await db.raw(
      `ALTER DATABASE ${pg.escapeIdentifier(o.database)} SET ${pg.escapeIdentifier(k)} = ${pg.escapeLiteral(v)}`,
    );
  await migrate(url, o.root ?? ROOT);
  // the simulator needs a webhook URL before Otto's ports are known: per-tenant routes replace it below
  const sim = await startSimulator({
    webhookUrl: 'http://127.0.0.1:9/unused',
    argv: ['--preset', 'happy', '--time-scale', '1', '--seed', '1'],
    ...(o.simEnv ? { env: o.simEnv } : {}),
    // compiled, as production runs it (D490): the simulator's CPU per call is part of the result
    main: compiledSimulator(),
  });
  const fleet = await startFleet({
    layout: o.layout,
    dbUrl: o.overTcp ? withoutSocket(url) : url,
    root: o.root,
    env: {
      UWC_BASE_URL: sim.url,
      LOG_LEVEL: 'warn',
      OTTO_ADMIN_TOKEN: ADMIN,
      WORKER_CONCURRENCY: String(o.concurrency),
      DB_POOL_MAX: String(o.concurrency),
      ...(o.profiler ? { BENCH_PROFILE_DIR: o.profiler.rawDir } : {}),
      ...o.env,
    },
    nodeArgs: o.profiler ? () => ['--import', PRELOAD] : undefined,
  });
  const tenants = await createTenants(fleet.apiUrls[0] as string, ADMIN, o.tenants + 2, {
    name: 'Bench tenant',
    callrailBase: 900_000_000,
  });
  await sim.admin('/config', { webhook_url: `${fleet.apiUrls[0]}/api/v1/shunya/webhook` }, 'PUT');
  await sim.admin('/config', { tenants: webhookRoutes(tenants, fleet.apiUrls) }, 'PUT');
  const [flooder, bystander] = tenants.slice(o.tenants) as [Tenant, Tenant];
  return {
    db,
    dbName: o.database,
    pgAdminUrl: o.pg.adminUrl,
    sim,
    fleet,
    load: tenants.slice(0, o.tenants),
    flooder,
    bystander,
    ...(o.profiler ? { profiler: o.profiler } : {}),
    pids: () => ({
      otto: fleet.pids(),
      simulator: sim.proc.child.pid ? [sim.proc.child.pid] : [],
      postgres: [o.pg.postmasterPid()],
    }),
    async stop() {
      await fleet.stop();
      sim.proc.child.kill('SIGTERM');
      await sim.proc.exited;
      await db.destroy();
    },
  };
}

function withAppName(url: string, name: string): string {
  const u = new URL(url);
  u.searchParams.set('application_name', name);
  return u.toString();
}
