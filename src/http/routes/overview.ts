// The console's tenants view and charts (issue 13): GET /api/v1/ops/overview and /api/v1/ops/charts.
import Router from '@koa/router';
import type { OpsCharts, OpsOverview } from '../../../generated/otto/types.gen.ts';
import { zGetOpsChartsQuery } from '../../../generated/otto/zod.gen.ts';
import { listCompanies } from '../../domain/companies.ts';
import type { PipelineDeps } from '../../jobs/deps.ts';
import type { MetricsHistory } from '../../metrics-history.ts';
import { completionsPerMinute, queueDepth, tenantJobStats, workersAlive } from '../../views/overview.ts';
import type { AppState } from '../context.ts';
import { operatorAuth } from '../middleware/operator-auth.ts';
import { queryWithIntegers, validate } from '../validate.ts';
import { presentCompany } from './ops.ts';

const iso = (d: Date | string) => new Date(d).toISOString();

export function overviewRoutes(pipeline: PipelineDeps, history?: MetricsHistory): Router<AppState> {
  const { db, config } = pipeline;
  const router = new Router<AppState>({ prefix: '/api/v1/ops' });
  router.use(['/overview', '/charts'], operatorAuth(config, db));

  router.get('/overview', async (ctx) => {
    const now = pipeline.clock.now();
    const [companies, stats, depth, workers] = await Promise.all([
      listCompanies(db),
      tenantJobStats(db, now),
      queueDepth(db),
      workersAlive(db, config.jobs.deadAfterMs),
    ]);
    const breakers = pipeline.client.breakerStates();
    const limit = config.jobs.tenantMaxConcurrent;
    const perHour = config.jobs.jobsPerHour === 0 ? null : config.jobs.jobsPerHour; // 0: quota off (D98)
    const body: OpsOverview = {
      generated_at: now.toISOString(),
      tenant_max_concurrent: limit,
      queue_depth: depth,
      workers_alive: workers,
      tenants: companies.map((c) => {
        const s = stats.get(c.id);
        return {
          company: presentCompany(c),
          jobs: s?.counts ?? { pending: 0, running: 0, succeeded: 0, failed: 0, timeout: 0 },
          backlog: {
            pending: s?.pending ?? 0,
            waiting_for_retry: s?.waiting_for_retry ?? 0,
            oldest_pending_at: s?.oldest_pending_at ? iso(s.oldest_pending_at) : null,
          },
          running_slots: { used: s?.counts.running ?? 0, limit },
          quota: { jobs_last_hour: s?.jobs_last_hour ?? 0, limit_per_hour: perHour },
          breakers: breakers.filter((b) => b.company_id === c.id),
        };
      }),
    };
    ctx.body = body;
  });

  router.get('/charts', async (ctx) => {
    const { minutes } = validate(zGetOpsChartsQuery, queryWithIntegers(ctx.query, ['minutes']));
    const window = minutes ?? 60;
    const now = new Date();
    const sampled = history?.since(new Date(now.getTime() - window * 60_000)) ?? { latency: [], depth: [] };
    const body: OpsCharts = {
      generated_at: now.toISOString(),
      window_minutes: window,
      sample_interval_seconds: (history?.intervalMs ?? 0) / 1000,
      completions: (await completionsPerMinute(db, window, now)).map((r) => ({
        minute: iso(r.minute),
        company_id: r.company_id,
        succeeded: r.succeeded,
        failed: r.failed,
        timeout: r.timeout,
      })),
      shunya_latency: sampled.latency.map((p) => ({ ...p, at: iso(p.at) })),
      queue_depth: sampled.depth.map((p) => ({ at: iso(p.at), depth: p.depth })),
    };
    ctx.body = body;
  });
  return router;
}
