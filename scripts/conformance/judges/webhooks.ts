// What arrived at the kit's listener, judged against §8 and the contract's strict webhook:
// 13.2.3 the signature is the lowercase hex HMAC-SHA256 of "{X-Shunya-Timestamp}." + the raw body;
// 13.2.4 both security headers on every delivery; 13.2.5 the timestamp is 13 digits of epoch ms, fresh;
// 13.2.6 the shared UWC_HMAC_SECRET verifies them; 13.5.1 deliveries come to POST /api/v1/shunya/webhook;
// 13.5.2 the payload (the strict schema, a known job, its tenant, its status); 13.5.3 the headers incl.
// X-Shunya-Task-Id; 13.5.4 every job got a delivery; 13.5.5 refused deliveries are retried with
// backoff; 13.10.1 the result is the result endpoint's object.

import { handoffWebhookSignature } from '../../../wire/signatures.ts';
import type { SchemaError } from '../contract/load.ts';
import { deliveryEvidence, type Evidence } from '../ledger.ts';
import { type Delivery, WEBHOOK_PATH } from '../receiver.ts';
import { ANY_TENANT, type Session, webhookJobId } from '../session.ts';

const hmac = handoffWebhookSignature;

const SIGNING =
  'X-Shunya-Signature = lowercase hex HMAC-SHA256(UWC_HMAC_SECRET, "{X-Shunya-Timestamp}." + raw body) (§8.1)';

function perDelivery(
  s: Session,
  deliveries: Delivery[],
  item: string,
  name: string,
  problem: (d: Delivery) => string | null,
  contract: string,
): void {
  const failures: Evidence[] = [];
  for (const d of deliveries) {
    const p = problem(d);
    if (p) failures.push(deliveryEvidence(d, contract, p));
  }
  if (deliveries.length === 0) failures.push({ note: 'no webhook arrived, so none could be checked' });
  s.ledger.verdict(item, name, `${deliveries.length} deliveries`, failures);
}

function security(s: Session, ds: Delivery[]): void {
  const secret = s.o.hmacSecret;
  const tolerance = s.contract.webhookPolicy.toleranceS;
  perDelivery(
    s,
    ds,
    '13.2.4',
    'every webhook carries X-Shunya-Signature and X-Shunya-Timestamp',
    (d) => {
      const missing = ['x-shunya-signature', 'x-shunya-timestamp'].filter((h) => !d.headers[h]);
      return missing.length ? `missing ${missing.join(', ')}` : null;
    },
    '§8.3: both headers are required',
  );
  perDelivery(
    s,
    ds,
    '13.2.3',
    'every webhook is signed as §8.1 says',
    (d) => {
      const sig = d.headers['x-shunya-signature'];
      const ts = d.headers['x-shunya-timestamp'];
      if (!sig || !ts) return 'no signature to verify';
      const expected = hmac(secret, ts, d.raw);
      if (sig === expected) return null;
      if (sig.toLowerCase() === expected) return 'the signature is right but not lowercase hex';
      return `signature ${sig.slice(0, 16)}… does not match ${expected.slice(0, 16)}…`;
    },
    SIGNING,
  );
  perDelivery(
    s,
    ds,
    '13.2.5',
    `every X-Shunya-Timestamp is epoch milliseconds, within ${tolerance} s`,
    (d) => {
      const ts = d.headers['x-shunya-timestamp'] ?? '';
      if (!/^\d{13}$/.test(ts)) return `"${ts}" is not 13 digits of epoch milliseconds`;
      const skew = Math.abs(d.wallMs - Number(ts)) / 1000;
      return skew > tolerance ? `${Math.round(skew)} s away from the receiver's clock` : null;
    },
    `§8.2: epoch milliseconds, at most ${tolerance} s old`,
  );
  const verified = ds.some((d) => {
    const ts = d.headers['x-shunya-timestamp'];
    return !!ts && d.headers['x-shunya-signature']?.toLowerCase() === hmac(secret, ts, d.raw);
  });
  s.ledger.verdict(
    '13.2.6',
    'webhooks verify with the shared UWC_HMAC_SECRET',
    'the signatures verify with --hmac-secret',
    verified
      ? []
      : ds.length === 0
        ? [{ note: 'no webhook arrived, so no signature could be verified' }]
        : ds
            .slice(0, 1)
            .map((d) => deliveryEvidence(d, SIGNING, 'no delivery verifies with the shared secret')),
  );
}

