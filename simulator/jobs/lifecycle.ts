// What Shunya does with calls: accept transcription, analysis and segmentation, run each as a job
// (queued → processing → completed | failed, on the virtual clock, for a sampled latency), answer the
// status and result endpoints, and hand each finished job to the webhook dispatcher.
import { randomUUID } from 'node:crypto';
import type { components } from '../../generated/shunya/schema.d.ts';
import type { PayloadShape, WebhookProfile } from '../config.ts';
import { deriveAudio } from '../content/audio.ts';
import { analysisBody, type CallContent, segmentationBody, transcriptBody } from '../content/index.ts';
import { type ErrorObject, errors, SimError } from '../errors.ts';
import { mutatePayload, type PayloadKind } from '../faults/payload.ts';
import { isPayloadFault, type JobKind } from '../faults/rules.ts';
import type { Failure } from '../scenarios.ts';
import type { Simulator } from '../simulator.ts';
import { buildPayload, type WebhookBody } from '../webhooks/payload.ts';
import { sampleLatency } from './latency.ts';
import { type CallRecord, type Job, jobState } from './store.ts';

type S = components['schemas'];
const iso = (ms: number) => new Date(ms).toISOString();
const ID_PREFIX: Record<JobKind, string> = {
  transcription: 'shunya_task_',
  analysis: 'shunya_job_',
  segmentation: 'shunya_seg_',
};
const FAILURE_CODE: Record<JobKind, string> = {
  transcription: 'TRANSCRIPTION_FAILED',
  analysis: 'ANALYSIS_FAILED',
  segmentation: 'SEGMENTATION_FAILED',
};
const COMPONENTS: S['AnalysisComponent'][] = [
  'summary',
  'compliance',
  'objections',
  'qualification',
  'opportunity_analysis',
];
const RESULT_KIND: Record<JobKind, PayloadKind> = {
  transcription: 'transcript',
  analysis: 'analysis',
  segmentation: 'segmentation',
};

export class Lifecycle {
  constructor(private readonly sim: Simulator) {}

  private now() {
    return this.sim.clock.now();
  }

  private call(companyId: string, callId: number): CallRecord {
    const call = this.sim.store.getCall(companyId, callId);
    if (!call) throw errors.callNotFound(callId, companyId);
    return call;
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
    const forced: Failure | undefined = this.sim.scenarios.get(call.companyId, call.callId)?.fail?.[kind];
    const rule = this.sim.faults.select(
      { companyId: call.companyId, tags: [kind, 'job'] },
      (k) => k === 'job_failure',
      () => 'job',
    )[0];
    if (!forced && !rule) return null;
    const f = typeof forced === 'object' ? forced : {};
    return new SimError(
      500,
      f.error_code ?? rule?.params.error_code ?? FAILURE_CODE[kind],
      'server_error',
      f.message ?? rule?.params.message ?? `Failed to process ${kind} for call ${call.callId}`,
      f.retryable ?? rule?.params.retryable ?? true,
      { call_id: call.callId, stage: kind },
    ).toObject(iso(atMs), null);
  }

