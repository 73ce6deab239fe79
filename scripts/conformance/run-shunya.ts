// --target shunya: the whole run. Probes in order (health, security, refusals, the flows of both
// tenants side by side, isolation), then a wait for the webhooks still due, then every judge, then the
// §13 items. A spent budget or deadline ends the probes; what was not reached fails as "not checked".
import path from 'node:path';
import { ROOT } from './args.ts';
import { ShunyaClient, StopRun } from './client.ts';
import { loadContract } from './contract/load.ts';
import { judgeErrors } from './judges/errors.ts';
import {
  judgeEndpoints,
  judgeJobIds,
  judgeRateLimits,
  judgeRequestIds,
  probeHealth,
} from './judges/requests.ts';
import { judgeFieldRules } from './judges/rules.ts';
import { judgeSchemas } from './judges/schemas.ts';
import { judgeSlas } from './judges/slas.ts';
import { judgeWebhooks } from './judges/webhooks.ts';
import { type Check, Ledger } from './ledger.ts';
import { csrFlow, salesFlow } from './probes/flows.ts';
import { probeIsolation, probeIsolationEarly, probeSameCallId } from './probes/isolation.ts';
import { probeAudioLimits, probeInvalidBodies, probeUnknownCalls } from './probes/refusals.ts';
import { probeSecurity } from './probes/security.ts';
import { Receiver } from './receiver.ts';
import { finalize, type Report } from './results.ts';
import { type RunOptions, Session, webhookJobId } from './session.ts';

/** A file inside the repository by its relative path (reports are shared; absolute paths say nothing). */
const shown = (file: string) => (file.startsWith(`${ROOT}/`) ? path.relative(ROOT, file) : file);

const MARK = { pass: '✓', fail: '✗', 'needs-confirmation': '?', 'not-checked': '-' } as const;

/** Runs every promise to the end; rethrows the first failure afterwards (so no flow is left behind). */
async function all(promises: Promise<unknown>[]): Promise<unknown[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value);
}

/** The status the kit refuses a delivery with: one the policy says Shunya retries (503 preferred). */
function refusalStatus(s: Session): number {
  const retried = s.contract.webhookPolicy.retriedAnswers.map(Number).filter((n) => n >= 500 && n < 600);
  return retried.includes(503) ? 503 : (retried[0] ?? 503);
}

/** Waits until every finished job's webhook was accepted, failed jobs included (their webhooks are
 * refused and retried like any other, D165), at most the webhook maximum plus the retry schedule of its
 * refusals after the job completed (scaled), and never past the deadline. */
async function awaitWebhooks(s: Session): Promise<void> {
  const p = s.contract.webhookPolicy;
  const first = p.firstDelayS ?? 60;
  const retryS = first * (1 + p.factor) * (1 + p.jitter) + 2 * (p.lateToleranceS ?? 0);
  const waitMs = ((s.contract.slas.webhook.max + retryS) / s.o.timeScale) * 1000 + 2000;
  const jobs = s.jobs.filter((j) => j.designated && j.completedEndMs !== null);
  const failed = jobs.filter((j) => j.failed).length;
  s.log(`webhooks: waiting for ${jobs.length} jobs' accepted deliveries (${failed} of them failed jobs)`);
  await Promise.all(
    jobs.map((j) =>
      s.receiver.waitFor(
        (d) => webhookJobId(d) === j.id && d.answer < 300,
        Math.min(s.deadlineMs, (j.completedEndMs ?? 0) + waitMs),
      ),
    ),
  );
}

/** Why the run says nothing about the target, when none of its requests got an answer (exit 3, D176). */
function unanswered(client: ShunyaClient): string | null {
  const xs = client.exchanges;
  if (!xs.length || xs.some((x) => !x.error)) return null;
  return `none of the kit's ${xs.length} requests got an answer (the first: ${xs[0]!.error})`;
}

async function probe(s: Session): Promise<void> {
  await probeHealth(s);
  await probeSecurity(s);
  await probeInvalidBodies(s);
  await probeUnknownCalls(s);
  await probeAudioLimits(s);
  await probeIsolationEarly(s);
  const flows = [csrFlow(s, s.a, true), salesFlow(s, s.a), csrFlow(s, s.b, false)];
  if (!s.o.quick) flows.push(salesFlow(s, s.b));
  const [callOfA, , callOfB] = (await all([...flows, ...s.background])) as [number, undefined, number];
  await probeIsolation(s, callOfA, callOfB);
  if (!s.o.quick) await probeSameCallId(s, callOfA);
  await awaitWebhooks(s);
}