/** The errors of a webhook body that concern its envelope (the result is the result endpoint's body,
 * judged with the results, 13.4), against the alternative of the schema it comes closest to (a body
 * meant as `completed` is not also told it lacks the `failed` shape's fields). */
export function envelopeErrors(s: Session, body: unknown): SchemaError[] {
  const own = (errors: SchemaError[]) =>
    errors.filter(
      (e) =>
        !/^\/(result|error)(\/|$)/.test(e.instancePath) &&
        !['oneOf', 'anyOf', 'if', 'then', 'else'].includes(e.keyword),
    );
  const per = (s.contract.webhook?.branches ?? []).map((b) => own(s.contract.validate(b, body)));
  return per.length ? per.reduce((a, b) => (b.length < a.length ? b : a)) : [];
}

function payloads(s: Session, ds: Delivery[]): void {
  const schema = s.contract.webhook?.requestSchema;
  perDelivery(
    s,
    ds,
    '13.5.2',
    "every payload is the contract's strict webhook, naming a job of its tenant",
    (d) => {
      if (!d.json || typeof d.json !== 'object') return 'the body is not a JSON object';
      const problems: string[] = [];
      if (schema) {
        const errs = envelopeErrors(s, d.json);
        problems.push(...errs.slice(0, 4).map((e) => `${e.instancePath || '/'} ${e.message}`));
      }
      const id = d.json.shunya_job_id;
      const job = typeof id === 'string' ? s.jobById(id) : undefined;
      if (!job) problems.push(`shunya_job_id ${JSON.stringify(id)} is no job the kit submitted`);
      else {
        if (job.company !== ANY_TENANT && d.json.company_id !== job.company)
          problems.push(`company_id ${JSON.stringify(d.json.company_id)}; the job is ${job.company}'s`);
        if (d.json.status === 'completed' && !d.json.result) problems.push('completed without a result');
        if (d.json.status === 'failed' && !d.json.error) problems.push('failed without an error');
      }
      return problems.length ? problems.join('; ') : null;
    },
    `the strict webhook ${s.contract.webhook?.name ?? '(none in the contract)'}: shunya_job_id, status, company_id, result | error (§8)`,
  );
  perDelivery(
    s,
    ds,
    '13.5.3',
    'every webhook carries X-Shunya-Task-Id naming its job, as JSON',
    (d) => {
      const task = d.headers['x-shunya-task-id'];
      if (!task) return 'no X-Shunya-Task-Id';
      if (task !== webhookJobId(d))
        return `X-Shunya-Task-Id ${task} is not the payload's job ${webhookJobId(d)}`;
      return (d.headers['content-type'] ?? '').startsWith('application/json')
        ? null
        : `Content-Type ${d.headers['content-type']}`;
    },
    '§8.3 headers; Content-Type: application/json',
  );
}

function reliability(s: Session): void {
  const jobs = s.jobs.filter((j) => j.designated && j.completedEndMs !== null);
  const failures: Evidence[] = jobs
    .filter((j) => s.deliveriesOf(j).length === 0)
    .map((j) => ({ note: `no webhook for ${j.label} (${j.id}) before the end of the run` }));
  if (jobs.length === 0) failures.push({ note: 'no job finished, so no webhook could be expected' });
  s.ledger.verdict(
    '13.5.4',
    'every finished job was announced by a webhook',
    `${jobs.length} jobs, each with a delivery`,
    failures,
  );
}

