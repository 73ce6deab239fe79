// The bench's Postgres CPU breakdown (D530): which connection a client backend is, from its application
// name or, for Otto's unnamed connections, from the queries it was seen running; and the report's table.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BENCH_APP,
  childrenCpu,
  groupOf,
  queryTag,
  SAMPLER_APP,
  titleGroup,
  unscanned,
} from '../../scripts/bench/pgcpu.ts';
import { postgresCpuLines } from '../../scripts/bench/report.ts';

const client = (application_name = '', datname = 'otto_bench') => ({
  backend_type: 'client backend',
  datname,
  application_name,
});
const tags = (entries: [string, number][]) => new Map(entries);

describe('bench Postgres CPU breakdown', () => {
  it("tells graphile-worker's lower-case SQL from Otto's, and ignores transaction control", () => {
    expect(
      queryTag('with j as (select jobs.job_queue_id, jobs.priority from graphile_worker._private_jobs'),
    ).toBe('graphile-worker');
    expect(queryTag('delete from graphile_worker._private_jobs as jobs where id = $1')).toBe(
      'graphile-worker',
    );
    expect(queryTag('SELECT graphile_worker.add_job($1, $2)')).toBe('otto');
    expect(queryTag('WITH submitted AS (UPDATE shunya_operations SET')).toBe('otto');
    expect(queryTag('select "running" from "tenant_admission" where "company_id" = $1')).toBe('otto');
    expect(queryTag('LISTEN "otto_outbox"')).toBe('listen');
    expect(queryTag('COMMIT')).toBeNull();
    expect(queryTag('BEGIN')).toBeNull();
    expect(queryTag('')).toBeNull();
  });

  it('names a backend by its type, its application name, its database, then by what it ran', () => {
    expect(
      groupOf(
        { backend_type: 'autovacuum worker', datname: 'otto_bench', application_name: '' },
        undefined,
        'otto_bench',
      ),
    ).toBe('autovacuum worker');
    expect(groupOf(client(BENCH_APP), undefined, 'otto_bench')).toBe('client: the bench');
    expect(groupOf(client(SAMPLER_APP, 'postgres'), undefined, 'otto_bench')).toMatch(/sampler/);
    expect(groupOf(client('', 'postgres'), undefined, 'otto_bench')).toBe('client: database postgres');
    expect(
      groupOf(
        client(),
        tags([
          ['listen', 1],
          ['otto', 3],
        ]),
        'otto_bench',
      ),
    ).toBe('client: Otto LISTEN connection');
    expect(
      groupOf(
        client(),
        tags([
          ['graphile-worker', 4],
          ['otto', 1],
        ]),
        'otto_bench',
      ),
    ).toBe("client: graphile-worker's pool");
    expect(
      groupOf(
        client(),
        tags([
          ['graphile-worker', 1],
          ['otto', 4],
        ]),
        'otto_bench',
      ),
    ).toBe("client: Otto's pool");
    expect(groupOf(client(), tags([]), 'otto_bench')).toBe('client: Otto, idle when sampled');
  });

  it('reports the groups by CPU, with their shares, and the tables by rows written', () => {
    const lines = postgresCpuLines({
      msPerCall: { 'autovacuum worker': 1, "client: Otto's pool": 3 },
      systemMsPerCall: { 'autovacuum worker': 0.25, "client: Otto's pool": 1.5 },
      walSyncsPerCall: 4,
      backends: { 'autovacuum worker': 2, "client: Otto's pool": 5 },
      backendsStarted: 2,
      backendsEnded: 2,
      walBytesPerCall: 2048,
      walRecordsPerCall: 30,
      walFpiPerCall: 1.5,
      checkpoints: { timed: 1, requested: 0 },
      autovacuum: { 'graphile_worker._private_jobs': { vacuums: 3, analyzes: 1 } },
      tuplesPerCall: {
        'public.calls': { ins: 1, upd: 0, hot: 0, del: 0 },
        'graphile_worker._private_jobs': { ins: 2, upd: 2, hot: 1, del: 2 },
      },
      unscannedIndexes: [{ table: 'public.calls', index: 'public.calls_created_idx' }],
    });
    const text = lines.join('\n');
    expect(text).toContain('4.00 ms per call');
    expect(text).toContain('WAL 2.0 kB, 30 records and 1.5 full-page images per call');
    const rows = lines.filter((l) => l.startsWith('| client') || l.startsWith('| autovacuum'));
    expect(rows).toEqual([
      "| client: Otto's pool | 3.00 | 1.50 | 75 % | 5 |",
      '| autovacuum worker | 1.00 | 0.25 | 25 % | 2 |',
    ]);
    expect(text).toContain('4.0 WAL syncs per call');
    const tables = lines.filter((l) => /^\| (public|graphile_worker)\./.test(l));
    expect(tables[0]).toBe('| graphile_worker._private_jobs | 2.00 | 2.00 (1.00) | 2.00 | 3 | 1 |');
    expect(tables[1]).toBe('| public.calls | 1.00 | 0.00 (0.00) | 0.00 | 0 | 0 |');
    expect(text).toContain('no statement scanned during the phase: `public.calls_created_idx`.');
  });

  it('names a child pg_stat_activity does not list by its process title', () => {
    expect(titleGroup('/opt/pg/bin/postgres\0-D\0/tmp/data\0-p\x2c32\0')).toBe('just forked (no title yet)');
    expect(titleGroup('postgres: postgres otto_bench 127.0.0.1(41234) authentication')).toBe(
      'client backend (not yet registered)',
    );
    expect(titleGroup('postgres: logger ')).toBe('logger');
  });

  it('lists the indexes of written tables that no scan used between the samples', () => {
    const before = {
      'public.a_pkey': { table: 'public.a', scans: 5 },
      'public.a_idle_idx': { table: 'public.a', scans: 2 },
      'public.b_idle_idx': { table: 'public.b', scans: 0 },
    };
    const after = {
      'public.a_pkey': { table: 'public.a', scans: 9 },
      'public.a_idle_idx': { table: 'public.a', scans: 2 },
      'public.b_idle_idx': { table: 'public.b', scans: 0 },
      'public.a_new_idx': { table: 'public.a', scans: 0 },
    };
    const written = { 'public.a': { ins: 1, upd: 0, hot: 0, del: 0 } };
    expect(unscanned(before, after, written)).toEqual([
      { table: 'public.a', index: 'public.a_idle_idx' },
      { table: 'public.a', index: 'public.a_new_idx' },
    ]);
  });
});

// D593: the sampler reads the kernel's list of the postmaster's children instead of every process's stat.
describe("the sampler's children of a process", () => {
  it('are the children a scan of every process finds, with their CPU', async () => {
    // its own process group, so that the sleeps end with it
    const parent = spawn('sh', ['-c', 'sleep 30 & sleep 30 & wait'], { stdio: 'ignore', detached: true });
    try {
      const pid = parent.pid as number;
      const scan = () =>
        readdirSync('/proc')
          .filter((e) => /^\d+$/.test(e))
          .filter((e) => {
            try {
              const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
              return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
            } catch {
              return false;
            }
          })
          .map(Number)
          .sort();
      let found: number[] = [];
      for (let i = 0; i < 100 && found.length < 2; i++) {
        found = scan();
        if (found.length < 2) await new Promise((r) => setTimeout(r, 20));
      }
      expect(found).toHaveLength(2);
      expect([...childrenCpu(pid).keys()].sort()).toEqual(found);
      for (const t of childrenCpu(pid).values()) expect(t.all).toBeGreaterThanOrEqual(0);
    } finally {
      process.kill(-(parent.pid as number), 'SIGKILL');
    }
  });
});
