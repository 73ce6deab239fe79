// The two flows of §3, driven the way Otto drives them, for the tenants the kit was given:
// - a CSR call (§3.1): transcription → analysis; for tenant A it also carries the Idempotency-Key
//   checks (13.3.1, 13.9.1, 13.9.2), an early read of the result (404 until done), the refused
//   segmentation of a CSR call, and the webhook-retry probe (its first deliveries are refused);
// - a sales visit (§3.2): transcription → meeting segmentation → analysis.
import { randomUUID } from 'node:crypto';
import { audioUrl } from '../audio.ts';
import type { Exchange } from '../client.ts';
import { exchangeEvidence } from '../ledger.ts';
import type { Session } from '../session.ts';
import { flowAudio, publicUrl } from './audio-urls.ts';
import { follow, readResult, submit } from './lifecycle.ts';
import { fill, P } from './paths.ts';

export const CSR_AUDIO_S = 120;
export const SALES_AUDIO_S = 600;

/** Deliveries refused before one is accepted: the retry probe's job, and every other job. */
export const PROBE_REFUSALS = 2;
export const OTHER_REFUSALS = 1;

export async function csrFlow(s: Session, company: string, probe: boolean): Promise<number> {
  const callId = s.newCallId();
  const audio = flowAudio(s, `csr-${callId}`, CSR_AUDIO_S);
  const body = { call_id: callId, audio_url: audio.url, call_type: 'csr_call' };
  const key = randomUUID();
  const label = `${company === s.a ? 'A' : 'B'} CSR call ${callId} transcription`;
  s.log(`flow: ${label}`);
  const job = await submit(s, {
    label,
    kind: 'transcription',
    company,
    callId,
    audioS: audio.durationS ?? 0,
    spec: { method: 'POST', path: P.transcribe, template: P.transcribe, body, idempotencyKey: key },
    refusals: probe ? PROBE_REFUSALS : OTHER_REFUSALS,
  });
  if (!job) return callId;
  if (probe) {
    await analysisTooEarly(s, company);
    await idempotency(s, job.submit, key, body);
    await earlyResult(s, company, callId);
  }
  if (!(await follow(s, job))) return callId;
  await readResult(s, job);
  if (probe) await segmentationOfCsr(s, company, callId);
  const analysis = await submit(s, {
    label: `${company === s.a ? 'A' : 'B'} CSR call ${callId} analysis`,
    kind: 'analysis',
    company,
    callId,
    audioS: 0,
    spec: { method: 'POST', path: fill(P.analysisStart, callId), template: P.analysisStart },
    refusals: OTHER_REFUSALS,
  });
  if (analysis && (await follow(s, analysis))) await readResult(s, analysis);
  return callId;
}

export async function salesFlow(s: Session, company: string): Promise<void> {
  const callId = s.newCallId();
  const tag = company === s.a ? 'A' : 'B';
  const audio = flowAudio(s, `sales-${callId}`, SALES_AUDIO_S);
  s.log(`flow: ${tag} sales visit ${callId}`);
  const t = await submit(s, {
    label: `${tag} sales visit ${callId} transcription`,
    kind: 'transcription',
    company,
    callId,
    audioS: audio.durationS ?? 0,
    spec: {
      method: 'POST',
      path: P.transcribe,
      template: P.transcribe,
      body: { call_id: callId, audio_url: audio.url, call_type: 'sales_call' },
    },
    refusals: OTHER_REFUSALS,
  });
  if (!t || !(await follow(s, t))) return;
  await readResult(s, t);
  const seg = await submit(s, {
    label: `${tag} sales visit ${callId} segmentation`,
    kind: 'segmentation',
    company,
    callId,
    audioS: 0,
    spec: {
      method: 'POST',
      path: P.segment,
      template: P.segment,
      body: { call_id: callId, analysis_type: 'full' },
    },
    refusals: OTHER_REFUSALS,
  });
  if (seg && (await follow(s, seg))) await readResult(s, seg);
  const analysis = await submit(s, {
    label: `${tag} sales visit ${callId} analysis`,
    kind: 'analysis',
    company,
    callId,
    audioS: 0,
    spec: { method: 'POST', path: fill(P.analysisStart, callId), template: P.analysisStart },
    refusals: OTHER_REFUSALS,
  });
  if (analysis && (await follow(s, analysis))) await readResult(s, analysis);
}

