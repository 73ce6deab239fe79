// At-least-once webhook delivery (§8) as the Shunya contract's x-webhook-delivery states it (D48): each
// completed or failed job is POSTed to the tenant's webhook URL; an answer the policy marks `retry: true`
// (401, 404, 408, 429, 3xx, 5xx, a timeout, a connection error) is retried with exponential backoff and
// jitter (1, 2, 4, 8 … virtual seconds) until the attempts or the deadline run out; any other answer
// ends the delivery (2xx delivered; 400, 403, 413 and other 4xx failed). Every attempt is kept in the
// delivery log. Webhook faults (drop, duplicate, delay, reorder, bad signature, stale timestamp, wrong
// company_id) are decided when the delivery is created.
//
// X-Shunya-Timestamp is wall-clock time (Otto checks it against its own clock); the schedule of
// attempts is virtual time.
import { WEBHOOK_DELIVERY } from '../../generated/shunya/contract.ts';
import { handoffWebhookSignature } from '../../wire/signatures.ts';
import type { VirtualClock } from '../clock.ts';
import type { Settings, WebhookProfile } from '../config.ts';
import type { Deviation, Variation } from '../deviations.ts';
import type { FaultEngine } from '../faults/engine.ts';
import { type FaultKind, type FaultRule, isWebhookFault } from '../faults/rules.ts';
import { flatId } from '../flat.ts';
import { sampleLatency } from '../jobs/latency.ts';
import type { Job } from '../jobs/store.ts';
import type { Owner, Retention } from '../retention.ts';
import type { Stats } from '../stats.ts';
import { serialize, sign, type WebhookBody } from './payload.ts';
import { postWebhook } from './post.ts';

export interface Attempt {
  n: number;
  at: string;
  sent_at: string;
  timestamp_header: string;
  status: number | null;
  error: string | null;
  latency_ms: number;
  faults: FaultKind[];
  response_body?: string;
  /** The answer's Retry-After, in seconds, when it had one. */
  retry_after?: number;
}

export type DeliveryState =
  | 'scheduled'
  | 'held'
  | 'in_flight'
  | 'retrying'
  | 'delivered'
  | 'failed'
  | 'dropped';

export interface Delivery {
  id: string;
  job_id: string;
  kind: Job['kind'];
  company_id: string;
  call_id: number;
  event: 'completed' | 'failed';
  profile: WebhookProfile;
  url: string;
  state: DeliveryState;
  created_at: string;
  next_attempt_at: string | null;
  faults: FaultKind[];
  duplicate_of: string | null;
  body_bytes: number;
  attempts: Attempt[];
}

interface Internal extends Delivery {
  /** Kept while the delivery may still be attempted, then dropped (the log keeps only metadata). */
  /** the payload, made on demand: an untouched result's webhook is sent as its JSON text (D590) */
  payload: (() => WebhookBody) | null;
  body: string;
  firstAttemptMs: number | null;
  rules: FaultRule[];
}

export interface DispatcherDeps {
  clock: VirtualClock;
  faults: FaultEngine;
  stats: Stats;
  random: () => number;
  hmacSecret: string;
  settings(): Settings;
  target(companyId: string): { url: string; profile: WebhookProfile };
  /** The payload for a settled job in a profile (result or error, payload faults applied), and its
   * serialisation in that profile. */
  message(job: Job, profile: WebhookProfile): { payload: () => WebhookBody; body: string };
  /** Whether the tenant has a deliberate contract deviation on (deviations.ts). */
  deviates(companyId: string, d: Deviation): boolean;
  /** Whether the tenant has an allowed variation on (deviations.ts). */
  varies(companyId: string, v: Variation): boolean;
  /** Finished deliveries leave the log once this window has passed (D290). */
  retention?: Retention;
}

const NO_RULES: FaultRule[] = [];

const TERMINAL: readonly DeliveryState[] = ['delivered', 'failed', 'dropped'];

type Answers = typeof WEBHOOK_DELIVERY.answers;