/** Real milliseconds of timer granularity allowed in favour of the sender. */
const TIMER_MS = 2;

/** The gaps between a job's deliveries, from the kit's answer to the next arrival (plus the timer
 * allowance), in virtual seconds. */
function gaps(s: Session, ds: Delivery[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < ds.length; i++)
    out.push(((ds[i]!.receivedMs - ds[i - 1]!.answeredMs + TIMER_MS) / 1000) * s.o.timeScale);
  return out;
}

function retries(s: Session): void {
  const p = s.contract.webhookPolicy;
  const jobs = s.jobs.filter((j) => j.refusals > 0 && s.deliveriesOf(j).length > 0);
  const failures: Evidence[] = [];
  for (const job of jobs) {
    const ds = s.deliveriesOf(job);
    const accepted = ds.findIndex((d) => d.answer < 300);
    if (accepted < 0) {
      failures.push(
        deliveryEvidence(
          ds.at(-1)!,
          policyText(s),
          `${ds.length} deliveries, all refused by the kit, and no retry before the end of the run`,
        ),
      );
      continue;
    }
    const g = gaps(s, ds.slice(0, accepted + 1));
    const problem = backoffProblem(p, g, (lateMs(s) / 1000) * s.o.timeScale);
    if (problem) failures.push(deliveryEvidence(ds[accepted]!, policyText(s), `${job.label}: ${problem}`));
  }
  if (jobs.length === 0) failures.push({ note: 'no delivery was refused, so no retry could be watched' });
  const sent = [
    ...new Set(
      jobs.flatMap((j) =>
        s
          .deliveriesOf(j)
          .filter((d) => d.answer >= 300)
          .map((d) => d.answer),
      ),
    ),
  ];
  s.ledger.verdict(
    '13.5.5',
    'a refused delivery is retried with backoff',
    `${jobs.length} jobs: retried after the kit's ${sent.join('/') || 'refusal'}, on the policy's schedule`,
    failures,
  );
}

/** Real milliseconds the kit allows a retry to be late beyond the policy's own tolerance: its own
 * measurement error (the network, and the longest its event loop was held up during the run, as a
 * loaded machine delays the receipt, D164). */
function lateMs(s: Session): number {
  s.loopDelay.disable();
  return 250 + s.loopDelay.max / 1e6;
}

/** Each gap at least the policy's delay for that retry, less its jitter. Gaps are measured from the
 * kit's answer, so the network and the sender's own lag only lengthen them: a gap below the delay is
 * certain. Without a stated schedule nothing certain can be said about growth (a late first retry
 * makes any second one look early), so only the retry itself is judged (D70). When the contract bounds
 * lateness (`late_tolerance_s`), each gap is also at most the delay plus its jitter, the tolerance and
 * `slackS` (the kit's own measurement error, virtual seconds) (D164). */
export function backoffProblem(
  p: import('../contract/model.ts').WebhookPolicy,
  g: number[],
  slackS = 0,
): string | null {
  if (p.firstDelayS === null) return null;
  const fmt = (n: number) => `${n.toFixed(2)} s`;
  for (let i = 0; i < g.length; i++) {
    const delay = Math.min(p.maxDelayS ?? Number.POSITIVE_INFINITY, p.firstDelayS * p.factor ** i);
    const policy = `the policy's delay is ${fmt(delay)} ±${Math.round(p.jitter * 100)}%`;
    if (g[i]! < delay * (1 - p.jitter))
      return `retry ${i + 1} came ${fmt(g[i]!)} after the refusal; ${policy}`;
    if (p.lateToleranceS === null) continue;
    const latest = delay * (1 + p.jitter) + p.lateToleranceS;
    if (g[i]! > latest + slackS)
      return `retry ${i + 1} came ${fmt(g[i]!)} after the refusal, later than ${fmt(latest)}; ${policy}, at most ${fmt(p.lateToleranceS)} late (late_tolerance_s)`;
  }
  return null;
}