/** 13.3.1 and 13.9.2: the same key and body again → the same answer and no new job; 13.9.1: the same
 * key with another body → the documented conflict. */
async function idempotency(s: Session, first: Exchange, key: string, body: Record<string, unknown>) {
  const again = await s.send({
    method: 'POST',
    path: P.transcribe,
    template: P.transcribe,
    company: s.a,
    body,
    idempotencyKey: key,
    purpose: 'the same Idempotency-Key and body again',
  });
  const same = again.status === first.status && JSON.stringify(again.json) === JSON.stringify(first.json);
  s.ledger.verdict(
    '13.3.1',
    'the same Idempotency-Key and body get the same answer',
    `${again.status}, identical body`,
    same
      ? []
      : [
          exchangeEvidence(
            again,
            `the first answer again (§4.6): ${first.status} ${first.text.slice(0, 200)}`,
          ),
        ],
  );
  const newJob = again.json?.task_id !== undefined && again.json.task_id !== first.json?.task_id;
  if (newJob) s.noteSideJob(again);
  s.ledger.verdict(
    '13.9.2',
    'a duplicate request creates no new job',
    'the replay names the same task_id',
    newJob
      ? [
          exchangeEvidence(
            again,
            `task_id ${first.json?.task_id} again (no new job)`,
            `a new job ${again.json.task_id}`,
          ),
        ]
      : [],
  );
  const conflictStatus = s.statusOf('IDEMPOTENCY_KEY_REUSED', 409);
  const other = await s.send(
    {
      method: 'POST',
      path: P.transcribe,
      template: P.transcribe,
      company: s.a,
      body: { ...body, audio_url: variant(String(body.audio_url)) },
      idempotencyKey: key,
      purpose: 'the same Idempotency-Key with another body',
    },
    {
      what: 'the same Idempotency-Key with another body',
      item: '13.9.1',
      statuses: [conflictStatus],
      codes: ['IDEMPOTENCY_KEY_REUSED'],
    },
  );
  if (other.status >= 200 && other.status < 300) s.noteSideJob(other);
  s.ledger.verdict(
    '13.9.1',
    'the same Idempotency-Key with another body is the documented conflict',
    `${other.status}`,
    other.status === conflictStatus
      ? []
      : [exchangeEvidence(other, `${conflictStatus} IDEMPOTENCY_KEY_REUSED (§4.6, contract)`)],
  );
}

function variant(url: string): string {
  try {
    const u = new URL(url);
    u.searchParams.set('variant', '2');
    return u.toString();
  } catch {
    return `${url}#2`;
  }
}

/** The result before the job is done: the documented 404 (only judged when it is not done yet). */
async function earlyResult(s: Session, company: string, callId: number): Promise<void> {
  const status = s.statusOf('TRANSCRIPT_NOT_AVAILABLE', 404);
  await s.send(
    {
      method: 'GET',
      path: fill(P.transcript, callId),
      template: P.transcript,
      company,
      purpose: 'the transcript before it is done',
    },
    {
      what: 'the transcript before it is done',
      item: '13.1.3',
      statuses: [status, 200],
      codes: ['TRANSCRIPT_NOT_AVAILABLE'],
    },
  );
}

