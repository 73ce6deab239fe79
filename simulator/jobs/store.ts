// Tenant-scoped state: the calls each company submitted and the jobs run for them. A call is known
// only to the company that transcribed it; `call_id` is unique per company, never globally.

import type { AudioMeta } from '../content/audio.ts';
import type { CallType } from '../content/plan.ts';
import type { ErrorObject, SimError } from '../errors.ts';
import type { JobKind } from '../faults/rules.ts';
import type { Owner, Retention } from '../retention.ts';
import type { Scenario } from '../scenarios.ts';

export type JobState = 'queued' | 'processing' | 'completed' | 'failed';

export interface Job {
  id: string;
  kind: JobKind;
  companyId: string;
  callId: number;
  /** Virtual epoch ms: accepted, started processing, finished. */
  createdMs: number;
  startMs: number;
  doneMs: number;
  /** Set when the job fails (decided when it is created). */
  error: ErrorObject | null;
  /** The completion event ran (webhook enqueued). */
  settled: boolean;
  /** Wall-clock epoch ms of the completion event, for the retention window (D290). */
  settledAtMs?: number;
  /** The call as it was when the job was created (a later transcription replaces the tenant's call). */
  call: CallRecord;
}

export interface CallRecord {
  companyId: string;
  callId: number;
  callType: CallType;
  audioUrl: string;
  audio: AudioMeta;
  submittedMs: number;
  scenario: Scenario | undefined;
  transcriptId: number;
  transcription: Job;
  analysis?: Job;
  segmentation?: Job;
  /** The `audio_refusal_async` variation: the limit the audio breaks, refused by the job (D161). */
  refusedBy?: SimError;
}

export function jobState(job: Job, nowMs: number): JobState {
  if (nowMs < job.startMs) return 'queued';
  if (nowMs < job.doneMs) return 'processing';
  return job.error ? 'failed' : 'completed';
}

export interface JobFilter {
  company_id?: string;
  call_id?: number;
  state?: JobState;
  kind?: JobKind;
  limit?: number;
}

export class Store {
  private calls = new Map<string, Map<number, CallRecord>>();
  private jobs = new Map<string, Job>();
  private active = new Map<string, Set<Job>>();
  private transcriptSeq = 0;

  /** Without a retention window, everything is kept until reset. */
  constructor(private readonly retention?: Retention) {}

  private readonly expired: Owner<Job> = { drop: (job) => this.forget(job) };

  nextTranscriptId(): number {
    return ++this.transcriptSeq;
  }

  getCall(companyId: string, callId: number): CallRecord | undefined {
    return this.calls.get(companyId)?.get(callId);
  }

  /** A call of any tenant (only the `cross_tenant_readable` deviation looks this way). */
  findCall(callId: number): CallRecord | undefined {
    for (const tenant of this.calls.values()) {
      const call = tenant.get(callId);
      if (call) return call;
    }
    return undefined;
  }

  putCall(call: CallRecord): void {
    let tenant = this.calls.get(call.companyId);
    if (!tenant) {
      tenant = new Map();
      this.calls.set(call.companyId, tenant);
    }
    tenant.set(call.callId, call);
  }

  addJob(job: Job): void {
    this.jobs.set(job.id, job);
    let set = this.active.get(job.companyId);
    if (!set) {
      set = new Set();
      this.active.set(job.companyId, set);
    }
    set.add(job);
  }

  settle(job: Job): void {
    job.settled = true;
    job.settledAtMs = Date.now();
    this.active.get(job.companyId)?.delete(job);
    this.retention?.keep(this.expired, job);
  }

  /** A finished job past the retention window: gone, and its call with it once the call's last job is
   * (a call whose analysis or segmentation still runs, or finished later, stays). */
  private forget(job: Job): void {
    if (this.jobs.get(job.id) === job) this.jobs.delete(job.id);
    const call = job.call;
    const jobs = [call.transcription, call.analysis, call.segmentation].filter((j) => j !== undefined);
    if (jobs.some((j) => !j.settled || (j.settledAtMs ?? 0) > (job.settledAtMs ?? 0))) return;
    const tenant = this.calls.get(call.companyId);
    if (tenant?.get(call.callId) !== call) return;
    tenant.delete(call.callId);
    if (tenant.size === 0) this.calls.delete(call.companyId);
  }

  /** Jobs of the tenant not yet completed or failed at `nowMs`, and when the first of them ends. */
  inFlight(companyId: string, nowMs: number): { count: number; nextDoneMs: number } {
    let count = 0;
    let nextDoneMs = Number.POSITIVE_INFINITY;
    for (const j of this.active.get(companyId) ?? []) {
      if (j.doneMs <= nowMs) continue;
      count++;
      nextDoneMs = Math.min(nextDoneMs, j.doneMs);
    }
    return { count, nextDoneMs };
  }

  listJobs(filter: JobFilter, nowMs: number): Job[] {
    const out: Job[] = [];
    for (const j of this.jobs.values()) {
      if (filter.company_id !== undefined && j.companyId !== filter.company_id) continue;
      if (filter.call_id !== undefined && j.callId !== filter.call_id) continue;
      if (filter.kind !== undefined && j.kind !== filter.kind) continue;
      if (filter.state !== undefined && jobState(j, nowMs) !== filter.state) continue;
      out.push(j);
    }
    return filter.limit !== undefined ? out.slice(-filter.limit) : out;
  }

  counts(nowMs: number): Record<JobState, number> & { total: number; calls: number; tenants: number } {
    const c = {
      queued: 0,
      processing: 0,
      completed: 0,
      failed: 0,
      total: this.jobs.size,
      calls: 0,
      tenants: this.calls.size,
    };
    for (const j of this.jobs.values()) c[jobState(j, nowMs)]++;
    for (const t of this.calls.values()) c.calls += t.size;
    return c;
  }

  clear(): void {
    this.calls.clear();
    this.jobs.clear();
    this.active.clear();
    this.transcriptSeq = 0;
  }
}