/** JSON with sorted keys (key order is not meaning), without the top-level `success` flag. */
function canonical(v: unknown, top = false): string {
  if (Array.isArray(v)) return `[${v.map((x) => canonical(x)).join(',')}]`;
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  const keys = Object.keys(v)
    .filter((k) => !(top && k === 'success'))
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
}

const shown = (v: unknown) => (v === undefined ? '(absent)' : clipValue(JSON.stringify(v)));
const clipValue = (t: string) => (t.length > 120 ? `${t.slice(0, 120)}… (${t.length} characters)` : t);

/** Where two JSON values differ, as JSON pointers (the top-level `success` flag aside). */
export function differences(
  webhook: unknown,
  endpoint: unknown,
  path = '',
): { path: string; webhook: string; endpoint: string }[] {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  if (isObj(webhook) && isObj(endpoint) && Array.isArray(webhook) === Array.isArray(endpoint)) {
    const keys = [...new Set([...Object.keys(webhook), ...Object.keys(endpoint)])].filter(
      (k) => !(path === '/result' && k === 'success'),
    );
    return keys.flatMap((k) =>
      differences(
        (webhook as Record<string, unknown>)[k],
        (endpoint as Record<string, unknown>)[k],
        `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`,
      ),
    );
  }
  return canonical(webhook) === canonical(endpoint)
    ? []
    : [{ path: path || '/', webhook: shown(webhook), endpoint: shown(endpoint) }];
}

const policyText = (s: Session) =>
  s.contract.provenance.find((x) => x.what === 'webhook delivery policy')?.detail ?? '';

/** 13.10.1: each result read from a result endpoint against the webhook of the job it names (a status
 * and a result name the call's latest job, D24). */
function sameObject(s: Session): void {
  const failures: Evidence[] = [];
  let compared = 0;
  for (const job of s.jobs) {
    const res = job.result;
    if (res?.status !== 200) continue;
    const named = res.json?.task_id ?? res.json?.job_id;
    const of = typeof named === 'string' ? (s.jobById(named) ?? job) : job;
    const d = s.deliveriesOf(of).find((x) => x.json?.result && typeof x.json.result === 'object');
    if (!d) continue;
    compared++;
    const diff = differences(d.json.result, res.json, '/result');
    if (diff.length)
      failures.push(
        deliveryEvidence(
          d,
          "the webhook's result is the object the job's result endpoint returns (contract, §8)",
          `differs from GET ${res.spec.path} at ${diff.length} place${diff.length === 1 ? '' : 's'}: ${diff
            .slice(0, 3)
            .map((x) => `${x.path}: the webhook has ${x.webhook}, the endpoint ${x.endpoint}`)
            .join('; ')}`,
          diff[0]!.path,
        ),
      );
  }
  const note = s.failedJobsNote();
  if (compared === 0 && note) {
    s.ledger.notChecked('13.10.1', "a webhook's result is the result endpoint's object", note);
    return;
  }
  if (compared === 0) failures.push({ note: 'no webhook result and result endpoint answer to compare' });
  s.ledger.verdict(
    '13.10.1',
    "a webhook's result is the result endpoint's object",
    `${compared} results compared`,
    failures,
  );
}

export function judgeWebhooks(s: Session): void {
  const all = s.receiver.deliveries;
  const misdirected = all.filter((d) => d.path !== WEBHOOK_PATH || d.method !== 'POST');
  const ds = all.filter((d) => !misdirected.includes(d));
  s.ledger.verdict('13.5.1', `webhooks arrive at POST ${WEBHOOK_PATH}`, `${ds.length} deliveries`, [
    ...misdirected.map((d) => deliveryEvidence(d, `POST ${WEBHOOK_PATH} (§8)`, 'another path')),
    ...(ds.length === 0 ? [{ note: "no webhook arrived at the kit's listener" }] : []),
  ]);
  security(s, ds);
  payloads(s, ds);
  reliability(s);
  retries(s);
  sameObject(s);
}