async function segmentationOfCsr(s: Session, company: string, callId: number): Promise<void> {
  const status = s.statusOf('SEGMENTATION_NOT_APPLICABLE', 422);
  const x = await s.send(
    {
      method: 'POST',
      path: P.segment,
      template: P.segment,
      company,
      body: { call_id: callId, analysis_type: 'full' },
      purpose: 'segmentation of a CSR call',
    },
    {
      what: 'segmentation of a CSR call',
      item: '13.1.3',
      statuses: [status],
      codes: ['SEGMENTATION_NOT_APPLICABLE'],
    },
  );
  if (x.status >= 200 && x.status < 300) s.noteSideJob(x);
  s.ledger.verdict(
    '13.1.3',
    'segmentation of a CSR call is refused as documented',
    `${x.status}`,
    x.status === status ? [] : [exchangeEvidence(x, `${status} SEGMENTATION_NOT_APPLICABLE`)],
  );
}

/** Seconds of audio behind the early-analysis probe: long enough that its transcription is still
 * running when the kit asks for the analysis, even on a fast simulator. */
const NOT_READY_AUDIO_S = 7000;

/** 13.1.3: an analysis asked for while the call's transcription is still queued or processing is
 * refused with 409 TRANSCRIPT_NOT_READY (retryable), or TRANSCRIPT_FAILED should it have failed in
 * between. The call is one of its own, with long audio; judged only when a status read just before
 * says the transcription is not finished and one just after says it still was not. */
async function analysisTooEarly(s: Session, company: string): Promise<void> {
  const name = 'an analysis before the transcript is ready is refused with TRANSCRIPT_NOT_READY';
  const status = s.statusOf('TRANSCRIPT_NOT_READY', 409);
  const callId = s.newCallId();
  const submitted = await s.send({
    method: 'POST',
    path: P.transcribe,
    template: P.transcribe,
    company,
    body: {
      call_id: callId,
      // not a speech fixture (those are seconds long): a declared 7,000 s recording, or --audio-url
      audio_url: s.o.audioUrl ?? audioUrl(publicUrl(s), `not-ready-${callId}.wav`, NOT_READY_AUDIO_S),
      call_type: 'csr_call',
    },
    purpose: 'a call for the early-analysis probe',
  });
  if (submitted.status >= 200 && submitted.status < 300) s.noteSideJob(submitted);
  const read = (purpose: string) =>
    s.send({
      method: 'GET',
      path: fill(P.transcriptionStatus, callId),
      template: P.transcriptionStatus,
      company,
      purpose,
    });
  const before = await read('status before the early analysis');
  const pending = (x: Exchange) => x.status === 200 && !['completed', 'failed'].includes(x.json?.status);
  if (!pending(before)) {
    s.ledger.notChecked(
      '13.1.3',
      name,
      `not checked: the transcription was ${String(before.json?.status ?? before.status)} at once`,
    );
    return;
  }
  const x = await s.send(
    {
      method: 'POST',
      path: fill(P.analysisStart, callId),
      template: P.analysisStart,
      company,
      purpose: 'an analysis before the transcript is ready',
    },
    {
      what: 'an analysis before the transcript is ready',
      item: '13.1.3',
      statuses: [status],
      codes: ['TRANSCRIPT_NOT_READY', 'TRANSCRIPT_FAILED'],
    },
  );
  if (x.status === status) {
    s.ledger.verdict('13.1.3', name, `${x.status}`, []);
    return;
  }
  if (x.status >= 200 && x.status < 300) s.noteSideJob(x);
  const after = await read('status after the early analysis');
  if (!pending(after) && x.status >= 200 && x.status < 300) {
    s.ledger.notChecked('13.1.3', name, 'not checked: the transcription finished while the kit asked');
    return;
  }
  s.ledger.verdict('13.1.3', name, `${x.status}`, [
    exchangeEvidence(
      x,
      `${status} TRANSCRIPT_NOT_READY while the transcription is queued or processing (contract, startAnalysis)`,
      `the transcription was ${String(before.json?.status)} before and ${String(after.json?.status)} after this answer`,
    ),
  ]);
}
