// What the status and result endpoints answer (§4.1, §4.3, §4.4), and the result a webhook carries:
// job states read off the virtual clock, results rendered from the call's content in the tenant's (or
// the call's) payload shape, with the payload faults that hit them.
import type { components } from '../../generated/shunya/schema.d.ts';
import type { PayloadShape, WebhookProfile } from '../config.ts';
import { analysisBody, type CallContent, segmentationBody, transcriptBody } from '../content/index.ts';
import { errors } from '../errors.ts';
import { mutatePayload, type PayloadKind } from '../faults/payload.ts';
import { isPayloadFault, type JobKind } from '../faults/rules.ts';
import type { Simulator } from '../simulator.ts';
import { buildPayload, type WebhookBody } from '../webhooks/payload.ts';
import { deviateResult } from './deviate.ts';
import { type CallRecord, type Job, jobState } from './store.ts';

type S = components['schemas'];
type Role = 'sales_rep' | 'customer_rep';
const iso = (ms: number) => new Date(ms).toISOString();
const COMPONENTS: (keyof S['AnalysisComponents'])[] = [
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

export class Results {
  constructor(private readonly sim: Simulator) {}

  private now() {
    return this.sim.clock.now();
  }

  private call(companyId: string, callId: number): CallRecord {
    return this.sim.lifecycle.call(companyId, callId);
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
      components: Object.fromEntries(COMPONENTS.map((c, i) => [c, component(i)])) as S['AnalysisComponents'],
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
    role: Role = 'sales_rep',
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
    return this.body(job, tags, role);
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

  /** The finished result of `job`, with the payload faults that hit it in the context `tags`. */
  body(job: Job, tags: string[], role: Role = 'sales_rep'): unknown {
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
    const out =
      rules.length === 0 ? body : mutatePayload(body, RESULT_KIND[job.kind], rules, this.sim.random);
    return deviateResult(this.sim, job.kind, job.companyId, out, tags.includes('webhook'));
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
      job.error ? { error: job.error } : { result: this.body(job, ['webhook', job.kind]) },
    );
  }
}
