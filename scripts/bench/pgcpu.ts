// Where Postgres's CPU goes during a phase (D530): the CPU of each child of the postmaster (/proc), named by
// pg_stat_activity (backend_type; for a client backend, which connection it is), plus the postmaster itself
// and the backends that exited (their CPU lands in the postmaster's cutime). With it, the server-wide
// counters the candidates of issue 21's Postgres step need: WAL volume, checkpoints, autovacuum runs per
// table, backends started and ended, and the indexes no read used.
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { withDatabase } from '../../src/db/url.ts';

const TICKS = 100; // USER_HZ on Linux

/** utime + stime (own), cutime + cstime (exited children waited for), in seconds; null when gone. */
function procTimes(pid: number): { own: number; sys: number; children: number; ppid: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const x = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      ppid: Number(x[1]),
      own: (Number(x[11]) + Number(x[12])) / TICKS,
      sys: Number(x[12]) / TICKS,
      children: (Number(x[13]) + Number(x[14])) / TICKS,
    };
  } catch {
    return null;
  }
}

/**
 * The pids that may be `parent`'s children: the kernel's list of its main thread's children (the
 * postmaster forks from its only thread), or, where the kernel has no such list, every process (D593).
 * Reading every process's stat twice a second was most of the load generator's own CPU at half load.
 */
export function candidateChildren(parent: number): number[] {
  try {
    return readFileSync(`/proc/${parent}/task/${parent}/children`, 'utf8')
      .split(' ')
      .filter((x) => x !== '')
      .map(Number);
  } catch {
    return readdirSync('/proc')
      .filter((e) => /^\d+$/.test(e))
      .map(Number);
  }
}

/** CPU seconds of each live child of `parent`: in all, and in the kernel (system time). */
export function childrenCpu(parent: number): Map<number, { all: number; sys: number }> {
  const out = new Map<number, { all: number; sys: number }>();
  for (const pid of candidateChildren(parent)) {
    const t = procTimes(pid);
    if (t && t.ppid === parent) out.set(pid, { all: t.own + t.children, sys: t.sys });
  }
  return out;
}

export interface ActivityRow {
  pid: number;
  backend_type: string;
  datname: string | null;
  application_name: string;
  query: string;
}

/** The bench's own connections name themselves (D530); Otto's do not, so their queries tell them apart. */
export const BENCH_APP = 'otto-bench';
export const SAMPLER_APP = 'otto-bench-pgcpu';
export const SAMPLER_GROUP = 'client: the bench (pg_stat_activity sampler)';

/**
 * What one sampled query says about the connection that ran it. graphile-worker's own SQL is lower case
 * (`with j as (select jobs.job_queue_id …`, `delete from graphile_worker._private_jobs …`); Otto's is upper
 * case, and its calls of graphile_worker.add_job run inside its own transactions (D530).
 */
export function queryTag(query: string): 'listen' | 'graphile-worker' | 'otto' | null {
  const q = query.trimStart();
  if (/^LISTEN\b/i.test(q)) return 'listen';
  if (/^(BEGIN|COMMIT|ROLLBACK|SELECT 1)\b/i.test(q) || q === '') return null;
  if (/^(with|select|delete|update|insert)\b/.test(q) && q.includes('graphile_worker'))
    return 'graphile-worker';
  return 'otto';
}

/** The group a backend's CPU is reported under. */
export function groupOf(
  a: Pick<ActivityRow, 'backend_type' | 'datname' | 'application_name'>,
  tags: Map<string, number> | undefined,
  database: string,
): string {
  if (a.backend_type !== 'client backend') return a.backend_type;
  if (a.application_name === SAMPLER_APP) return SAMPLER_GROUP;
  if (a.application_name === BENCH_APP) return 'client: the bench';
  if (a.datname !== database) return `client: database ${a.datname ?? '?'}`;
  if (a.application_name) return `client: ${a.application_name}`;
  const n = (k: string) => tags?.get(k) ?? 0;
  if (n('listen') > 0) return 'client: Otto LISTEN connection';
  if (n('graphile-worker') > 0 && n('graphile-worker') >= n('otto')) return "client: graphile-worker's pool";
  if (n('otto') > 0) return "client: Otto's pool";
  return 'client: Otto, idle when sampled';
}

