// What Shunya does with submissions: accept transcription, analysis and segmentation, run each as a job
// (queued → processing → completed | failed, on the virtual clock, for a sampled latency) and hand each
// finished job to the webhook dispatcher. What the status and result endpoints answer is in results.ts.
import type { components } from '../../generated/shunya/schema.d.ts';
import { deriveAudio } from '../content/audio.ts';
import { BEYOND_SLA_ANALYSIS_S } from '../deviations.ts';
import { catalogued, type ErrorObject, errors, type JobFailureCode, SimError } from '../errors.ts';
import type { JobKind } from '../faults/rules.ts';
import { flatId } from '../flat.ts';
import type { Failure } from '../scenarios.ts';
import type { Simulator } from '../simulator.ts';
import { sampleLatency } from './latency.ts';
import { type CallRecord, type Job, jobState } from './store.ts';

type S = components['schemas'];
const iso = (ms: number) => new Date(ms).toISOString();
const ID_PREFIX: Record<JobKind, string> = {
  transcription: 'shunya_task_',
  analysis: 'shunya_job_',
  segmentation: 'shunya_seg_',
};
const FAILURE_CODE: Record<JobKind, JobFailureCode> = {
  transcription: 'TRANSCRIPTION_FAILED',
  analysis: 'ANALYSIS_FAILED',
  segmentation: 'SEGMENTATION_FAILED',
};
export class Lifecycle {
  constructor(private readonly sim: Simulator) {}

  private now() {
    return this.sim.clock.now();
  }

  call(companyId: string, callId: number): CallRecord {
    const call =
      this.sim.store.getCall(companyId, callId) ??
      (this.sim.deviates(companyId, 'cross_tenant_readable') ? this.sim.store.findCall(callId) : undefined);
    if (call) return call;
    if (this.sim.deviates(companyId, 'cross_tenant_forbidden') && this.sim.store.findCall(callId))
      throw catalogued('FORBIDDEN', 'This call belongs to another tenant', { call_id: callId });
    if (this.sim.varies(companyId, 'generic_not_found'))
      throw catalogued('NOT_FOUND', 'Not found', { call_id: callId });
    throw errors.callNotFound(callId, companyId);
  }

  /** §11.1: the tenant's limit on jobs in flight. */
  private checkConcurrency(companyId: string): void {
    const limit = this.sim.effective(companyId).max_concurrent_jobs;
    if (limit === null) return;
    const now = this.now();
    const { count, nextDoneMs } = this.sim.store.inFlight(companyId, now);
    if (count >= limit) {
      this.sim.stats.inc('rate_limited.concurrent_jobs');
      throw errors.rateLimited(Math.max(1, Math.ceil((nextDoneMs - now) / 1000)), {
        limit,
        window: 'concurrent jobs',
        in_flight: count,
      });
    }
  }

  private failureFor(kind: JobKind, call: CallRecord, atMs: number): ErrorObject | null {
    // The scenario in force when the job is created decides (content follows the one at transcription).
    // Variations the contract allows (D167): audio without speech, and audio over the limits refused
    // by its job rather than at once (x-audio-limits refusal: job_failure).
    if (kind === 'transcription' && call.refusedBy) return call.refusedBy.toObject(iso(atMs), null);
    if (kind === 'transcription' && this.sim.varies(call.companyId, 'silent_audio_fails'))
      return catalogued('PERMANENT_FAILURE', 'No speech detected in the audio', {
        call_id: call.callId,
        stage: kind,
      }).toObject(iso(atMs), null);
    const forced: Failure | undefined = this.sim.scenarios.get(call.companyId, call.callId)?.fail?.[kind];
    const rule = this.sim.faults.select(
      { companyId: call.companyId, tags: [kind, 'job'] },
      (k) => k === 'job_failure',
      () => 'job',
    )[0];
    if (!forced && !rule) return null;
    const f = typeof forced === 'object' ? forced : {};
    const code = f.error_code ?? rule?.params.error_code;
    const message = f.message ?? rule?.params.message ?? `Failed to process ${kind} for call ${call.callId}`;
    const retryable = f.retryable ?? rule?.params.retryable ?? true;
    const details = { call_id: call.callId, stage: kind };
    // A code the scenario or rule names is used as given (a deliberate deviation); otherwise the
    // catalogue's job failure code, or PERMANENT_FAILURE when the failure is not retryable (D47).
    const error = code
      ? new SimError(500, code, 'server_error', message, retryable, details)
      : errors.jobFailed(FAILURE_CODE[kind], retryable, message, details);
    return error.toObject(iso(atMs), null);
  }