  private createJob(kind: JobKind, call: CallRecord, immediate = false): Job {
    const now = this.now();
    const latency = immediate
      ? 0
      : sampleLatency(this.sim.settings.latency[kind], this.sim.random, call.audio.duration_s);
    const doneMs = now + latency * 1000;
    const job: Job = {
      id: ID_PREFIX[kind] + randomUUID(),
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

  transcribe(companyId: string, req: S['TranscriptionRequest']): S['TranscriptionAccepted'] {
    const callType = req.call_type ?? 'csr_call';
    const scenario = this.sim.scenarios.get(companyId, req.call_id);
    const audio = deriveAudio(req.audio_url, callType, `${companyId}:${req.call_id}`, scenario);
    if (audio instanceof SimError) throw audio;
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

  private requireTranscript(call: CallRecord): void {
    const state = jobState(call.transcription, this.now());
    if (state !== 'completed') throw errors.transcriptNotReady(call.callId, state);
  }

  startAnalysis(companyId: string, callId: number): S['AnalysisAccepted'] {
    const call = this.call(companyId, callId);
    this.requireTranscript(call);
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

  /** 202 with a job (async, the handoff's model) or 200 with the finished segmentation (sync, Shunya's doc). */
  segment(companyId: string, req: S['SegmentationRequest']): { status: 200 | 202; body: unknown } {
    const call = this.call(companyId, req.call_id);
    if (call.callType !== 'sales_call') throw errors.segmentationNotApplicable(call.callId, call.callType);
    this.requireTranscript(call);
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
      return { status: 200, body: this.resultBody(job, ['segmentation_analyze', 'segmentation', 'http']) };
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
    return { status: 202, body };
  }

  transcriptionStatus(companyId: string, callId: number): S['TranscriptionStatus'] {
    const call = this.call(companyId, callId);
    const job = call.transcription;
    const state = jobState(job, this.now());
    return {
      success: true,
      call_id: callId,
      task_id: job.id,
      transcript_id: call.transcriptId,
      status: state,
      created_at: iso(job.createdMs),
      processed_at: state === 'completed' || state === 'failed' ? iso(job.doneMs) : null,
      error: state === 'failed' ? job.error : null,
    };
  }

  private jobOf(call: CallRecord, kind: 'analysis' | 'segmentation'): Job {
    const job = call[kind];
    if (!job)
      throw errors.notAvailable(
        'ANALYSIS_NOT_AVAILABLE',
        kind === 'analysis' ? 'Analysis' : 'Segmentation',
        call.callId,
        'not_started',
      );
    return job;
  }

  analysisStatus(companyId: string, callId: number): S['AnalysisStatus'] {
    const job = this.jobOf(this.call(companyId, callId), 'analysis');
    const now = this.now();
    const state = jobState(job, now);
    const progress = state === 'processing' ? (now - job.startMs) / (job.doneMs - job.startMs) : 0;
    const component = (i: number): S['JobState'] =>
      state !== 'processing'
        ? state
        : progress >= (i + 1) / (COMPONENTS.length + 1)
          ? 'completed'
          : i === 0 || progress >= i / (COMPONENTS.length + 1)
            ? 'processing'
            : 'queued';
    return {
      success: true,
      call_id: callId,
      job_id: job.id,
      status: state,
      components: Object.fromEntries(COMPONENTS.map((c, i) => [c, component(i)])),
      created_at: iso(job.createdMs),
      completed_at: state === 'completed' ? iso(job.doneMs) : null,
      error: state === 'failed' ? job.error : null,
    };
  }

  segmentationStatus(companyId: string, callId: number): S['SegmentationStatus'] {
    const job = this.jobOf(this.call(companyId, callId), 'segmentation');
    const state = jobState(job, this.now());
    const seg =
      state === 'completed'
        ? segmentationBody(this.content(job.call), { callId, jobId: job.id, createdAt: iso(job.doneMs) })
        : null;
    return {
      success: true,
      call_id: callId,
      job_id: job.id,
      status: state,
      has_segmentation_analysis: seg !== null,
      segmentation_analysis_available: seg !== null,
      part1_duration: seg?.part1.duration ?? null,
      part2_duration: seg?.part2.duration ?? null,
      meeting_structure_score: seg?.meeting_structure_score ?? null,
      created_at: iso(job.createdMs),
      error: state === 'failed' ? job.error : null,
    };
  }

  /** A finished result for an HTTP GET, with the payload faults that hit it. */
  result(
    companyId: string,
    callId: number,
    kind: JobKind,
    tags: string[],
    role: 'sales_rep' | 'customer_rep' = 'sales_rep',
  ): unknown {
    const call = this.call(companyId, callId);
    const job = kind === 'transcription' ? call.transcription : this.jobOf(call, kind);
    const state = jobState(job, this.now());
    if (state !== 'completed')
      throw errors.notAvailable(
        kind === 'transcription' ? 'TRANSCRIPT_NOT_AVAILABLE' : 'ANALYSIS_NOT_AVAILABLE',
        kind === 'transcription' ? 'Transcript' : kind === 'analysis' ? 'Analysis' : 'Segmentation',
        callId,
        state,
      );
    return this.resultBody(job, tags, role);
  }

  private content(call: CallRecord): CallContent {
    return this.sim.content.get({
      companyId: call.companyId,
      callId: call.callId,
      callType: call.callType,
      durationS: call.audio.duration_s,
      submittedMs: call.submittedMs,
      scenario: call.scenario,
    });
  }

  private shapeFor(call: CallRecord): PayloadShape {
    return (
      this.sim.scenarios.get(call.companyId, call.callId)?.payload_shape ??
      this.sim.effective(call.companyId).payload_shape
    );
  }

  private resultBody(job: Job, tags: string[], role: 'sales_rep' | 'customer_rep' = 'sales_rep'): unknown {
    const rules = this.sim.faults.select({ companyId: job.companyId, tags }, isPayloadFault);
    const shape = rules.some((r) => r.kind === 'shunya_shape') ? 'shunya' : this.shapeFor(job.call);
    const c = this.content(job.call);
    const call = job.call;
    const done = iso(job.doneMs);
    const body =
      job.kind === 'transcription'
        ? transcriptBody(c, shape, {
            callId: call.callId,
            transcriptId: call.transcriptId,
            taskId: job.id,
            createdAt: done,
            durationS: call.audio.duration_s,
          })
        : job.kind === 'analysis'
          ? analysisBody(c, shape, {
              callId: call.callId,
              jobId: job.id,
              createdAt: iso(job.createdMs),
              completedAt: done,
              targetRole: role,
            })
          : segmentationBody(c, { callId: call.callId, jobId: job.id, createdAt: done });
    return rules.length === 0 ? body : mutatePayload(body, RESULT_KIND[job.kind], rules, this.sim.random);
  }

  webhookPayload(job: Job, profile: WebhookProfile): WebhookBody {
    const subject = {
      jobId: job.id,
      kind: job.kind,
      companyId: job.companyId,
      callId: job.callId,
      timestamp: iso(this.now()),
    };
    return buildPayload(
      profile,
      subject,
      job.error ? { error: job.error } : { result: this.resultBody(job, ['webhook', job.kind]) },
    );
  }
}
