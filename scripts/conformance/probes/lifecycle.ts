// Submitting a job and following it to completion (§2.2 "Process requests asynchronously", "Update job
// status"; §13.3.3): the status endpoint is polled with a growing interval (shorter on a fast simulator,
// --time-scale) until it says completed or failed, and polling stops early when the job's webhook
// arrives (one last status read then). The result endpoint is read once it is done.
import type { Exchange, RequestSpec } from '../client.ts';
import { exchangeEvidence } from '../ledger.ts';
import { type Job, type JobKind, type Session, webhookJobId } from '../session.ts';
import { fill, ID_FIELD, RESULT_OF, STATUS_OF } from './paths.ts';

const DONE = new Set(['completed', 'failed']);

export interface Submission {
  label: string;
  kind: JobKind;
  company: string;
  callId: number;
  audioS: number;
  spec: Omit<RequestSpec, 'purpose' | 'company'>;
  refusals: number;
}

/** Sends a submission and records its job (13.3.3: answered at once, with an id, as documented). */
export async function submit(s: Session, sub: Submission): Promise<Job | null> {
  const x = await s.send({ ...sub.spec, company: sub.company, purpose: `submit ${sub.label}` });
  const id = x.json?.[ID_FIELD[sub.kind]];
  const job = s.addJob({
    label: sub.label,
    kind: sub.kind,
    company: sub.company,
    callId: sub.callId,
    id: typeof id === 'string' && id.length > 0 ? id : null,
    audioS: sub.audioS,
    submit: x,
    refusals: sub.refusals,
    designated: true,
  });
  judgeAcceptance(s, job, x);
  return job.id ? job : null;
}