  private createJob(kind: JobKind, call: CallRecord, immediate = false): Job {
    const now = this.now();
    const sampled = immediate
      ? 0
      : sampleLatency(this.sim.settings.latency[kind], this.sim.random, call.audio.duration_s);
    const beyond = kind === 'analysis' && this.sim.deviates(call.companyId, 'beyond_sla');
    const latency = beyond ? Math.max(sampled, BEYOND_SLA_ANALYSIS_S) : sampled;
    const doneMs = now + latency * 1000;
    const job: Job = {
      id: flatId(ID_PREFIX[kind]),
      kind,
      companyId: call.companyId,
      callId: call.callId,
      createdMs: now,
      // Queued for a tenth of the time (at most 2 s), then processing.
      startMs: now + Math.min(latency * 100, 2000),
      doneMs,
      error: this.failureFor(kind, call, doneMs),
      settled: false,
      call,
    };
    this.sim.store.addJob(job);
    this.sim.stats.inc(`jobs.${kind}.created`);
    if (immediate) this.settle(job);
    else this.sim.clock.at(doneMs, () => this.settle(job));
    return job;
  }

  private settle(job: Job): void {
    this.sim.store.settle(job);
    this.sim.stats.inc(`jobs.${job.kind}.${job.error ? 'failed' : 'completed'}`);
    this.sim.webhooks.enqueue(job);
  }

  /** `call_type` may be absent from a request (Otto always sends it; the strict contract requires it). */
  transcribe(
    companyId: string,
    req: Omit<S['TranscriptionRequest'], 'call_type'> & { call_type?: S['CallType'] | undefined },
  ): S['TranscriptionAccepted'] {
    const callType = req.call_type ?? 'csr_call';
    const scenario = this.sim.scenarios.get(companyId, req.call_id);
    const derived = deriveAudio(req.audio_url, callType, `${companyId}:${req.call_id}`, scenario, {
      checkLimits: !this.sim.deviates(companyId, 'audio_limits_unchecked'),
    });
    const async =
      derived instanceof SimError &&
      ['AUDIO_TOO_LARGE', 'AUDIO_TOO_LONG'].includes(derived.code) &&
      this.sim.varies(companyId, 'audio_refusal_async');
    if (derived instanceof SimError && !async) throw derived;
    const audio =
      derived instanceof SimError ? { format: 'wav' as const, duration_s: 60, size_bytes: 0 } : derived;
    this.rateLimitOnce(companyId);
    this.checkConcurrency(companyId);
    const call = {
      companyId,
      callId: req.call_id,
      callType,
      audioUrl: req.audio_url,
      audio,
      submittedMs: this.now(),
      scenario,
      transcriptId: this.sim.store.nextTranscriptId(),
      ...(derived instanceof SimError ? { refusedBy: derived } : {}),
    } as CallRecord;
    call.transcription = this.createJob('transcription', call);
    this.sim.store.putCall(call);
    return {
      success: true,
      task_id: call.transcription.id,
      transcript_id: call.transcriptId,
      call_id: call.callId,
      status: 'queued',
      message: 'Transcription job submitted',
    };
  }

  /** The `rate_limited_once` variation: the tenant's first submission is a 429 with Retry-After. */
  private rateLimitOnce(companyId: string): void {
    if (!this.sim.varies(companyId, 'rate_limited_once') || this.limitedOnce.has(companyId)) return;
    this.limitedOnce.add(companyId);
    throw errors.rateLimited(1, { limit: 1, window: 'first submission (variation)' });
  }

  private readonly limitedOnce = new Set<string>();

  private requireTranscript(call: CallRecord, kind: JobKind): void {
    if (kind === 'analysis' && this.sim.deviates(call.companyId, 'analysis_before_transcript')) return;
    const state = jobState(call.transcription, this.now());
    if (state !== 'completed') throw errors.transcriptNotReady(call.callId, state);
  }

  startAnalysis(companyId: string, callId: number): S['AnalysisAccepted'] {
    const call = this.call(companyId, callId);
    this.requireTranscript(call, 'analysis');
    this.checkConcurrency(companyId);
    call.analysis = this.createJob('analysis', call);
    return {
      success: true,
      job_id: call.analysis.id,
      call_id: callId,
      status: 'queued',
      message: 'Analysis pipeline started',
    };
  }

  /** 202 with a job (async, the strict contract) or 200 with the finished segmentation (sync, Shunya's doc). */
  segment(companyId: string, req: S['SegmentationRequest']): { status: 200 | 202; body: unknown } {
    const call = this.call(companyId, req.call_id);
    if (call.callType !== 'sales_call') throw errors.segmentationNotApplicable(call.callId, call.callType);
    this.requireTranscript(call, 'segmentation');
    if (this.sim.effective(companyId).segmentation_mode === 'sync') {
      const job = this.createJob('segmentation', call, true);
      call.segmentation = job;
      if (job.error)
        throw new SimError(
          500,
          job.error.error_code,
          'server_error',
          job.error.message,
          job.error.retryable,
          job.error.details ?? {},
        );
      return {
        status: 200,
        body: this.sim.results.body(job, ['segmentation_analyze', 'segmentation', 'http']),
      };
    }
    this.checkConcurrency(companyId);
    call.segmentation = this.createJob('segmentation', call);
    const body: S['SegmentationAccepted'] = {
      success: true,
      call_id: call.callId,
      job_id: call.segmentation.id,
      status: 'queued',
      message: 'Meeting segmentation job submitted',
    };
    return { status: this.sim.effective(companyId).submission_status, body };
  }
}
