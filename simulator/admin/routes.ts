// The control API under /__sim/ (contracts/simulator-admin.openapi.yaml): settings, presets, faults,
// scenarios, the jobs and webhook delivery log, virtual time and counters. No authentication; it
// listens on the simulator's port and never goes through Shunya's faults.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';
import type { Middleware } from 'koa';
import getRawBody from 'raw-body';
import { z } from 'zod';
import type { components } from '../../generated/sim-admin/schema.d.ts';
import { PRESET_NAMES, PresetOptionsSchema } from '../faults/presets.ts';
import { FaultRuleInputSchema, JOB_KINDS } from '../faults/rules.ts';
import { jobState } from '../jobs/store.ts';
import type { SimContextState } from '../routes/pipeline.ts';
import { ScenarioSchema } from '../scenarios.ts';
import type { Simulator } from '../simulator.ts';

// Bodies are checked against the generated types of contracts/simulator-admin.openapi.yaml.
type A = components['schemas'];

const CONTRACT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../contracts/simulator-admin.openapi.yaml',
);

class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: unknown,
  ) {
    super(message);
  }
}

const handleErrors: Middleware<SimContextState> = async (ctx, next) => {
  try {
    await next();
  } catch (err) {
    const e =
      err instanceof AdminError
        ? err
        : err instanceof z.ZodError
          ? new AdminError(
              400,
              'BAD_REQUEST',
              'The request is not valid',
              err.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
            )
          : new AdminError(500, 'INTERNAL', (err as Error).message);
    ctx.status = e.status;
    ctx.body = { error: { code: e.code, message: e.message, ...(e.issues ? { issues: e.issues } : {}) } };
  }
};

async function json(ctx: {
  req: NodeJS.ReadableStream & import('node:http').IncomingMessage;
}): Promise<unknown> {
  const raw = (await getRawBody(ctx.req, { limit: '1mb' })).toString('utf8');
  if (raw.trim() === '') return {};
  try {
    return JSON.parse(raw);
  } catch {
    throw new AdminError(400, 'BAD_REQUEST', 'The body is not valid JSON');
  }
}

const Query = {
  jobs: z.object({
    company_id: z.string().optional(),
    call_id: z.coerce.number().int().optional(),
    state: z.enum(['queued', 'processing', 'completed', 'failed']).optional(),
    kind: z.enum(JOB_KINDS).optional(),
    limit: z.coerce.number().int().min(1).optional(),
  }),
  webhooks: z.object({
    company_id: z.string().optional(),
    call_id: z.coerce.number().int().optional(),
    job_id: z.string().optional(),
    state: z
      .enum(['scheduled', 'held', 'in_flight', 'retrying', 'delivered', 'failed', 'dropped'])
      .optional(),
    limit: z.coerce.number().int().min(1).optional(),
  }),
};
const PresetRequest = z
  .object({ name: z.enum(PRESET_NAMES), options: PresetOptionsSchema.optional() })
  .strict();
const AdvanceRequest = z.object({ seconds: z.number().min(0), settle: z.boolean().optional() }).strict();
const FaultsRequest = z.union([
  FaultRuleInputSchema,
  z.object({ rules: z.array(FaultRuleInputSchema) }).strict(),
]);