/** The policy's entry for an attempt's outcome: its exact status, else its class (`4xx`, `5xx`, …). */
export function answerPolicy(status: number | null, timedOut: boolean): Answers[keyof Answers] {
  const a = WEBHOOK_DELIVERY.answers;
  if (status === null) return timedOut ? a.timeout : a.connection_error;
  const exact = a[String(status) as keyof Answers];
  if (exact) return exact;
  const cls = `${Math.floor(status / 100)}xx` as keyof Answers;
  return a[cls] ?? a['5xx'];
}

export class WebhookDispatcher {
  private log = new Map<string, Internal>();
  private held = new Map<string, Internal[]>();
  private inFlight = new Set<Promise<void>>();

  constructor(
    private readonly deps: DispatcherDeps,
    private readonly maxLog = 50_000,
  ) {}

  /** A job completed or failed: create its delivery (and a duplicate, if a fault says so). */
  enqueue(job: Job): void {
    const { clock, faults, stats } = this.deps;
    const { url, profile } = this.deps.target(job.companyId);
    const rules = faults.select({ companyId: job.companyId, tags: ['webhook', job.kind] }, isWebhookFault);
    const has = (k: FaultKind) => rules.find((r) => r.kind === k);
    const { payload, body } = this.deps.message(job, profile);
    const d: Internal = {
      id: flatId(),
      job_id: job.id,
      kind: job.kind,
      company_id: job.companyId,
      call_id: job.callId,
      event: job.error ? 'failed' : 'completed',
      profile,
      url,
      state: 'scheduled',
      created_at: clock.nowIso(),
      next_attempt_at: null,
      faults: rules.map((r) => r.kind),
      duplicate_of: null,
      body_bytes: Buffer.byteLength(body),
      attempts: [],
      payload,
      body,
      firstAttemptMs: null,
      rules,
    };
    this.remember(d);
    stats.inc('webhooks.created');
    if (has('webhook_drop')) {
      this.finish(d, 'dropped');
      stats.inc('webhooks.dropped');
      return;
    }
    const s = this.deps.settings();
    const delayed = has('webhook_delay');
    const delay =
      sampleLatency(s.latency.webhook, this.deps.random) + (delayed ? (delayed.params.delay_s ?? 120) : 0);
    const reorder = has('webhook_reorder');
    if (reorder) {
      // Held until the tenant's next webhook has been sent, then sent after it (or at most delay_s).
      d.state = 'held';
      const list = this.held.get(job.companyId) ?? [];
      list.push(d);
      this.held.set(job.companyId, list);
      clock.after(delay + (reorder.params.delay_s ?? 60), () => this.release(job.companyId, d));
    } else this.schedule(d, clock.now() + delay * 1000);
    if (has('webhook_duplicate')) {
      const dup: Internal = {
        ...d,
        id: flatId(),
        duplicate_of: d.id,
        attempts: [],
        faults: ['webhook_duplicate'],
        rules: [],
        state: 'scheduled',
      };
      this.remember(dup);
      stats.inc('webhooks.created');
      this.schedule(dup, clock.now() + (delay + 0.5) * 1000);
    }
  }

  list(
    filter: { company_id?: string; call_id?: number; job_id?: string; state?: string; limit?: number } = {},
  ): Delivery[] {
    const out: Delivery[] = [];
    for (const d of this.log.values()) {
      if (filter.company_id !== undefined && d.company_id !== filter.company_id) continue;
      if (filter.call_id !== undefined && d.call_id !== filter.call_id) continue;
      if (filter.job_id !== undefined && d.job_id !== filter.job_id) continue;
      if (filter.state !== undefined && d.state !== filter.state) continue;
      const { payload: _p, body: _b, firstAttemptMs: _f, rules: _r, ...pub } = d;
      out.push({ ...pub, attempts: [...d.attempts] });
    }
    return filter.limit !== undefined ? out.slice(-filter.limit) : out;
  }

