// One run against a Shunya: the options, the contract, the client, the receiver, the ledger, the jobs
// the kit started and the errors it provoked on purpose. Probes (probes/) drive Shunya through it;
// judges (judges/) read what it recorded.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Exchange, RequestSpec, ShunyaClient } from './client.ts';
import type { Contract, Operation } from './contract/load.ts';
import type { Ledger } from './ledger.ts';
import type { Delivery, Receiver } from './receiver.ts';

export type JobKind = 'transcription' | 'analysis' | 'segmentation';

export interface RunOptions {
  baseUrl: string;
  jwtSecret: string;
  hmacSecret: string;
  listenPort: number;
  listenHost: string;
  /** How Shunya reaches the kit's listener (webhooks are configured on Shunya's side; audio URLs use it). */
  publicUrl: string | undefined;
  reportDir: string;
  companies: [string, string];
  quick: boolean;
  /** Virtual seconds per real second of the target (a simulator's time scale; 1 for a real Shunya). */
  timeScale: number;
  maxRequests: number;
  deadlineS: number;
  /** How long a submission may take to answer with its job id (§2.2 "immediately"). */
  asyncBudgetMs: number;
  contractFile: string;
  /** A recording of the team's own to submit instead of the kit's speech fixtures (D175). */
  audioUrl: string | undefined;
  callIdBase: number | undefined;
  /** Progress lines (the CLI prints them; tests may collect them). */
  log: (line: string) => void;
}

export interface Job {
  label: string;
  kind: JobKind;
  company: string;
  callId: number;
  /** Shunya's id (task_id for a transcription, job_id otherwise); null when the submission failed. */
  id: string | null;
  /** Seconds of audio behind it (transcriptions). */
  audioS: number;
  submit: Exchange;
  /** Deliveries the kit refuses before it accepts one (§13.5.5). */
  refusals: number;
  /** Waited for to completion, webhook included. */
  designated: boolean;
  states: string[];
  /** Real ms: start of the last poll that still said "not completed"; end of the first that said so. */
  lastPendingStartMs: number | null;
  completedEndMs: number | null;
  failed: boolean;
  /** A failed job's error (from its status or its webhook). */
  error: { code: string; message: string } | null;
  /** The status endpoint reports another job of the call (it was submitted again); not timed. */
  supersededBy: string | null;
  result?: Exchange;
}

/** An error the kit provoked on purpose, and what the contract says it must be. */
export interface Provocation {
  what: string;
  item: string;
  statuses: number[];
  codes: string[];
  /** The probing item judges the code itself (13.6.3 then checks only that it is catalogued). */
  ownsCode?: boolean;
}

export class Session {
  readonly jobs: Job[] = [];
  readonly provoked = new Map<Exchange, Provocation>();
  /** The kit's own event-loop delay over the run: a late arrival may be the kit's lag, not Shunya's. */
  readonly loopDelay = monitorEventLoopDelay({ resolution: 20 });
  /** Probes that finish while the flows run (awaited before the judges). */
  readonly background: Promise<void>[] = [];
  /** Why the run ended early, if it did. */
  stopped: string | null = null;
  readonly startedMs = performance.now();
  readonly deadlineMs: number;
  private nextCall: number;

  constructor(
    readonly o: RunOptions,
    readonly contract: Contract,
    readonly client: ShunyaClient,
    readonly receiver: Receiver,
    readonly ledger: Ledger,
  ) {
    this.deadlineMs = this.startedMs + o.deadlineS * 1000;
    this.loopDelay.enable();
    // Call ids of its own, far above any real one and different on every run (§13: "its own call ids").
    const base = o.callIdBase ?? 7_000_000_000_000 + Math.floor(Math.random() * 900_000_000) * 1000;
    this.nextCall = base;
  }

  get a(): string {
    return this.o.companies[0];
  }

  get b(): string {
    return this.o.companies[1];
  }

  newCallId(): number {
    return ++this.nextCall;
  }

