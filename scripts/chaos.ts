// npm run chaos [-- --short] [--calls 10000] [--tenants 20] [--rate 20] [--visits 0.2] [--duplicates 0.05]
//                [--kill-every 10] [--fault-rate 0.3] [--seed 1] [--deadline 3600]
//
// Exactly-once under chaos, with every part in its own process: Postgres (embedded), the Shunya simulator
// under its chaos preset (every fault kind; `--fault-rate` of requests, webhooks and jobs hit), Otto's API
// (OTTO_ROLE=api) and Otto's worker (OTTO_ROLE=worker). While CallRail triggers and recording uploads
// arrive across tenants (some delivered twice, as CallRail retries), the worker is SIGKILLed every
// `--kill-every` seconds and restarted (as a supervisor would), and Postgres is restarted once. Every
// tenant's event stream (SSE) is consumed throughout, reconnecting with Last-Event-ID.
//
// At the end it checks: every call and visit terminal; nothing lost (every acknowledged trigger has its
// rows, every succeeded job its results and events); no duplicate domain rows (every unique key of the
// schema, and the once-per-aggregate events); no cross-tenant rows (every foreign key, every event's
// aggregate, every stream); each outbox event exactly once (gap-free positions; each tenant's stream got
// exactly its events, in order, once). It prints the figures, writes bench/results/chaos-<time>.{json,md}
// (process logs in bench/results/chaos-<time>/) and exits non-zero on any violation.
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { mintDevToken } from '../src/auth/dev-token.ts';
import { loadConfig } from '../src/config.ts';
import { type RunningPostgres, startEmbeddedPostgres } from '../src/db/embedded.ts';
import { createDb, type Db } from '../src/db/knex.ts';
import { migrateAll } from '../src/db/migrate.ts';
import { freePort } from '../src/util/net.ts';
import { type NodeProcess, ROOT, startNode } from './lib/procs.ts';
import { openSse } from './lib/sse-client.ts';

const { values: a } = parseArgs({
  options: {
    short: { type: 'boolean', default: false },
    calls: { type: 'string' },
    tenants: { type: 'string' },
    rate: { type: 'string' },
    visits: { type: 'string', default: '0.2' },
    duplicates: { type: 'string', default: '0.05' },
    'kill-every': { type: 'string', default: '10' },
    'fault-rate': { type: 'string', default: '0.3' },
    seed: { type: 'string', default: '1' },
    deadline: { type: 'string' },
  },
});
const SHORT = a.short ?? false;
const CALLS = Number(a.calls ?? (SHORT ? 160 : 10_000));
const TENANTS = Number(a.tenants ?? (SHORT ? 4 : 20));
const RATE = Number(a.rate ?? (SHORT ? 4 : 20));
const VISITS = Number(a.visits);
const DUPLICATES = Number(a.duplicates);
const KILL_EVERY_S = Number(a['kill-every']);
const FAULT_RATE = Number(a['fault-rate']);
const SEED = Number(a.seed);
const DEADLINE_S = Number(a.deadline ?? (SHORT ? 420 : 3600));
const ADMIN = 'chaos-admin-token';

// ---- small utilities ----------------------------------------------------------------------------------