interface SamplerEnd {
  pm: ReturnType<typeof procTimes>;
  counters1: PgCounters;
}

interface Seen {
  row: ActivityRow;
  tags: Map<string, number>;
  /** the CPU seconds at the phase's start (0 when it started during the phase) and when last seen */
  cpu0: number;
  cpuLast: number;
  sys0: number;
  sysLast: number;
  alive: boolean;
  isNew: boolean;
}

export interface PgCounters {
  walRecords: number;
  walFpi: number;
  walBytes: number;
  walWrites: number;
  walSyncs: number;
  checkpointsTimed: number;
  checkpointsRequested: number;
  /** autovacuum and autoanalyze runs of this database's tables, by table */
  autovacuum: Record<string, { vacuums: number; analyzes: number }>;
  /** rows inserted, updated (HOT among them), deleted, by table (the tables with any) */
  tuples: Record<string, { ins: number; upd: number; hot: number; del: number }>;
  /** scans of each index, and the table it belongs to */
  indexScans: Record<string, { table: string; scans: number }>;
}

export interface PgCpuResult {
  /** CPU milliseconds per call by process group (sums to the Postgres figure of cpuMsPerCall) */
  msPerCall: Record<string, number>;
  /** of which in the kernel (system time: WAL writes and fsyncs, sockets, signals), by live process group */
  systemMsPerCall?: Record<string, number>;
  /** WAL writes and syncs (fdatasync at each flush) per call */
  walWritesPerCall?: number;
  walSyncsPerCall?: number;
  /** backends per group (seen alive at some sample during the phase) */
  backends: Record<string, number>;
  backendsStarted: number;
  backendsEnded: number;
  /** WAL, checkpoints, autovacuum and tuple counts over the phase, per call where it says so */
  walBytesPerCall: number;
  walRecordsPerCall: number;
  walFpiPerCall: number;
  checkpoints: { timed: number; requested: number };
  autovacuum: Record<string, { vacuums: number; analyzes: number }>;
  tuplesPerCall: Record<string, { ins: number; upd: number; hot: number; del: number }>;
  /** indexes no statement scanned during the phase on tables the phase wrote: each write maintained them
   * for no read of this phase (a read outside the bench's path may still need them) */
  unscannedIndexes: { table: string; index: string }[];
}

const num = (v: unknown) => Number(v ?? 0);

async function counters(c: pg.Client, databaseUrl: string): Promise<PgCounters> {
  const wal = (await c.query('SELECT wal_records, wal_fpi, wal_bytes, wal_write, wal_sync FROM pg_stat_wal'))
    .rows[0];
  const cp = (await c.query('SELECT num_timed, num_requested FROM pg_stat_checkpointer')).rows[0];
  // pg_stat_user_tables is per database: the sampler sits in `postgres`, so this one asks the bench's
  const tables = await withClient(databaseUrl, (t) =>
    t.query(
      `SELECT schemaname || '.' || relname AS t, autovacuum_count AS v, autoanalyze_count AS a,
              n_tup_ins AS ins, n_tup_upd AS upd, n_tup_hot_upd AS hot, n_tup_del AS del
       FROM pg_stat_user_tables`,
    ),
  );
  const indexes = await withClient(databaseUrl, (t) =>
    t.query(
      `SELECT schemaname || '.' || relname AS t, schemaname || '.' || indexrelname AS i, idx_scan AS n
       FROM pg_stat_user_indexes`,
    ),
  );
  const indexScans: PgCounters['indexScans'] = {};
  for (const r of indexes.rows) indexScans[r.i] = { table: r.t, scans: num(r.n) };
  const autovacuum: PgCounters['autovacuum'] = {};
  const tuples: PgCounters['tuples'] = {};
  for (const r of tables.rows) {
    autovacuum[r.t] = { vacuums: num(r.v), analyzes: num(r.a) };
    tuples[r.t] = { ins: num(r.ins), upd: num(r.upd), hot: num(r.hot), del: num(r.del) };
  }
  return {
    walRecords: num(wal.wal_records),
    walFpi: num(wal.wal_fpi),
    walBytes: num(wal.wal_bytes),
    walWrites: num(wal.wal_write),
    walSyncs: num(wal.wal_sync),
    checkpointsTimed: num(cp.num_timed),
    checkpointsRequested: num(cp.num_requested),
    autovacuum,
    tuples,
    indexScans,
  };
}