  log(line: string): void {
    const t = ((performance.now() - this.startedMs) / 1000).toFixed(1).padStart(6);
    this.o.log(`[${t}s] ${line}`);
  }

  /** The contract's operation for a request, by method and template. */
  op(method: string, template: string): Operation | undefined {
    return this.contract.op(method, template);
  }

  async send(spec: RequestSpec, provocation?: Provocation): Promise<Exchange> {
    const x = await this.client.send(spec);
    if (provocation) this.provoked.set(x, provocation);
    return x;
  }

  /** The catalogue's status for a code (for provocations), or the fallback given. */
  statusOf(code: string, fallback: number): number {
    return this.contract.code(code)?.status ?? fallback;
  }

  addJob(
    job: Omit<Job, 'states' | 'lastPendingStartMs' | 'completedEndMs' | 'failed' | 'error' | 'supersededBy'>,
  ): Job {
    const j: Job = {
      ...job,
      states: [],
      lastPendingStartMs: null,
      completedEndMs: null,
      failed: false,
      error: null,
      supersededBy: null,
    };
    this.jobs.push(j);
    return j;
  }

  /** A submission accepted where the kit expected a refusal: its job is known, not waited for.
   * `company`: whose job it is, when not the requester's (ANY_TENANT: unknown, a cross-tenant leak). */
  noteSideJob(x: Exchange, company?: string): void {
    const id = x.json?.task_id ?? x.json?.job_id;
    if (typeof id !== 'string' || this.jobById(id)) return;
    const kind: JobKind = x.spec.template.includes('analysis/start')
      ? 'analysis'
      : x.spec.template.includes('segmentation')
        ? 'segmentation'
        : 'transcription';
    const body = x.spec.body as { call_id?: number } | undefined;
    this.addJob({
      label: `side job (${x.purpose})`,
      kind,
      company: company ?? x.spec.company ?? '',
      callId: body?.call_id ?? Number(x.spec.path.split('/').pop()),
      id,
      audioS: 0,
      submit: x,
      refusals: 0,
      designated: false,
    });
  }

  jobById(id: string): Job | undefined {
    return this.jobs.find((j) => j.id === id);
  }

  /** Deliveries to the webhook path that name `job`. */
  deliveriesOf(job: Job): Delivery[] {
    return this.receiver.deliveries.filter((d) => job.id !== null && webhookJobId(d) === job.id);
  }

  /** The flows' jobs that failed with a catalogued code: what they would have shown was not seen, which
   * the contract allows (e.g. PERMANENT_FAILURE for audio without speech, D165). */
  allowedFailures(): Job[] {
    return this.jobs.filter(
      (j) => j.designated && j.failed && j.error !== null && this.contract.code(j.error.code) !== undefined,
    );
  }

  /** "not checked: the job failed with CODE (message); rerun with --audio-url", or null when no job
   * failed that way. */
  failedJobsNote(): string | null {
    const f = this.allowedFailures()[0];
    if (!f?.error) return null;
    const more = this.allowedFailures().length - 1;
    return `not checked: the job failed with ${f.error.code} (${f.error.message})${more > 0 ? ` (and ${more} more job${more === 1 ? '' : 's'})` : ''}; rerun with \`--audio-url\` (a recording with speech)`;
  }

  /** Remaining real time, ms. */
  left(): number {
    return this.deadlineMs - performance.now();
  }
}

/** The tenant of a job started through another tenant's call: unknown. */
export const ANY_TENANT = '*';

/** The job a delivery names (the strict field first, then the aliases Shunya's notes list). */
export function webhookJobId(d: Delivery): string | null {
  const j = d.json;
  if (!j || typeof j !== 'object') return d.headers['x-shunya-task-id'] ?? null;
  const id = j.shunya_job_id ?? j.job_id ?? j.task_id ?? d.headers['x-shunya-task-id'];
  return typeof id === 'string' ? id : null;
}
