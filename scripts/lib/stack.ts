// The process stack the scripts run against (bench, chaos, fuzz, demo): an embedded Postgres in a
// temporary directory (durable or not, restartable), the Shunya simulator as its own process, and Otto
// as one process (OTTO_ROLE=all) or as M API and N worker processes (OTTO_ROLE=api|worker), optionally
// supervised (restarted when they die, as a process manager would). Otto can run from another source
// tree than this one (the benchmark's A/B runs a baseline copy of the repository).
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { SIMULATOR_ENV, SIMULATOR_NODE_FLAGS } from '../../simulator/options.ts';
import { startEmbeddedPostgres } from '../../src/db/embedded.ts';
import { withDatabase } from '../../src/db/url.ts';
import { freePort } from '../../src/util/net.ts';
import { type NodeProcess, ROOT, startNode } from './procs.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- Postgres ------------------------------------------------------------------------------------------

export interface PgServer {
  /** URL of the `postgres` maintenance database (may create and drop databases). */
  adminUrl: string;
  /** The postmaster's pid (its backends are its children), for CPU accounting. */
  postmasterPid(): number;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  dropDatabase(name: string): Promise<void>;
  /** Fast shutdown, `downMs` of nothing, start again on the same data; returns how long it was down. */
  restart(downMs: number): Promise<number>;
  stop(): Promise<void>;
}

export interface PostgresOptions {
  /** fsync, synchronous_commit and full_page_writes on (the benchmark) or off (chaos, fuzz, demo). */
  durable: boolean;
  /** Loads pg_stat_statements (the benchmark counts statements per call). */
  statements?: boolean;
  maxConnections?: number;
  /** auto_explain: statements slower than `minMs` logged with EXPLAIN (ANALYZE, BUFFERS) to `file` (D531) */
  explain?: { file: string; minMs: number };
}

export async function startPostgres(o: PostgresOptions): Promise<PgServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'otto-stack-'));
  await chmod(dir, 0o755); // as root, Postgres runs as another OS user that must enter it
  const durability = o.durable ? 'on' : 'off';
  const options = {
    dataDir: path.join(dir, 'data'),
    port: await freePort(),
    database: 'postgres',
    // kept across a restart; the directory is removed by stop()
    persistent: true,
    settings: {
      fsync: durability,
      synchronous_commit: durability,
      full_page_writes: durability,
      max_connections: String(o.maxConnections ?? 300),
      ...(o.statements
        ? { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track_planning': 'on' }
        : {}),
      ...(o.explain ? explainSettings(o.statements === true, o.explain.minMs) : {}),
    },
    ...(o.explain ? { onLog: appendTo(o.explain.file) } : {}),
  };
  let server = await startEmbeddedPostgres(options);
  const adminUrl = server.adminUrl;
  return {
    adminUrl,
    postmasterPid: () =>
      Number(readFileSync(path.join(options.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]),
    async createDatabase(name) {
      await adminQuery(adminUrl, `CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      return withDatabase(adminUrl, name);
    },
    dropDatabase: (name) =>
      adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`),
    async restart(downMs) {
      const down = Date.now();
      await server.stop();
      await sleep(downMs);
      server = await startEmbeddedPostgres(options);
      return Date.now() - down;
    },
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** auto_explain's settings: the plans actually run, with their parameters' effect, rows and buffers. */
const explainSettings = (statements: boolean, minMs: number) => ({
  shared_preload_libraries: statements ? 'pg_stat_statements,auto_explain' : 'auto_explain',
  'auto_explain.log_min_duration': `${minMs}ms`,
  'auto_explain.log_analyze': 'on',
  'auto_explain.log_buffers': 'on',
  'auto_explain.log_triggers': 'on',
  'auto_explain.log_nested_statements': 'on',
  'auto_explain.log_format': 'text',
});

function appendTo(file: string): (line: string) => void {
  const out = createWriteStream(file, { flags: 'a' });
  return (line) => out.write(line.endsWith('\n') ? line : `${line}\n`);
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/** Applies the migrations of the source tree `root` (this repository by default) to `url`, in a child
 * process (with `env` on top of this one's: outside development it needs Otto's secrets, D135). */
export function migrate(url: string, root = ROOT, env: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/db-migrate.ts'], {
      cwd: root,
      env: { ...process.env, ...env, DATABASE_URL: url, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`migrating ${root}: ${out}`))));
  });
}