/** A query on another database of the same server (pg_stat_user_tables is per database). */
async function withClient<T>(url: string, f: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url, application_name: SAMPLER_APP });
  await c.connect();
  try {
    return await f(c);
  } finally {
    await c.end();
  }
}

/**
 * Samples Postgres over one phase: start() before the load, stop() once its calls finished. Its connection
 * sits in the `postgres` database so that pg_stat_statements (filtered to the bench's database) does not
 * count its sampling; its own backend's CPU is reported apart.
 */
export class PgCpuSampler {
  private client: pg.Client | null = null;
  private seen = new Map<number, Seen>();
  private timer: NodeJS.Timeout | null = null;
  private postmaster0 = { own: 0, children: 0 };
  private counters0: PgCounters | null = null;
  private sampling: Promise<void> = Promise.resolve();

  constructor(
    private readonly adminUrl: string,
    private readonly postmasterPid: number,
    private readonly database: string,
    private readonly everyMs = 500,
  ) {}

  async start(): Promise<void> {
    this.client = new pg.Client({ connectionString: this.adminUrl, application_name: SAMPLER_APP });
    await this.client.connect();
    this.counters0 = await counters(this.client, withDatabase(this.adminUrl, this.database));
    const pm = procTimes(this.postmasterPid);
    this.postmaster0 = { own: pm?.own ?? 0, children: pm?.children ?? 0 };
    await this.sample(true);
    this.timer = setInterval(() => {
      this.sampling = this.sampling.then(() => this.sample(false)).catch(() => {});
    }, this.everyMs);
  }

  private async sample(first: boolean): Promise<void> {
    if (!this.client) return;
    const cpu = childrenCpu(this.postmasterPid);
    const rows = (
      await this.client.query(
        `SELECT pid, backend_type, datname, application_name, left(query, 120) AS query FROM pg_stat_activity`,
      )
    ).rows as ActivityRow[];
    const byPid = new Map(rows.map((r) => [r.pid, r]));
    for (const s of this.seen.values()) s.alive = cpu.has(s.row.pid);
    for (const [pid, { all: seconds, sys }] of cpu) {
      const row = byPid.get(pid) ?? unnamed(pid);
      let s = this.seen.get(pid);
      if (!s) {
        s = {
          row,
          tags: new Map(),
          cpu0: first ? seconds : 0,
          cpuLast: seconds,
          sys0: first ? sys : 0,
          sysLast: sys,
          alive: true,
          isNew: !first,
        };
        this.seen.set(pid, s);
      }
      if (byPid.has(pid)) s.row = row;
      s.cpuLast = seconds;
      s.sysLast = sys;
      const tag = queryTag(row.query ?? '');
      if (tag) s.tags.set(tag, (s.tags.get(tag) ?? 0) + 1);
    }
  }

  /** The end of the phase: the last sample, the counters and the postmaster's times. */
  async stop(): Promise<SamplerEnd> {
    if (this.timer) clearInterval(this.timer);
    await this.sampling;
    await this.sample(false);
    const pm = procTimes(this.postmasterPid);
    const client = this.client as pg.Client;
    const counters1 = await counters(client, withDatabase(this.adminUrl, this.database));
    await client.end();
    this.client = null;
    return { pm, counters1 };
  }