/** mulberry32: the load is the same for the same seed. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s`;
const say = (line: string) => console.log(`${elapsed()}  ${line}`);
let statusLine = '';
const status = (line: string) => {
  statusLine = line;
  if (process.stderr.isTTY) process.stderr.write(`\r${elapsed()}  ${line}`.padEnd(110));
};

// ---- the processes --------------------------------------------------------------------------------------

interface Figures {
  workerKills: number;
  workerStarts: number;
  workerStartFailures: number;
  unexpectedExits: { process: string; code: number | null; signal: string | null; at_s: number }[];
  postgresRestarts: number;
  postgresDownMs: number;
  triggers: {
    sent: number;
    acknowledged: number;
    duplicatesSent: number;
    retries: number;
    statuses: Record<string, number>;
  };
  sse: { received: number; reconnects: number };
}
const figures: Figures = {
  workerKills: 0,
  workerStarts: 0,
  workerStartFailures: 0,
  unexpectedExits: [],
  postgresRestarts: 0,
  postgresDownMs: 0,
  triggers: { sent: 0, acknowledged: 0, duplicatesSent: 0, retries: 0, statuses: {} },
  sse: { received: 0, reconnects: 0 },
};
const violations: string[] = [];
const violate = (what: string) => {
  violations.push(what);
  if (violations.length <= 50) say(`VIOLATION: ${what}`);
};

async function main() {
  const stamp = new Date(started).toISOString().replace(/[:.]/g, '-');
  const resultsDir = path.join(ROOT, 'bench/results');
  const logDir = path.join(resultsDir, `chaos-${stamp}`);
  await mkdir(logDir, { recursive: true });
  console.log(
    `Chaos run${SHORT ? ' (short)' : ''}: ${CALLS} triggers (${VISITS * 100} % sales visits, ${DUPLICATES * 100} % delivered twice) ` +
      `over ${TENANTS} tenants at ${RATE}/s; simulator chaos preset at ${FAULT_RATE * 100} %; worker SIGKILLed every ` +
      `${KILL_EVERY_S} s; one Postgres restart. Logs: ${path.relative(ROOT, logDir)}/`,
  );

  // Postgres, in its own process, with data that survives its restart
  const pgDir = await mkdtemp(path.join(tmpdir(), 'otto-chaos-'));
  await chmod(pgDir, 0o755); // as root, Postgres runs as another OS user that must enter it
  const pgPort = await freePort();
  const pgOptions = {
    dataDir: path.join(pgDir, 'data'),
    port: pgPort,
    database: 'otto_chaos',
    persistent: true,
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '300' },
  };
  let postgres: RunningPostgres = await startEmbeddedPostgres(pgOptions);
  const dbUrl = postgres.url;
  const db: Db = createDb(dbUrl, 4);
  await migrateAll(db, dbUrl);

  const apiPort = await freePort();
  const simPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const simUrl = `http://127.0.0.1:${simPort}`;
  // Shorter retry and poll delays than production's (5 s … 300 s), so that a faulted job finishes within the
  // run; everything else is Otto's production configuration.
  const ottoEnv = {
    NODE_ENV: 'development',
    DATABASE_URL: dbUrl,
    UWC_BASE_URL: simUrl,
    OTTO_ADMIN_TOKEN: ADMIN,
    UWC_TIMEOUT_MS: '5000',
    UWC_RETRY_DELAYS_MS: '200,500,1000',
    UWC_BREAKER_COOLDOWN_MS: '2000',
    JOB_RETRY_DELAYS_S: '1,2,5,10,20',
    POLL_DELAYS_S: '2,5,10,20,30',
    WORKER_HEARTBEAT_MS: '1000',
    WORKER_DEAD_AFTER_MS: '5000',
  };

  const sim = await startNode('simulator', 'simulator/main.ts', {
    env: { LOG_LEVEL: 'warn' },
    argv: [
      ...['--port', String(simPort), '--time-scale', '60', '--seed', String(SEED)],
      ...['--webhook-url', `${apiUrl}/api/v1/shunya/webhook`],
    ],
    ready: /listening on/,
    logFile: path.join(logDir, 'simulator.log'),
  });
  const preset = await fetch(`${simUrl}/__sim/preset`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'chaos', options: { rate: FAULT_RATE } }),
  });
  if (!preset.ok) throw new Error(`applying the chaos preset: ${preset.status} ${await preset.text()}`);
  const faultRules = ((await preset.json()) as { faults: { kind: string; probability: number }[] }).faults;

  let stopping = false;
  const watch = (p: NodeProcess, label: string) =>
    void p.exited.then(({ code, signal }) => {
      if (!stopping)
        figures.unexpectedExits.push({ process: label, code, signal, at_s: (Date.now() - started) / 1000 });
    });
  watch(sim, 'simulator');

  const api = await startNode('otto-api', 'src/main.ts', {
    env: { ...ottoEnv, OTTO_ROLE: 'api', PORT: String(apiPort), LOG_LEVEL: 'info' },
    ready: /otto started/,
    logFile: path.join(logDir, 'otto-api.log'),
  });
  watch(api, 'otto-api');

  // the worker, under a supervisor that restarts it whenever it dies
  let worker: NodeProcess | undefined;
  let workerNo = 0;
  async function startWorker(): Promise<void> {
    for (;;) {
      try {
        workerNo++;
        worker = await startNode(`otto-worker-${workerNo}`, 'src/main.ts', {
          env: { ...ottoEnv, OTTO_ROLE: 'worker', LOG_LEVEL: 'info' },
          ready: /otto started/,
          logFile: path.join(logDir, 'otto-worker.log'),
          timeoutMs: 30_000,
        });
        figures.workerStarts++;
        const me = worker;
        void me.exited.then(({ code, signal }) => {
          if (stopping || me.killedOnPurpose) return;
          figures.unexpectedExits.push({
            process: me.name,
            code,
            signal,
            at_s: (Date.now() - started) / 1000,
          });
          void startWorker();
        });
        return;
      } catch {
        figures.workerStartFailures++; // e.g. Postgres is restarting: try again
        if (stopping) return;
        await sleep(1000);
      }
    }
  }
  await startWorker();

  // the tenants, and their event streams
  interface Tenant {
    id: string;
    callrailCompanyId: string;
    key: string;
    token: string;
    events: { id: number; company_id: string; type: string }[];
    lastId: string;
  }
  const config = loadConfig({});
  const tenants: Tenant[] = [];
  for (let i = 0; i < TENANTS; i++) {
    const key = randomBytes(16).toString('hex');
    const callrailCompanyId = String(800_000_000 + i);
    const res = await fetch(`${apiUrl}/api/v1/ops/companies`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: `Chaos tenant ${i}`,
        callrail_company_id: callrailCompanyId,
        callrail_signing_key: key,
      }),
    });
    if (res.status !== 201) throw new Error(`creating tenant ${i}: ${res.status} ${await res.text()}`);
    const { id } = (await res.json()) as { id: string };
    tenants.push({
      id,
      callrailCompanyId,
      key,
      token: await mintDevToken(config, id, { role: 'manager', ttl: '12h' }),
      events: [],
      lastId: '0',
    });
  }
  const stopSignal: ((v?: unknown) => void)[] = [];
  const streams = tenants.map(async (t) => {
    while (!stopping) {
      try {
        const sse = await openSse(`${apiUrl}/api/v1/events`, {
          authorization: `Bearer ${t.token}`,
          'last-event-id': t.lastId,
        });
        let seen = 0;
        const drain = () => {
          for (; seen < sse.events.length; seen++) {
            const e = sse.events[seen];
            if (!e?.id) continue;
            const data = JSON.parse(e.data) as { id: number; company_id: string; type: string };
            t.events.push({ id: Number(e.id), company_id: data.company_id, type: data.type });
            t.lastId = e.id;
            figures.sse.received++;
          }
        };
        const timer = setInterval(drain, 200);
        if (sse.status === 200) await Promise.race([sse.ended, new Promise((r) => stopSignal.push(r))]);
        clearInterval(timer);
        drain();
        sse.close();
      } catch {
        // the API refused or the connection failed: reconnect
      }
      if (!stopping) {
        figures.sse.reconnects++;
        await sleep(500);
      }
    }
  });

  // the load: what to send, decided up front from the seed
  const rnd = prng(SEED);
  interface Item {
    n: number;
    tenant: Tenant;
    kind: 'call' | 'visit';
    key: string; // CallRail call id, or the recording session id
    body: string;
    twice: boolean;
    ack?: { call_id?: string; session_id?: string; job_id: string };
  }
  const items: Item[] = Array.from({ length: CALLS }, (_, n) => {
    const tenant = tenants[Math.floor(rnd() * TENANTS)] as Tenant;
    const kind = rnd() < VISITS ? 'visit' : 'call';
    const twice = rnd() < DUPLICATES;
    const seconds = 60 + Math.floor(rnd() * 600);
    if (kind === 'call') {
      const key = `CALchaos${SEED}x${n}`;
      const body = JSON.stringify({
        resource_id: key,
        company_id: tenant.callrailCompanyId,
        answered: true,
        direction: 'inbound',
        duration: String(seconds),
        recording: `https://recordings.example.com/${key}.mp3?duration_s=${seconds}`,
        customer_phone_number: `+1217${String(Math.floor(rnd() * 1e7)).padStart(7, '0')}`,
        customer_name: 'Chaos Customer',
      });
      return { n, tenant, kind, key, body, twice };
    }
    const key = randomUUID();
    const body = JSON.stringify({
      audio_url: `https://uploads.example.com/${key}.m4a?duration_s=${seconds}`,
      file_size_bytes: 1_000_000 + Math.floor(rnd() * 50_000_000),
      duration_seconds: seconds,
    });
    return { n, tenant, kind, key, body, twice };
  });

  /** Sends an item until Otto acknowledges it (as CallRail and the rep app retry), checking the answer. */
  async function deliver(item: Item, repeat: boolean): Promise<void> {
    const url =
      item.kind === 'call'
        ? `${apiUrl}/webhooks/callrail/call.completed`
        : `${apiUrl}/api/v1/recording-sessions/${item.key}/upload-audio`;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (item.kind === 'call')
      headers.signature = createHmac('sha1', item.tenant.key).update(item.body).digest('base64');
    else headers.authorization = `Bearer ${item.tenant.token}`;
    const deadline = Date.now() + DEADLINE_S * 1000;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) figures.triggers.retries++;
      figures.triggers.sent++;
      let code = 'network';
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers,
          body: item.body,
          signal: AbortSignal.timeout(30_000),
        });
        code = String(res.status);
        figures.triggers.statuses[code] = (figures.triggers.statuses[code] ?? 0) + 1;
        const text = await res.text();
        if (res.status === 202) {
          const body = JSON.parse(text) as {
            call_id?: string;
            session_id?: string;
            job_id: string;
            duplicate: boolean;
          };
          if (!repeat) {
            item.ack = body;
            figures.triggers.acknowledged++;
          } else if (body.job_id !== item.ack?.job_id || !body.duplicate)
            violate(`a repeated ${item.kind} ${item.key} was not recognised: ${text}`);
          return;
        }
        if (res.status < 500 && res.status !== 429) {
          violate(`${item.kind} ${item.key} refused with ${res.status}: ${text.slice(0, 300)}`);
          return;
        }
        if (res.status >= 500 && res.status !== 503)
          violate(`${item.kind} ${item.key} answered ${res.status}: ${text.slice(0, 300)}`);
      } catch {
        figures.triggers.statuses[code] = (figures.triggers.statuses[code] ?? 0) + 1;
      }
      if (Date.now() > deadline) {
        violate(`${item.kind} ${item.key} never acknowledged`);
        return;
      }
      await sleep(Math.min(5000, 500 * 2 ** attempt));
    }
  }

  // chaos: a worker SIGKILL every KILL_EVERY_S seconds; one Postgres restart, 40 % into the sending
  const sendSeconds = CALLS / RATE;
  const killer = setInterval(() => {
    const w = worker;
    if (!w || w.child.exitCode !== null || w.killedOnPurpose) return;
    w.killedOnPurpose = true;
    w.child.kill('SIGKILL');
    figures.workerKills++;
    void w.exited.then(() => startWorker());
  }, KILL_EVERY_S * 1000);
  const pgRestart = (async () => {
    await sleep(Math.max(5, sendSeconds * 0.4) * 1000);
    say('restarting Postgres (fast shutdown, 3 s down, start)');
    const down = Date.now();
    await postgres.stop();
    await sleep(3000);
    postgres = await startEmbeddedPostgres(pgOptions);
    figures.postgresDownMs = Date.now() - down;
    figures.postgresRestarts++;
    say(`Postgres is back after ${figures.postgresDownMs} ms`);
  })();

  // send at RATE per second, each delivery retried until acknowledged; duplicates a few seconds later
  const deliveries: Promise<void>[] = [];
  const sendStart = Date.now();
  for (const item of items) {
    const due = sendStart + (item.n * 1000) / RATE;
    if (due > Date.now()) await sleep(due - Date.now());
    const p = deliver(item, false).then(async () => {
      if (!item.twice || !item.ack) return;
      figures.triggers.duplicatesSent++;
      await sleep(rnd() * 3000);
      await deliver(item, true);
    });
    deliveries.push(p);
    if (item.n % 20 === 0)
      status(`sending ${item.n}/${CALLS}, acknowledged ${figures.triggers.acknowledged}`);
  }
  await Promise.all(deliveries);
  await pgRestart;
  say(
    `all ${CALLS} triggers acknowledged (${figures.triggers.retries} retries, statuses ${JSON.stringify(figures.triggers.statuses)})`,
  );

  // wait for every job to end (the chaos goes on)
  const deadline = started + DEADLINE_S * 1000;
  let open = Number.POSITIVE_INFINITY;
  while (Date.now() < deadline) {
    try {
      const r = await db.raw(
        `SELECT count(*) FILTER (WHERE job_status IN ('pending', 'running'))::int AS open, count(*)::int AS all FROM shunya_jobs`,
      );
      open = r.rows[0].open;
      status(`jobs not yet terminal: ${open} of ${r.rows[0].all}; worker kills ${figures.workerKills}`);
      if (open === 0 && r.rows[0].all >= figures.triggers.acknowledged) break;
    } catch {
      // Postgres restarting
    }
    await sleep(2000);
  }
  clearInterval(killer);
  if (process.stderr.isTTY) process.stderr.write('\n');
  say(
    `${open === 0 ? 'every job ended' : `${open} jobs still open at the deadline`}; ${figures.workerKills} worker kills`,
  );
  if (!worker || worker.child.exitCode !== null) await startWorker();

  // let the relay publish the last events and the streams catch up
  const expected = async () =>
    (
      await db.raw(
        `SELECT company_id, count(*)::int AS n, count(position)::int AS published FROM outbox_events GROUP BY company_id`,
      )
    ).rows as { company_id: string; n: number; published: number }[];
  for (let i = 0; i < 60; i++) {
    const rows = await expected();
    const caughtUp = tenants.every((t) => {
      const row = rows.find((r) => r.company_id === t.id);
      return !row || (row.published === row.n && t.events.length >= row.n);
    });
    if (caughtUp) break;
    await sleep(500);
  }
  await sleep(1000); // anything delivered twice would arrive now

  // ---- the checks ----------------------------------------------------------------------------------------
  const checks: Record<string, number> = {};
  const count = async (name: string, sql: string, bindings: unknown[] = []) => {
    const n = Number(
      (await db.raw(`SELECT count(*)::int AS n FROM (${sql}) x`, bindings as never)).rows[0].n,
    );
    checks[name] = n;
    if (n !== 0) violate(`${name}: ${n}`);
    return n;
  };

  // 1. every call and visit terminal
  await count(
    'jobs not terminal',
    `SELECT 1 FROM shunya_jobs WHERE job_status NOT IN ('succeeded', 'failed', 'timeout')`,
  );
  const byStatus = (
    await db.raw(
      `SELECT job_type, job_status, count(*)::int AS n FROM shunya_jobs GROUP BY 1, 2 ORDER BY 1, 2`,
    )
  ).rows as { job_type: string; job_status: string; n: number }[];

  // 2. nothing lost: every acknowledged trigger has exactly its rows; nothing else exists
  const acked = items.filter((i) => i.ack);
  const callKeys = acked
    .filter((i) => i.kind === 'call')
    .map((i) => [i.tenant.id, i.key, i.ack?.call_id, i.ack?.job_id]);
  const visitKeys = acked.filter((i) => i.kind === 'visit').map((i) => [i.tenant.id, i.key, i.ack?.job_id]);
  // temp tables live per connection: the comparison runs in one transaction
  await db.transaction(async (tx) => {
    await tx.raw(
      'CREATE TEMP TABLE sent_c (company_id uuid, callrail_call_id text, call_id uuid, job_id uuid) ON COMMIT DROP',
    );
    await tx.raw('CREATE TEMP TABLE sent_v (company_id uuid, session_id uuid, job_id uuid) ON COMMIT DROP');
    for (let i = 0; i < callKeys.length; i += 1000)
      await tx('sent_c').insert(
        callKeys
          .slice(i, i + 1000)
          .map(([c, k, id, j]) => ({ company_id: c, callrail_call_id: k, call_id: id, job_id: j })),
      );
    for (let i = 0; i < visitKeys.length; i += 1000)
      await tx('sent_v').insert(
        visitKeys.slice(i, i + 1000).map(([c, s, j]) => ({ company_id: c, session_id: s, job_id: j })),
      );
    const q = async (name: string, sql: string) => {
      const n = Number((await tx.raw(`SELECT count(*)::int AS n FROM (${sql}) x`)).rows[0].n);
      checks[name] = n;
      if (n !== 0) violate(`${name}: ${n}`);
    };
    await q(
      'acknowledged calls missing or different',
      `SELECT 1 FROM sent_c s LEFT JOIN calls c ON c.company_id = s.company_id AND c.callrail_call_id = s.callrail_call_id
       LEFT JOIN shunya_jobs j ON j.call_id = c.id WHERE c.id IS DISTINCT FROM s.call_id OR j.id IS DISTINCT FROM s.job_id`,
    );
    await q(
      'acknowledged visits missing or different',
      `SELECT 1 FROM sent_v s LEFT JOIN recording_sessions r ON r.company_id = s.company_id AND r.id = s.session_id
       LEFT JOIN shunya_jobs j ON j.recording_session_id = r.id WHERE r.id IS NULL OR j.id IS DISTINCT FROM s.job_id`,
    );
    await q(
      'calls nobody sent',
      `SELECT 1 FROM calls c WHERE NOT EXISTS (SELECT 1 FROM sent_c s WHERE s.call_id = c.id)`,
    );
    await q(
      'recording sessions nobody sent',
      `SELECT 1 FROM recording_sessions r WHERE NOT EXISTS (SELECT 1 FROM sent_v s WHERE s.session_id = r.id)`,
    );
  });
  await count(
    'succeeded CSR calls without exactly one available transcript and one analysis',
    `SELECT 1 FROM shunya_jobs j WHERE j.job_type = 'csr_call' AND j.job_status = 'succeeded' AND (
       (SELECT count(*) FROM call_transcripts t WHERE t.call_id = j.call_id AND t.available) <> 1 OR
       (SELECT count(*) FROM call_analyses x WHERE x.call_id = j.call_id) <> 1)`,
  );
  await count(
    'failed CSR calls without their "not available" transcript (§9.3) or with an analysis',
    `SELECT 1 FROM shunya_jobs j WHERE j.job_type = 'csr_call' AND j.job_status = 'failed' AND (
       (j.stage = 'transcription' AND (SELECT count(*) FROM call_transcripts t WHERE t.call_id = j.call_id AND NOT t.available) <> 1) OR
       (SELECT count(*) FROM call_analyses x WHERE x.call_id = j.call_id) <> 0)`,
  );
  await count(
    'succeeded visits without exactly one transcript and one analysis',
    `SELECT 1 FROM shunya_jobs j WHERE j.job_type = 'sales_visit' AND j.job_status = 'succeeded' AND (
       (SELECT count(*) FROM recording_transcripts t WHERE t.recording_session_id = j.recording_session_id) <> 1 OR
       (SELECT count(*) FROM recording_analyses x WHERE x.recording_session_id = j.recording_session_id) <> 1)`,
  );
  await count(
    'succeeded jobs without their events',
    `SELECT 1 FROM shunya_jobs j WHERE j.job_status = 'succeeded' AND (
       (SELECT count(*) FROM outbox_events e WHERE e.aggregate_id = j.id AND e.event_type = 'shunya.job.succeeded') <> 1 OR
       (j.job_type = 'csr_call' AND (SELECT count(*) FROM outbox_events e WHERE e.aggregate_id = j.call_id AND e.event_type = 'call.analyzed') <> 1) OR
       (j.job_type = 'sales_visit' AND (SELECT count(*) FROM outbox_events e WHERE e.aggregate_id = j.recording_session_id AND e.event_type = 'recording_session.analyzed') <> 1))`,
  );

  // 3. no duplicate domain rows: every unique key of the schema, counted
  const uniques = (
    await db.raw(
      `SELECT t.relname AS tbl, i.relname AS idx, array_agg(a.attname::text ORDER BY k.ord) AS cols,
              pg_get_expr(ix.indpred, ix.indrelid) AS pred, bool_or(k.attnum = 0) AS has_expr
       FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       CROSS JOIN LATERAL unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
       LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
       WHERE n.nspname = 'public' AND ix.indisunique GROUP BY 1, 2, 4`,
    )
  ).rows as { tbl: string; idx: string; cols: string[]; pred: string | null; has_expr: boolean }[];
  let duplicateRows = 0;
  for (const u of uniques.filter((x) => !x.has_expr)) {
    const cols = u.cols.map((c) => `"${c}"`).join(', ');
    const notNull = u.cols.map((c) => `"${c}" IS NOT NULL`).join(' AND ');
    const r = await db.raw(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM "${u.tbl}" WHERE ${notNull}${u.pred ? ` AND (${u.pred})` : ''}
       GROUP BY ${cols} HAVING count(*) > 1) d`,
    );
    if (r.rows[0].n > 0)
      violate(`duplicate rows in ${u.tbl} by ${u.idx} (${u.cols.join(', ')}): ${r.rows[0].n}`);
    duplicateRows += r.rows[0].n;
  }
  checks['duplicate rows by the schema unique keys'] = duplicateRows;
  const coverage = { uniqueKeys: uniques.filter((x) => !x.has_expr).length, foreignKeys: 0 };
  await count(
    'once-per-aggregate events emitted more than once',
    `SELECT 1 FROM outbox_events WHERE event_type IN ('call.transcribed', 'call.analyzed', 'recording_session.analyzed',
       'appointment.created', 'shunya.job.succeeded', 'shunya.job.failed', 'shunya.job.timeout')
     GROUP BY aggregate_id, event_type HAVING count(*) > 1`,
  );

  // 4. no cross-tenant rows: every foreign key between tenant tables joins rows of one tenant
  const fks = (
    await db.raw(
      `SELECT c.conname, ct.relname AS child, pt.relname AS parent,
              array_agg(ca.attname::text ORDER BY k.ord) AS child_cols, array_agg(pa.attname::text ORDER BY k.ord) AS parent_cols
       FROM pg_constraint c JOIN pg_class ct ON ct.oid = c.conrelid JOIN pg_class pt ON pt.oid = c.confrelid
       JOIN pg_namespace n ON n.oid = ct.relnamespace
       CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(ck, pk, ord)
       JOIN pg_attribute ca ON ca.attrelid = ct.oid AND ca.attnum = k.ck
       JOIN pg_attribute pa ON pa.attrelid = pt.oid AND pa.attnum = k.pk
       WHERE c.contype = 'f' AND n.nspname = 'public'
         AND EXISTS (SELECT 1 FROM pg_attribute x WHERE x.attrelid = ct.oid AND x.attname = 'company_id')
         AND EXISTS (SELECT 1 FROM pg_attribute x WHERE x.attrelid = pt.oid AND x.attname = 'company_id')
       GROUP BY 1, 2, 3`,
    )
  ).rows as { conname: string; child: string; parent: string; child_cols: string[]; parent_cols: string[] }[];
  let crossTenant = 0;
  for (const fk of fks) {
    const on = fk.child_cols.map((c, i) => `c."${c}" = p."${fk.parent_cols[i]}"`).join(' AND ');
    const r = await db.raw(
      `SELECT count(*)::int AS n FROM "${fk.child}" c JOIN "${fk.parent}" p ON ${on} WHERE c.company_id <> p.company_id`,
    );
    if (r.rows[0].n > 0)
      violate(`cross-tenant rows ${fk.child} → ${fk.parent} (${fk.conname}): ${r.rows[0].n}`);
    crossTenant += r.rows[0].n;
  }
  checks['cross-tenant rows by foreign key'] = crossTenant;
  coverage.foreignKeys = fks.length;
  await count(
    'events whose aggregate belongs to another tenant (or to nobody)',
    `SELECT 1 FROM outbox_events e WHERE NOT EXISTS (
       SELECT 1 FROM calls x WHERE e.aggregate_type = 'call' AND x.id = e.aggregate_id AND x.company_id = e.company_id
       UNION ALL SELECT 1 FROM leads x WHERE e.aggregate_type = 'lead' AND x.id = e.aggregate_id AND x.company_id = e.company_id
       UNION ALL SELECT 1 FROM appointments x WHERE e.aggregate_type = 'appointment' AND x.id = e.aggregate_id AND x.company_id = e.company_id
       UNION ALL SELECT 1 FROM recording_sessions x WHERE e.aggregate_type = 'recording_session' AND x.id = e.aggregate_id AND x.company_id = e.company_id
       UNION ALL SELECT 1 FROM shunya_jobs x WHERE e.aggregate_type = 'shunya_job' AND x.id = e.aggregate_id AND x.company_id = e.company_id)`,
  );

  // 5. each outbox event exactly once: gap-free positions, and each stream got exactly its tenant's events
  const pos = (
    await db.raw(
      `SELECT count(*)::int AS n, count(position)::int AS published, count(DISTINCT position)::int AS distinct_positions,
              coalesce(min(position), 1)::int AS min, coalesce(max(position), 0)::int AS max FROM outbox_events`,
    )
  ).rows[0] as { n: number; published: number; distinct_positions: number; min: number; max: number };
  checks['events not published'] = pos.n - pos.published;
  checks['event position gaps or repeats'] =
    pos.published === pos.distinct_positions && pos.min === 1 && pos.max === pos.published ? 0 : 1;
  if (checks['events not published']) violate(`events not published: ${checks['events not published']}`);
  if (checks['event position gaps or repeats'])
    violate(`event positions not gap-free: ${JSON.stringify(pos)}`);
  let streamProblems = 0;
  for (const t of tenants) {
    const ids = (
      await db.raw(
        `SELECT position::int AS p FROM outbox_events WHERE company_id = ? AND position IS NOT NULL ORDER BY position`,
        [t.id],
      )
    ).rows.map((r: { p: number }) => r.p) as number[];
    const got = t.events.map((e) => e.id);
    const foreign = t.events.filter((e) => e.company_id !== t.id).length;
    const dupes = got.length - new Set(got).size;
    const outOfOrder = got.filter((id, i) => i > 0 && id <= (got[i - 1] as number)).length;
    const gotSet = new Set(got);
    const missing = ids.filter((id) => !gotSet.has(id)).length;
    const idSet = new Set(ids);
    const unknown = got.filter((id) => !idSet.has(id)).length;
    if (foreign + dupes + outOfOrder + missing + unknown > 0) {
      streamProblems++;
      violate(
        `tenant ${t.id} stream: ${got.length} received of ${ids.length}: ${missing} missing, ${dupes} twice, ${outOfOrder} out of order, ${foreign} foreign, ${unknown} unknown`,
      );
    }
  }
  checks['event streams not exactly once'] = streamProblems;

  // the simulator's own account of the faults it injected
  const simStats = (await (await fetch(`${simUrl}/__sim/stats`)).json()) as {
    fault_hits: Record<string, number>;
    counters: Record<string, unknown>;
  };
  const deliveries_ = (
    await db.raw(`SELECT verdict, count(*)::int AS n FROM webhook_deliveries GROUP BY 1 ORDER BY 2 DESC`)
  ).rows as { verdict: string; n: number }[];
  for (const e of figures.unexpectedExits)
    violate(`${e.process} exited unexpectedly (${e.code ?? e.signal}) at ${e.at_s.toFixed(0)} s`);

  // ---- shut down, report ---------------------------------------------------------------------------------
  stopping = true;
  for (const s of stopSignal.splice(0)) s();
  await Promise.race([Promise.all(streams), sleep(3000)]);
  for (const p of [worker, api, sim]) p?.child.kill('SIGTERM');
  await Promise.race([Promise.all([worker, api, sim].map((p) => p?.exited)), sleep(15_000)]);
  await db.destroy();
  await postgres.stop();
  await rm(pgDir, { recursive: true, force: true });

  const result = {
    started: new Date(started).toISOString(),
    seconds: (Date.now() - started) / 1000,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    settings: {
      short: SHORT,
      calls: CALLS,
      tenants: TENANTS,
      rate: RATE,
      visitShare: VISITS,
      duplicateShare: DUPLICATES,
      killEveryS: KILL_EVERY_S,
      faultRate: FAULT_RATE,
      seed: SEED,
      faultRules: faultRules.map((r) => `${r.kind} p=${r.probability.toFixed(3)}`),
      otto: ottoEnv,
    },
    figures,
    jobs: byStatus,
    webhookDeliveries: deliveries_,
    simulator: simStats,
    checks,
    coverage,
    violations,
  };
  await writeFile(path.join(resultsDir, `chaos-${stamp}.json`), `${JSON.stringify(result, null, 2)}\n`);
  const md = renderChaos(result);
  await writeFile(path.join(resultsDir, `chaos-${stamp}.md`), md);
  console.log(`\n${md}\nWritten to bench/results/chaos-${stamp}.{json,md}`);
  process.exit(violations.length === 0 ? 0 : 1);
}

function renderChaos(r: {
  started: string;
  seconds: number;
  machine: { cpus: number; cpuModel?: string; memoryGiB: number; node: string };
  settings: {
    calls: number;
    tenants: number;
    rate: number;
    faultRate: number;
    killEveryS: number;
    seed: number;
    short: boolean;
  };
  figures: Figures;
  jobs: { job_type: string; job_status: string; n: number }[];
  webhookDeliveries: { verdict: string; n: number }[];
  simulator: { fault_hits: Record<string, number> };
  checks: Record<string, number>;
  coverage: { uniqueKeys: number; foreignKeys: number };
  violations: string[];
}): string {
  const f = r.figures;
  return [
    `# Chaos run, ${r.started}${r.settings.short ? ' (short)' : ''}`,
    '',
    `${r.settings.calls} triggers over ${r.settings.tenants} tenants at ${r.settings.rate}/s, simulator chaos preset at ${r.settings.faultRate * 100} %, ` +
      `worker SIGKILL every ${r.settings.killEveryS} s, seed ${r.settings.seed}. ${r.seconds.toFixed(0)} s on ${r.machine.cpus} cores (${r.machine.cpuModel}), Node ${r.machine.node}.`,
    '',
    `**${r.violations.length === 0 ? 'No violations' : `${r.violations.length} violations`}.**`,
    '',
    '| what | figure |',
    '|---|---|',
    `| worker SIGKILLs / worker starts / failed starts | ${f.workerKills} / ${f.workerStarts} / ${f.workerStartFailures} |`,
    `| Postgres restarts (down ms) | ${f.postgresRestarts} (${f.postgresDownMs}) |`,
    `| unexpected process exits | ${f.unexpectedExits.length} |`,
    `| triggers acknowledged / requests sent / retries / duplicates sent | ${f.triggers.acknowledged} / ${f.triggers.sent} / ${f.triggers.retries} / ${f.triggers.duplicatesSent} |`,
    `| trigger answers by status | ${Object.entries(f.triggers.statuses)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ')} |`,
    `| jobs by type and status | ${r.jobs.map((j) => `${j.job_type} ${j.job_status}: ${j.n}`).join(', ')} |`,
    `| Shunya webhook deliveries by verdict | ${r.webhookDeliveries.map((d) => `${d.verdict}: ${d.n}`).join(', ')} |`,
    `| faults injected by the simulator | ${Object.entries(r.simulator.fault_hits)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ')} |`,
    `| SSE events received / reconnects | ${f.sse.received} / ${f.sse.reconnects} |`,
    '',
    `Checked: ${r.coverage.uniqueKeys} unique keys and ${r.coverage.foreignKeys} foreign keys of the schema, every acknowledged trigger, every job, every event and every tenant's stream.`,
    '',
    '| check | count (must be 0) |',
    '|---|---|',
    ...Object.entries(r.checks).map(([k, v]) => `| ${k} | ${v} |`),
    '',
    ...(r.violations.length
      ? ['Violations:', '', ...r.violations.slice(0, 100).map((v) => `- ${v}`), '']
      : []),
  ].join('\n');
}

process.on('unhandledRejection', (e) => {
  console.error('chaos run failed:', e, statusLine);
  process.exit(2);
});
await main();