// ---- the Shunya simulator ----------------------------------------------------------------------------------

export interface Simulator {
  url: string;
  proc: NodeProcess;
  /** The simulator's control API (`/__sim/...`): JSON in, JSON out; throws on a non-2xx answer. */
  admin<T = unknown>(route: string, body?: unknown, method?: string): Promise<T>;
}

export async function startSimulator(o: {
  webhookUrl: string;
  argv?: string[];
  logFile?: string;
  logLevel?: string;
  env?: Record<string, string>;
  /** Node's flags for the simulator's process; SIMULATOR_NODE_FLAGS (its heap sized to what it holds, D372) by default. */
  nodeArgs?: string[];
  /** The compiled simulator's main.js (compileSimulator, D490); its TypeScript source under tsx when absent. */
  main?: string;
}): Promise<Simulator> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = await startNode('simulator', o.main ?? 'simulator/main.ts', {
    nodeArgs: o.nodeArgs ?? SIMULATOR_NODE_FLAGS,
    tsx: o.main === undefined,
    env: { ...SIMULATOR_ENV, LOG_LEVEL: o.logLevel ?? 'warn', ...o.env },
    argv: ['--port', String(port), '--webhook-url', o.webhookUrl, ...(o.argv ?? [])],
    ready: /listening on/,
    logFile: o.logFile,
  });
  return {
    url,
    proc,
    async admin<T>(route: string, body?: unknown, method = body === undefined ? 'GET' : 'POST') {
      const res = await fetch(`${url}/__sim${route}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`simulator ${method} ${route}: ${res.status} ${text}`);
      return (text ? JSON.parse(text) : null) as T;
    },
  };
}

// ---- Otto ----------------------------------------------------------------------------------------------

/** One process doing everything, or M API processes and N worker processes. */
export type Layout = 'all' | { apis: number; workers: number };

export interface Member {
  name: string;
  role: 'api' | 'worker' | 'all';
  /** The port an API (or all-in-one) process listens on, the same across restarts. */
  port: number | null;
  url: string | null;
  proc: NodeProcess;
}

export interface FleetFigures {
  starts: number;
  failedStarts: number;
  kills: Record<'api' | 'worker' | 'all', number>;
  unexpectedExits: { process: string; code: number | null; signal: string | null; atMs: number }[];
}

export interface Fleet {
  members: Member[];
  /** API (or all-in-one) members, in a fixed order: the load spreads over their URLs. */
  apis: Member[];
  workers: Member[];
  apiUrls: string[];
  pids(): number[];
  /** SIGKILL (by default) on purpose; a supervised fleet starts the process again. */
  kill(m: Member, signal?: NodeJS.Signals): Promise<void>;
  figures: FleetFigures;
  stop(): Promise<void>;
}

export interface FleetOptions {
  layout: Layout;
  dbUrl: string;
  /** Otto's environment (UWC_BASE_URL, OTTO_ADMIN_TOKEN, tuning); OTTO_ROLE, PORT and DATABASE_URL are set here. */
  env: Record<string, string>;
  /** The source tree to run Otto from (default this repository). */
  root?: string;
  logDir?: string;
  /** Restart a member that dies (killed on purpose or not), as a process manager would. */
  supervise?: boolean;
  nodeArgs?: (m: { name: string; role: Member['role'] }) => string[];
}

export function layoutOf(workers: number | undefined, apis: number | undefined): Layout {
  if (workers === undefined && apis === undefined) return 'all';
  const l = { apis: apis ?? 1, workers: workers ?? 1 };
  if (!Number.isInteger(l.apis) || !Number.isInteger(l.workers) || l.apis < 1 || l.workers < 1)
    throw new Error('--workers and --apis must be integers of at least 1');
  return l;
}

export const describeLayout = (l: Layout) =>
  l === 'all' ? 'one Otto process (API and worker)' : `${l.apis} API and ${l.workers} worker processes`;

export async function startFleet(o: FleetOptions): Promise<Fleet> {
  const started = Date.now();
  const probeDb = new pg.Pool({ connectionString: o.dbUrl, max: 1 });
  probeDb.on('error', () => {});
  const figures: FleetFigures = {
    starts: 0,
    failedStarts: 0,
    kills: { api: 0, worker: 0, all: 0 },
    unexpectedExits: [],
  };
  let stopping = false;
  const members: Member[] = [];
  if (o.layout === 'all') members.push(planned('otto', 'all', await freePort()));
  else {
    for (let i = 1; i <= o.layout.apis; i++) members.push(planned(`otto-api-${i}`, 'api', await freePort()));
    for (let i = 1; i <= o.layout.workers; i++) members.push(planned(`otto-worker-${i}`, 'worker', null));
  }

  // an API is ready when it answers /health; a worker once its heartbeat row exists (written before
  // graphile-worker starts)
  const answers = (url: string) =>
    fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) })
      .then((r) => r.status === 200)
      .catch(() => false);
  const beats = async (pid: number | undefined) =>
    (await probeDb.query('SELECT 1 FROM worker_heartbeats WHERE pid = $1 AND stopped_at IS NULL', [pid]))
      .rowCount === 1;

  const spawnMember = (m: Member) =>
    startNode(m.name, 'src/main.ts', {
      cwd: o.root,
      env: {
        ...o.env,
        OTTO_ROLE: m.role,
        DATABASE_URL: o.dbUrl,
        ...(m.url ? { PORT: String(m.port), PUBLIC_BASE_URL: m.url } : {}),
      },
      nodeArgs: o.nodeArgs?.(m),
      logFile: o.logDir ? path.join(o.logDir, `${m.name}.log`) : undefined,
      timeoutMs: 60_000,
      ready: {
        probe: async (child) =>
          (!m.url || (await answers(m.url))) && (m.role === 'api' || (await beats(child.pid))),
      },
    });

  async function start(m: Member): Promise<void> {
    for (;;) {
      try {
        m.proc = await spawnMember(m);
        figures.starts++;
        watch(m);
        return;
      } catch (e) {
        figures.failedStarts++;
        if (stopping || !o.supervise) throw e;
        await sleep(1000); // e.g. Postgres is restarting: try again
      }
    }
  }
  function watch(m: Member) {
    const proc = m.proc;
    void proc.exited.then(({ code, signal }) => {
      if (stopping) return;
      if (!proc.killedOnPurpose)
        figures.unexpectedExits.push({ process: m.name, code, signal, atMs: Date.now() - started });
      if (o.supervise) void start(m).catch(() => {});
    });
  }

  for (const m of members) await start(m);
  const apis = members.filter((m) => m.role !== 'worker');
  return {
    members,
    apis,
    workers: members.filter((m) => m.role !== 'api'),
    apiUrls: apis.map((m) => m.url as string),
    pids: () => members.map((m) => m.proc.child.pid).filter((x): x is number => x !== undefined),
    async kill(m, signal = 'SIGKILL') {
      const proc = m.proc;
      if (proc.child.exitCode !== null || proc.killedOnPurpose) return;
      proc.killedOnPurpose = true;
      figures.kills[m.role]++;
      proc.child.kill(signal);
      await proc.exited;
    },
    figures,
    async stop() {
      stopping = true;
      for (const m of members) m.proc.child.kill('SIGTERM');
      await Promise.race([Promise.all(members.map((m) => m.proc.exited)), sleep(20_000)]);
      for (const m of members) if (m.proc.child.exitCode === null) m.proc.child.kill('SIGKILL');
      await probeDb.end();
    },
  };
}

/** A member not started yet (its process is set by start()). */
function planned(name: string, role: Member['role'], port: number | null): Member {
  return {
    name,
    role,
    port,
    url: port === null ? null : `http://127.0.0.1:${port}`,
    proc: undefined as unknown as NodeProcess,
  };
}