  /** Resolves when every attempt now in flight has finished. */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  clear(): void {
    this.log.clear();
    this.held.clear();
  }

  private readonly expired: Owner<Internal> = {
    drop: (d) => {
      if (this.log.get(d.id) === d) this.log.delete(d.id);
    },
  };

  private finish(d: Internal, state: 'delivered' | 'failed' | 'dropped'): void {
    d.state = state;
    d.payload = null;
    d.body = '';
    d.rules = NO_RULES;
    // push() leaves spare room in an array (17 slots for one attempt); the log keeps it exactly sized (D370)
    d.attempts = d.attempts.slice();
    this.deps.retention?.keep(this.expired, d);
  }

  private remember(d: Internal): void {
    this.log.set(d.id, d);
    if (this.log.size <= this.maxLog) return;
    for (const [id, old] of this.log) {
      if (this.log.size <= this.maxLog) break;
      if (TERMINAL.includes(old.state)) this.log.delete(id);
    }
  }

  private schedule(d: Internal, atMs: number): void {
    d.next_attempt_at = new Date(atMs).toISOString();
    this.deps.clock.at(atMs, () => {
      if (!this.log.has(d.id)) return; // reset in between
      const p = this.attempt(d).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    });
  }

  private release(companyId: string, d: Internal): void {
    const list = this.held.get(companyId);
    if (!list?.includes(d)) return;
    this.held.set(
      companyId,
      list.filter((x) => x !== d),
    );
    this.schedule(d, this.deps.clock.now());
  }

  /** The delay before the next attempt: the policy's, jittered, unless a deviation or a variation
   * (the policy's extremes, D164) says otherwise. */
  private retryDelay(companyId: string, base: number, jitter: number): number {
    const { deviates, varies } = this.deps;
    if (deviates(companyId, 'webhook_retry_early')) return base / 20;
    if (deviates(companyId, 'webhook_retry_flat')) return 300;
    if (varies(companyId, 'webhook_retry_late'))
      return base * (1 + jitter) + (WEBHOOK_DELIVERY.late_tolerance_s ?? 0) * 0.9;
    if (varies(companyId, 'webhook_retry_early_within_jitter')) return base * (1 - jitter) * 1.02;
    return base * (1 + jitter * (2 * this.deps.random() - 1));
  }

  /** The same delivery once more, half a second later (at-least-once). */
  private redeliver(d: Internal): void {
    if (d.payload === null) return;
    const dup: Internal = { ...d, id: flatId(), duplicate_of: d.id, attempts: [], state: 'scheduled' };
    this.remember(dup);
    this.schedule(dup, this.deps.clock.now() + 500);
  }

  /** X-Shunya-Signature, as the profile says, unless a fault or a deviation breaks it. */
  private signature(
    d: Internal,
    ts: string,
    payload: () => unknown,
    body: string,
    badFault: boolean,
  ): string {
    const { hmacSecret } = this.deps;
    if (badFault || this.deps.deviates(d.company_id, 'webhook_signature_wrong'))
      return handoffWebhookSignature(`${hmacSecret}-wrong`, ts, body);
    const sig = sign(d.profile, hmacSecret, ts, payload, body);
    return this.deps.deviates(d.company_id, 'webhook_signature_uppercase') ? sig.toUpperCase() : sig;
  }

