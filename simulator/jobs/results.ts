// What the status and result endpoints answer (§4.1, §4.3, §4.4), and the result a webhook carries:
// job states read off the virtual clock, results rendered from the call's content in the tenant's (or
// the call's) payload shape, with the payload faults that hit them.
import type { components } from '../../generated/shunya/schema.d.ts';
import type { PayloadShape, WebhookProfile } from '../config.ts';
import { analysisBody, type CallContent, segmentationBody, transcriptBody } from '../content/index.ts';
import { errors } from '../errors.ts';
import { mutatePayload, type PayloadKind } from '../faults/payload.ts';
import { type FaultRule, isPayloadFault, type JobKind } from '../faults/rules.ts';
import type { Simulator } from '../simulator.ts';
import { buildPayload, handoffCompletedBody, serialize, type WebhookBody } from '../webhooks/payload.ts';
import { deviateResult, resultDeviates } from './deviate.ts';
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

/** A result already serialised as JSON (D590): the GET answers its text as it is. */
export class JsonText {
  constructor(readonly text: string) {}
}

/** Untouched results kept serialised: a result's webhook and its GET are moments apart (D590). */
const TEXTS_MAX = 128;

export class Results {
  private readonly texts = new Map<string, string>();

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

  /** A finished result for an HTTP GET, with the payload faults that hit it; its JSON text when nothing
   * touches it (D590). */
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
    const rules = this.rulesFor(job, tags);
    if (!this.untouched(job, rules, tags)) return this.finish(job, rules, tags, role);
    return new JsonText(this.textOf(job, role, () => JSON.stringify(this.finish(job, rules, tags, role))));
  }

  private rulesFor(job: Job, tags: string[]): FaultRule[] {
    return this.sim.faults.select({ companyId: job.companyId, tags }, isPayloadFault);
  }

  /** No payload fault and no result deviation: the result is the call's content alone, the same bytes for
   * the webhook and the GET. */
  private untouched(job: Job, rules: FaultRule[], tags: string[]): boolean {
    return rules.length === 0 && !resultDeviates(this.sim, job.kind, job.companyId, tags.includes('webhook'));
  }

  /**
   * An untouched result's JSON, serialised once for its webhook and the GET that follows it (D590), kept
   * for the last TEXTS_MAX results as the content cache keeps the calls (D370); `make` on a miss.
   */
  private textOf(job: Job, role: Role, make: () => string): string {
    const shape = this.shapeFor(job.call);
    const key = `${job.companyId}\u0000${job.id}\u0000${job.createdMs}\u0000${job.doneMs}\u0000${shape}\u0000${role}`;
    const hit = this.texts.get(key);
    if (hit !== undefined) return hit;
    const text = make();
    this.texts.set(key, text);
    if (this.texts.size > TEXTS_MAX) this.texts.delete(this.texts.keys().next().value as string);
    return text;
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
    return this.finish(job, this.rulesFor(job, tags), tags, role);
  }

  private finish(job: Job, rules: FaultRule[], tags: string[], role: Role): unknown {
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

  /**
   * A settled job's webhook: its payload (made on demand) and the payload serialised in the profile. An
   * untouched result in the handoff profile is written around its JSON text, which the GET then answers,
   * and its payload is made from that text only if a fault needs it (D590).
   */
  webhookMessage(job: Job, profile: WebhookProfile): { payload: () => WebhookBody; body: string } {
    const subject = {
      jobId: job.id,
      kind: job.kind,
      companyId: job.companyId,
      callId: job.callId,
      timestamp: iso(this.now()),
    };
    if (job.error) {
      const payload = buildPayload(profile, subject, { error: job.error });
      return { payload: () => payload, body: serialize(profile, payload) };
    }
    const tags = ['webhook', job.kind];
    const rules = this.rulesFor(job, tags);
    if (profile === 'handoff' && this.untouched(job, rules, tags)) {
      const text = this.textOf(job, 'sales_rep', () =>
        JSON.stringify(this.finish(job, rules, tags, 'sales_rep')),
      );
      return {
        payload: () => buildPayload(profile, subject, { result: JSON.parse(text) }),
        body: handoffCompletedBody(subject, text),
      };
    }
    const payload = buildPayload(profile, subject, { result: this.finish(job, rules, tags, 'sales_rep') });
    return { payload: () => payload, body: serialize(profile, payload) };
  }
}