/** What the kit refused, said only of the jobs it is true for. */
function refusalNote(s: Session, refuse: number): string {
  const refused = s.jobs.filter((j) => j.refusals > 0 && s.deliveriesOf(j).length > 0);
  const others = s.jobs.filter((j) => j.refusals === 0 && s.deliveriesOf(j).length > 0).length;
  const byCount = new Map<number, number>();
  for (const j of refused) byCount.set(j.refusals, (byCount.get(j.refusals) ?? 0) + 1);
  const parts = [...byCount].map(
    ([n, jobs]) =>
      `the first ${n === 1 ? 'delivery' : `${n} deliveries`} of ${jobs} job${jobs === 1 ? '' : 's'}`,
  );
  return (
    `${s.receiver.deliveries.length} webhook deliveries received; ` +
    (parts.length
      ? `the kit refused ${parts.join(' and ')} with ${refuse}, to watch the retries (§13.5.5)`
      : 'no delivery was refused') +
    (others
      ? `; the deliveries of ${others} other job${others === 1 ? '' : 's'} (probes) were accepted at once.`
      : '.')
  );
}

export async function runShunya(o: RunOptions): Promise<Report> {
  const contract = loadContract(o.contractFile);
  const startedAt = new Date();
  const ledger = new Ledger((c: Check) => {
    if (c.verdict !== 'pass') o.log(`  ${MARK[c.verdict]} ${c.item} ${c.name}: ${c.detail}`);
  });
  const receiver = new Receiver();
  await receiver.listen(o.listenPort, o.listenHost);
  const client = new ShunyaClient({
    baseUrl: o.baseUrl.replace(/\/+$/, ''),
    jwtSecret: o.jwtSecret,
    hmacSecret: o.hmacSecret,
    maxRequests: o.maxRequests,
    deadlineMs: performance.now() + o.deadlineS * 1000,
    timeoutMs: 30_000,
    leewayS: contract.auth.leewayS,
  });
  const s = new Session(o, contract, client, receiver, ledger);
  const refuse = refusalStatus(s);
  receiver.decide = (d) => {
    const id = webhookJobId(d);
    const job = id ? s.jobById(id) : undefined;
    return job && s.deliveriesOf(job).length < job.refusals ? refuse : 200;
  };
  s.log(
    `Shunya at ${o.baseUrl}; contract ${shown(o.contractFile)} (version ${contract.version}); tenants ${s.a}, ${s.b}; webhooks to port ${receiver.port}`,
  );
  try {
    await probe(s);
  } catch (err) {
    if (!(err instanceof StopRun)) throw err;
    s.stopped = err.message;
    s.log(`stopped: ${err.message}`);
  } finally {
    await receiver.close();
  }
  const unreachable = unanswered(client);
  if (unreachable) s.log(`the target never answered: ${unreachable}`);
  s.log('judging');
  judgeEndpoints(s);
  judgeSchemas(s);
  judgeFieldRules(s);
  judgeErrors(s);
  judgeRequestIds(s);
  judgeJobIds(s);
  judgeRateLimits(s);
  judgeWebhooks(s);
  const timings = judgeSlas(s);
  return {
    target: 'shunya',
    title: 'Shunya conformance report',
    baseUrl: o.baseUrl,
    contract: { file: shown(o.contractFile), version: contract.version, sha256: contract.sha256 },
    startedAt: startedAt.toISOString(),
    durationS: (performance.now() - s.startedMs) / 1000,
    mode: `${o.quick ? '--quick' : 'full'}, time scale ${o.timeScale}, tenants ${s.a} and ${s.b}`,
    requests: { sent: client.requestsSent, budget: o.maxRequests },
    stopped: s.stopped,
    ...(unreachable ? { unreachable } : {}),
    notes: [refusalNote(s, refuse)],
    provenance: contract.provenance,
    items: finalize(ledger.checks, s.stopped),
    timings,
  };
}