  private async attempt(d: Internal): Promise<void> {
    const { clock, stats } = this.deps;
    const s = this.deps.settings();
    if (d.payload === null) return; // already finished
    const n = d.attempts.length + 1;
    d.firstAttemptMs ??= clock.now();
    d.state = 'in_flight';
    d.next_attempt_at = null;
    const applies = (k: FaultKind) => {
      const r = d.rules.find((x) => x.kind === k);
      return r !== undefined && (n === 1 || r.params.all_attempts === true) ? r : undefined;
    };
    const deviates = (x: Deviation) => this.deps.deviates(d.company_id, x);
    const stale = applies('webhook_stale_timestamp');
    const staleS = stale ? (stale.params.age_s ?? 600) : deviates('webhook_stale_timestamp') ? 600 : 0;
    const nowMs = Date.now() - staleS * 1000;
    const ts = deviates('webhook_timestamp_seconds') ? String(Math.floor(nowMs / 1000)) : String(nowMs);
    const wrongCompany = applies('webhook_wrong_company') || deviates('webhook_wrong_company_id');
    const made = d.payload;
    const payload = wrongCompany ? () => ({ ...made(), company_id: `${d.company_id}-other` }) : made;
    const body = wrongCompany ? serialize(d.profile, payload()) : d.body;
    const signature = this.signature(d, ts, payload, body, !!applies('webhook_bad_signature'));
    const attempt: Attempt = {
      n,
      at: clock.nowIso(),
      sent_at: new Date().toISOString(),
      timestamp_header: ts,
      status: null,
      error: null,
      latency_ms: 0,
      faults: (['webhook_stale_timestamp', 'webhook_wrong_company', 'webhook_bad_signature'] as const).filter(
        (k) => applies(k),
      ),
    };
    d.attempts.push(attempt);
    stats.inc('webhooks.attempts');
    const started = performance.now();
    let timedOut = false;
    try {
      const res = await postWebhook(
        d.url,
        {
          'content-type': deviates('webhook_content_type_text') ? 'text/plain' : 'application/json',
          'user-agent': 'shunya-simulator',
          'x-shunya-signature': signature,
          'x-shunya-timestamp': ts,
          ...(deviates('webhook_without_task_id')
            ? {}
            : { 'x-shunya-task-id': deviates('webhook_task_id_mismatch') ? `${d.job_id}-other` : d.job_id }),
        },
        body,
        s.webhook_retry.timeout_ms,
      );
      attempt.status = res.status;
      attempt.response_body = (await res.text).slice(0, 300);
      if (res.retryAfter !== null && /^[0-9]+$/.test(res.retryAfter))
        attempt.retry_after = Number(res.retryAfter);
    } catch (err) {
      timedOut = err instanceof Error && err.name === 'TimeoutError';
      attempt.error =
        err instanceof Error
          ? `${err.name}: ${(err.cause as Error | undefined)?.message ?? err.message}`
          : String(err);
    }
    attempt.latency_ms = Math.round(performance.now() - started);
    if (!this.log.has(d.id)) return;
    for (const held of this.held.get(d.company_id) ?? []) if (held !== d) this.release(d.company_id, held);
    const policy = answerPolicy(attempt.status, timedOut);
    if (policy.outcome === 'delivered') {
      if (this.deps.varies(d.company_id, 'webhook_duplicate_delivery') && !d.duplicate_of) this.redeliver(d);
      this.finish(d, 'delivered');
      stats.inc('webhooks.delivered');
      return;
    }
    stats.inc('webhooks.failed_attempts');
    if (!policy.retry) {
      this.finish(d, 'failed');
      stats.inc('webhooks.refused');
      return;
    }
    if (deviates('webhook_no_retry')) {
      this.finish(d, 'failed');
      stats.inc('webhooks.gave_up');
      return;
    }
    const r = s.webhook_retry;
    const base = Math.min(r.max_delay_s, r.initial_delay_s * WEBHOOK_DELIVERY.multiplier ** (n - 1));
    // A 429's Retry-After (seconds) is a floor for the next delay (x-webhook-delivery answers.429).
    const floor = attempt.status === 429 ? Number(attempt.retry_after ?? 0) : 0;
    const delay = Math.max(floor, this.retryDelay(d.company_id, base, r.jitter));
    const next = clock.now() + delay * 1000;
    if (n >= r.max_attempts || next - d.firstAttemptMs > r.deadline_s * 1000) {
      this.finish(d, 'failed');
      stats.inc('webhooks.gave_up');
      return;
    }
    d.state = 'retrying';
    this.schedule(d, next);
  }
}