/** 13.3.3: a documented 2xx, within the budget, with the job's id and no finished result. */
function judgeAcceptance(s: Session, job: Job, x: Exchange): void {
  const op = s.op(x.spec.method, x.spec.template);
  const documented = [...(op?.responses.keys() ?? [])].filter((k) => k.startsWith('2'));
  const ms = Math.round(x.endedMs - x.startedMs);
  const problems: string[] = [];
  if (!(x.status >= 200 && x.status < 300)) problems.push(`answered ${x.status || x.error}`);
  else {
    if (!documented.includes(String(x.status)))
      problems.push(`answered ${x.status}; the contract documents ${documented.join('/')}`);
    if (!job.id) problems.push(`no ${ID_FIELD[job.kind]} in the answer`);
    if (x.json && ('part1' in x.json || 'transcript_text' in x.json))
      problems.push('answered with the finished result instead of a job (synchronous)');
  }
  if (ms > s.o.asyncBudgetMs) problems.push(`took ${ms} ms (budget ${s.o.asyncBudgetMs} ms)`);
  s.ledger.verdict(
    '13.3.3',
    `${job.label}: accepted at once with a job id`,
    `${x.status} with ${ID_FIELD[job.kind]} in ${ms} ms`,
    problems.length
      ? [
          exchangeEvidence(
            x,
            `a documented 2xx (${documented.join('/')}) with ${ID_FIELD[job.kind]} within ${s.o.asyncBudgetMs} ms (§2.2 "return job/task ID immediately")`,
            problems.join('; '),
          ),
        ]
      : [],
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Polls the job's status until done (or its webhook comes, or the deadline); true when completed. */
export async function follow(s: Session, job: Job): Promise<boolean> {
  const scale = Math.max(s.o.timeScale, 1e-6);
  let interval = Math.max(50, 2000 / scale);
  const maxInterval = Math.max(250, 15_000 / scale);
  let webhookSeen = false;
  let pollsAfterWebhook = 0;
  const polls: Exchange[] = [];
  while (s.left() > 0) {
    const x = await s.send({
      method: 'GET',
      path: fill(STATUS_OF[job.kind], job.callId),
      template: STATUS_OF[job.kind],
      company: job.company,
      purpose: `status of ${job.label}`,
    });
    polls.push(x);
    const named = x.status === 200 ? x.json?.[ID_FIELD[job.kind]] : undefined;
    if (typeof named === 'string' && named !== job.id && s.jobById(named)) {
      // The call was submitted again (a request that should have been refused, judged elsewhere) and
      // the status endpoint now reports that job (D24): the flow goes on with it, and this one is
      // followed to its webhook only.
      job.supersededBy = named;
      const latest = s.jobById(named)!;
      latest.designated = true;
      const ok = await follow(s, latest);
      await untilWebhook(s, job);
      judgeLifecycle(s, job, polls);
      return ok;
    }
    const state = typeof x.json?.status === 'string' ? x.json.status : `(HTTP ${x.status})`;
    if (job.states.at(-1) !== state) {
      job.states.push(state);
      s.log(`${job.label}: ${state}`);
    }
    if (DONE.has(state)) {
      job.completedEndMs = x.endedMs;
      job.failed = state === 'failed';
      if (job.failed) job.error = errorOf(x.json);
      break;
    }
    if (x.status === 200) job.lastPendingStartMs = x.startedMs;
    // The webhook said done and the status endpoint still does not, three reads later: judged below.
    if (webhookSeen && ++pollsAfterWebhook >= 3) break;
    const arrived = await s.receiver.waitFor(
      (d) => webhookJobId(d) === job.id,
      Math.min(performance.now() + interval, s.deadlineMs),
    );
    if (arrived) webhookSeen = true;
    interval = Math.min(maxInterval, interval * 1.25);
    if (!arrived) await sleep(0);
  }
  judgeLifecycle(s, job, polls);
  return job.completedEndMs !== null && !job.failed;
}

/** A superseded job's outcome, from its webhook (at most the webhook maximum after now, scaled). */
async function untilWebhook(s: Session, job: Job): Promise<void> {
  const waitMs = (s.contract.slas.webhook.max / Math.max(s.o.timeScale, 1e-6)) * 1000;
  const d = await s.receiver.waitFor(
    (x) => webhookJobId(x) === job.id && typeof x.json?.status === 'string',
    Math.min(s.deadlineMs, performance.now() + waitMs),
  );
  if (!d) return;
  job.states.push(`${d.json.status} (webhook)`);
  job.completedEndMs = d.receivedMs;
  job.failed = d.json.status === 'failed';
  if (job.failed) job.error = errorOf(d.json);
}

/** The error a failed job's status or webhook carries. */
export function errorOf(body: unknown): { code: string; message: string } | null {
  const e = (body as { error?: { error_code?: unknown; message?: unknown } } | undefined)?.error;
  if (!e || typeof e !== 'object' || typeof e.error_code !== 'string') return null;
  return { code: e.error_code, message: typeof e.message === 'string' ? e.message : '' };
}

/** 13.3.3: states from the contract's JobState, never back to an earlier one, ending in completed. */
function judgeLifecycle(s: Session, job: Job, polls: Exchange[]): void {
  const order = ['queued', 'pending', 'processing', 'completed'];
  const problems: string[] = [];
  const last = job.supersededBy ? job.states.at(-1)?.replace(' (webhook)', '') : job.states.at(-1);
  if (last !== 'completed')
    problems.push(
      last === 'failed'
        ? 'the job failed'
        : `not completed before the deadline (last state: ${last ?? 'none'})`,
    );
  for (let i = 1; i < job.states.length; i++) {
    const a = order.indexOf(job.states[i - 1]!);
    const b = order.indexOf(job.states[i]!);
    if (a >= 0 && b >= 0 && b < a) problems.push(`went back from ${job.states[i - 1]} to ${job.states[i]}`);
  }
  const idField = ID_FIELD[job.kind];
  // A status names the call's latest job (D24): another job the kit knows it started for the same
  // call (a request that should have been refused, judged elsewhere) is not this item's failure.
  const known = (id: unknown) =>
    id === job.id || s.jobs.some((j) => j.id === id && j.callId === job.callId && j.kind === job.kind);
  const wrongId = polls.find(
    (x) => x.status === 200 && x.json?.[idField] !== undefined && !known(x.json[idField]),
  );
  if (wrongId)
    problems.push(`the status names ${idField} ${JSON.stringify(wrongId.json[idField])}, not ${job.id}`);
  const evidence = polls.at(-1);
  const name = `${job.label}: status endpoint reports the lifecycle to completion`;
  // A job that failed with a catalogued code is a result the contract allows (D165).
  if (problems.length === 1 && last === 'failed' && job.error && s.contract.code(job.error.code)) {
    s.ledger.notChecked(
      '13.3.3',
      name,
      `not checked: the job failed with ${job.error.code} (${job.error.message}); rerun with \`--audio-url\` (a recording with speech) (states seen: ${job.states.join(' → ')})`,
    );
    return;
  }
  s.ledger.verdict(
    '13.3.3',
    name,
    job.states.join(' → '),
    problems.length && evidence
      ? [
          exchangeEvidence(
            evidence,
            'queued → processing → completed | failed (JobState), the same id throughout',
            `${problems.join('; ')} (states seen: ${job.states.join(' → ') || 'none'})`,
          ),
        ]
      : problems.length
        ? [{ note: problems.join('; ') }]
        : [],
  );
}

/** Reads the finished result (validated by the judges). */
export async function readResult(s: Session, job: Job, headers?: Partial<RequestSpec>): Promise<Exchange> {
  const x = await s.send({
    method: 'GET',
    path: fill(RESULT_OF[job.kind], job.callId),
    template: RESULT_OF[job.kind],
    company: job.company,
    purpose: `result of ${job.label}`,
    ...headers,
  });
  job.result = x;
  if (x.status !== 200)
    s.ledger.add(
      '13.1.2',
      `${job.label}: the result endpoint returns the finished result`,
      'fail',
      `answered ${x.status}`,
      [exchangeEvidence(x, '200 with the result once the job completed')],
    );
  return x;
}