export function adminRoutes(sim: Simulator): Router<SimContextState> {
  const router = new Router<SimContextState>({ prefix: '/__sim' });
  router.use(handleErrors);
  const time = () => ({
    virtual_time: sim.clock.nowIso(),
    time_scale: sim.clock.scale,
    real_time: new Date().toISOString(),
  });

  router.get('/health', (ctx) => {
    ctx.body = {
      status: 'ok',
      uptime_s: Math.round((Date.now() - sim.startedAt.getTime()) / 1000),
      presets: sim.presetsApplied,
      ...time(),
    } satisfies A['SimHealth'];
  });
  router.get('/openapi.yaml', (ctx) => {
    ctx.type = 'application/yaml';
    ctx.body = readFileSync(CONTRACT, 'utf8');
  });
  router.post('/reset', (ctx) => {
    sim.reset();
    ctx.body = { status: 'reset', ...time() } satisfies A['Reset'];
  });

  const view = (): A['SettingsView'] => ({ ...sim.settings, presets: sim.presetsApplied });
  router.get('/config', (ctx) => {
    ctx.body = view();
  });
  router.put('/config', async (ctx) => {
    sim.configure((await json(ctx)) as never);
    ctx.body = view();
  });
  router.post('/preset', async (ctx) => {
    const { name, options } = PresetRequest.parse(await json(ctx));
    sim.applyPreset(name, options);
    const { latency, rate_limits } = sim.settings;
    ctx.body = {
      presets: sim.presetsApplied,
      latency,
      rate_limits,
      faults: sim.faults.list(),
    } satisfies A['PresetApplied'];
  });

  router.get('/faults', (ctx) => {
    ctx.body = {
      rules: sim.faults.list(),
      hits: Object.fromEntries(sim.faults.hitsByKind),
    } satisfies A['FaultList'];
  });
  router.post('/faults', async (ctx) => {
    const body = FaultsRequest.parse(await json(ctx));
    const added = ('rules' in body ? body.rules : [body]).map((r) => sim.faults.add(r));
    ctx.status = 201;
    ctx.body = { rules: added } satisfies A['FaultRuleBatchResult'];
  });
  router.delete('/faults', (ctx) => {
    sim.faults.clear();
    ctx.status = 204;
  });
  router.delete('/faults/:id', (ctx) => {
    if (!sim.faults.remove(ctx.params.id!))
      throw new AdminError(404, 'NOT_FOUND', `No fault rule ${ctx.params.id}`);
    ctx.status = 204;
  });

  router.get('/scenarios', (ctx) => {
    ctx.body = { scenarios: sim.scenarios.list() } satisfies A['ScenarioList'];
  });
  router.put('/scenarios/:company_id/:call_id', async (ctx) => {
    const callId = z.coerce.number().int().min(1).parse(ctx.params.call_id);
    const scenario = ScenarioSchema.strict().parse(await json(ctx));
    sim.setScenario({ company_id: ctx.params.company_id!, call_id: callId, ...scenario });
    ctx.body = { company_id: ctx.params.company_id, call_id: callId, ...scenario };
  });
  router.delete('/scenarios/:company_id/:call_id', (ctx) => {
    const callId = z.coerce.number().int().min(1).parse(ctx.params.call_id);
    if (!sim.scenarios.delete(ctx.params.company_id!, callId))
      throw new AdminError(404, 'NOT_FOUND', 'No such scenario');
    ctx.status = 204;
  });

  router.get('/jobs', (ctx) => {
    const q = Query.jobs.parse(ctx.query);
    const now = sim.clock.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    ctx.body = {
      jobs: sim.store.listJobs(q, now).map((j) => ({
        job_id: j.id,
        kind: j.kind,
        company_id: j.companyId,
        call_id: j.callId,
        state: jobState(j, now),
        created_at: iso(j.createdMs),
        started_at: iso(j.startMs),
        done_at: iso(j.doneMs),
        error: j.error,
        webhook_enqueued: j.settled,
      })),
    } satisfies A['JobList'];
  });
  router.get('/webhooks', (ctx) => {
    ctx.body = { deliveries: sim.webhooks.list(Query.webhooks.parse(ctx.query)) } satisfies A['DeliveryList'];
  });

  router.get('/time', (ctx) => {
    ctx.body = time();
  });
  router.post('/time/advance', async (ctx) => {
    const { seconds, settle } = AdvanceRequest.parse(await json(ctx));
    const fired = await sim.advance(seconds, settle ?? true);
    ctx.body = { ...time(), fired } satisfies A['AdvanceResult'];
  });

  router.get('/stats', (ctx) => {
    const now = sim.clock.now();
    ctx.body = {
      ...time(),
      jobs: sim.store.counts(now),
      idempotency: { keys: sim.idempotency.size, replays: sim.idempotency.replays },
      fault_hits: Object.fromEntries(sim.faults.hitsByKind),
      counters: sim.stats.snapshot(),
    } satisfies A['Stats'];
  });
  return router;
}
