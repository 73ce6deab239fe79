// The fairness phase: one tenant floods `flood` calls as fast as Otto takes them while another tenant
// sends one call every 250 ms; what matters is the second tenant's end-to-end latency. With the per-tenant
// quota on (§11.2, the default), the flood's calls beyond the quota wait as pending jobs: the phase then
// waits only for the admitted ones, and reports how many wait and when the last is expected to start.
import { burst, postCall, type Sent } from './load.ts';
import { type Dist, dist, drain, readPhase } from './measure.ts';
import type { Progress } from './phase.ts';
import { ADMIN, type System } from './system.ts';

export interface FairnessResult {
  label: string;
  quotaPerHour: number | 'default';
  flood: number;
  floodAcknowledged: number;
  floodJobs: { status: string; n: number }[];
  /** flood calls whose job exists: every acknowledged call has one (nothing lost) */
  floodJobsFound: number;
  floodEndToEndMs: Dist;
  /** the latest expected start of a waiting flood job, as the ops API shows it (null: none waits) */
  floodLastExpectedStart: string | null;
  floodWaitedS: number;
  bystanderCalls: number;
  bystanderTriggerHttpMs: Dist;
  bystanderEndToEndMs: Dist;
  bystanderTriggerToSubmittedMs: Dist;
}

/** Waits until every flood job is terminal or waiting for its turn (pending, never admitted). */
async function settleFlood(sys: System, callIds: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await sys.db.raw(
      `SELECT count(*)::int AS n FROM shunya_jobs
       WHERE call_id = ANY(?::uuid[]) AND (job_status = 'running' OR (job_status = 'pending' AND attempts > 0))`,
      [callIds],
    );
    if (r.rows[0].n === 0) return;
    await new Promise((res) => setTimeout(res, 500));
  }
}

async function lastExpectedStart(sys: System): Promise<string | null> {
  const res = await fetch(
    `${sys.fleet.apiUrls[0]}/api/v1/ops/jobs?company_id=${sys.flooder.id}&status=pending&limit=1`,
    { headers: { authorization: `Bearer ${ADMIN}` } },
  );
  if (!res.ok) return null;
  const body = (await res.json()) as { items: { expected_start_at?: string | null }[] };
  return body.items[0]?.expected_start_at ?? null;
}

export async function runFairness(
  sys: System,
  label: string,
  o: { flood: number; quotaPerHour: number | 'default'; drainFlood: boolean },
  progress: Progress,
): Promise<FairnessResult> {
  let flooding = true;
  const bystanderSent: Sent[] = [];
  const floodPromise = burst(sys.fleet.apiUrls, sys.flooder, o.flood, 64, (n) =>
    progress(`${label}: flood sending`, n, o.flood),
  ).then((r) => {
    flooding = false;
    return r;
  });
  while (flooding) {
    bystanderSent.push(await postCall(sys.fleet.apiUrls[0] as string, sys.bystander));
    await new Promise((r) => setTimeout(r, 250));
  }
  const floodSent = await floodPromise;
  const floodIds = floodSent.map((s) => s.callId).filter((x): x is string => !!x);
  const bystanderIds = bystanderSent.map((s) => s.callId).filter((x): x is string => !!x);
  await drain(sys.db, bystanderIds, 60_000);
  const bystander = await readPhase(sys.db, bystanderIds);
  const t0 = Date.now();
  if (o.drainFlood)
    await drain(sys.db, floodIds, 900_000, (done) =>
      progress(`${label}: flood completing`, done, floodIds.length),
    );
  else await settleFlood(sys, floodIds, 600_000);
  const floodWaitedS = (Date.now() - t0) / 1000;
  const flood = await readPhase(sys.db, floodIds);
  return {
    label,
    quotaPerHour: o.quotaPerHour,
    flood: o.flood,
    floodAcknowledged: floodSent.filter((s) => s.status === 202).length,
    floodJobs: flood.jobs,
    floodJobsFound: flood.jobs.reduce((a, j) => a + j.n, 0),
    floodEndToEndMs: dist(flood.e2eMs),
    floodLastExpectedStart: await lastExpectedStart(sys),
    floodWaitedS,
    bystanderCalls: bystanderIds.length,
    bystanderTriggerHttpMs: dist(bystanderSent.map((s) => s.ms)),
    bystanderEndToEndMs: dist(bystander.e2eMs),
    bystanderTriggerToSubmittedMs: dist(bystander.triggerToSubmittedMs),
  };
}