  /** The phase's figures, per call of the `calls` that succeeded. */
  result({ pm, counters1: c1 }: SamplerEnd, calls: number): PgCpuResult {
    const per = (x: number) => x / Math.max(calls, 1);
    const ms: Record<string, number> = {};
    const backends: Record<string, number> = {};
    const systemMs: Record<string, number> = {};
    const add = (k: string, seconds: number) => (ms[k] = (ms[k] ?? 0) + per(seconds * 1000));
    add('postmaster', (pm?.own ?? 0) - this.postmaster0.own);
    // an exited child's whole life is in the postmaster's cutime; what it used before its last sample is
    // counted under its group above, the rest (and children born and gone between samples) as "exited"
    let exitedSeen = 0;
    let started = 0;
    let ended = 0;
    for (const s of this.seen.values()) {
      const group = groupOf(s.row, s.tags, this.database);
      backends[group] = (backends[group] ?? 0) + 1;
      if (s.isNew) started += 1;
      if (!s.alive) {
        ended += 1;
        exitedSeen += s.cpuLast;
      }
      add(group, s.cpuLast - s.cpu0);
      systemMs[group] = (systemMs[group] ?? 0) + per((s.sysLast - s.sys0) * 1000);
    }
    const exitedLives = (pm?.children ?? 0) - this.postmaster0.children;
    add('exited backends, after their last sample', exitedLives - exitedSeen);
    const c0 = this.counters0 as PgCounters;
    const tuplesPerCall = diffBy(c1.tuples, c0.tuples, (a, b) => ({
      ins: per(a.ins - (b?.ins ?? 0)),
      upd: per(a.upd - (b?.upd ?? 0)),
      hot: per(a.hot - (b?.hot ?? 0)),
      del: per(a.del - (b?.del ?? 0)),
    }));
    return {
      msPerCall: ms,
      systemMsPerCall: systemMs,
      backends,
      walWritesPerCall: per(c1.walWrites - c0.walWrites),
      walSyncsPerCall: per(c1.walSyncs - c0.walSyncs),
      backendsStarted: started,
      backendsEnded: ended,
      walBytesPerCall: per(c1.walBytes - c0.walBytes),
      walRecordsPerCall: per(c1.walRecords - c0.walRecords),
      walFpiPerCall: per(c1.walFpi - c0.walFpi),
      checkpoints: {
        timed: c1.checkpointsTimed - c0.checkpointsTimed,
        requested: c1.checkpointsRequested - c0.checkpointsRequested,
      },
      autovacuum: diffBy(c1.autovacuum, c0.autovacuum, (a, b) => ({
        vacuums: a.vacuums - (b?.vacuums ?? 0),
        analyzes: a.analyzes - (b?.analyzes ?? 0),
      })),
      tuplesPerCall,
      unscannedIndexes: unscanned(c0.indexScans, c1.indexScans, tuplesPerCall),
    };
  }
}

/** The indexes of written tables that no scan used between the two samples. */
export function unscanned(
  before: PgCounters['indexScans'],
  after: PgCounters['indexScans'],
  written: PgCpuResult['tuplesPerCall'],
): { table: string; index: string }[] {
  return Object.entries(after)
    .filter(([i, x]) => x.scans === (before[i]?.scans ?? 0) && written[x.table] !== undefined)
    .map(([index, x]) => ({ table: x.table, index }))
    .sort((a, b) => a.table.localeCompare(b.table) || a.index.localeCompare(b.index));
}

const unnamed = (pid: number): ActivityRow => ({
  pid,
  backend_type: processTitle(pid),
  datname: null,
  application_name: '',
  query: '',
});

/** A child pg_stat_activity does not list (the logger, a backend not yet registered): its process title. */
export function titleGroup(cmdline: string): string {
  const t = cmdline.replace(/\0/g, ' ').trim();
  // a child just forked still carries the postmaster's command line, before it names itself
  if (!t.startsWith('postgres: ')) return 'just forked (no title yet)';
  if (/\(\d+\)/.test(t)) return 'client backend (not yet registered)';
  return t.slice('postgres: '.length) || 'unknown';
}

function processTitle(pid: number): string {
  try {
    return titleGroup(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return 'unknown';
  }
}

/** b − a per key, keeping the keys whose difference is not all zero. */
function diffBy<T extends object>(
  b: Record<string, T>,
  a: Record<string, T>,
  f: (x: T, y: T | undefined) => T,
) {
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(b)) {
    const d = f(v, a[k]);
    if (Object.values(d).some((n) => n !== 0)) out[k] = d;
  }
  return out;
}
