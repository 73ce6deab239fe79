// Refusals the contract documents, provoked with the kit's own call ids:
// - bodies the contract's request schema forbids → the documented validation status (13.1.3);
// - a call id no tenant submitted → 404 CALL_NOT_FOUND on every operation that names a call (13.1.3);
// - audio over the stated limits, or in an unsupported format → 422 with its code (13.7.3, §11.3).
// The envelope, code, retryable flag and request id of each are judged by judges/errors.ts.
import type { Exchange } from '../client.ts';
import { type Evidence, exchangeEvidence } from '../ledger.ts';
import type { Session } from '../session.ts';
import { audioUrlFor } from './audio-urls.ts';
import { CALL_GETS, fill, P } from './paths.ts';

interface BodyCase {
  name: string;
  /** The catalogue's codes for it (a body that cannot be read may be BAD_REQUEST). */
  codes?: string[];
  template: string;
  body?: unknown;
  raw?: string;
}

function bodyCases(s: Session): BodyCase[] {
  const ok = audioUrlFor(s, 'probe', 60);
  return [
    {
      name: 'a body that is not JSON',
      template: P.transcribe,
      raw: '{"call_id": 1,',
      codes: ['BAD_REQUEST', 'VALIDATION_ERROR'],
    },
    { name: 'a body without call_id and audio_url', template: P.transcribe, body: {} },
    { name: 'call_id as a string', template: P.transcribe, body: { call_id: 'abc', audio_url: ok } },
    { name: 'call_id zero', template: P.transcribe, body: { call_id: 0, audio_url: ok } },
    {
      name: 'a field the request schema does not have',
      template: P.transcribe,
      body: { call_id: s.newCallId(), audio_url: ok, call_type: 'csr_call', priority: 'high' },
    },
    { name: 'a segmentation request without call_id', template: P.segment, body: { analysis_type: 'full' } },
  ];
}

/** Only bodies the contract itself forbids are sent (a lax request schema makes a case moot). */
function forbidden(s: Session, c: BodyCase): boolean {
  const schema = s.op('POST', c.template)?.requestSchema;
  if (!schema) return false;
  return c.raw !== undefined || s.contract.validate(schema, c.body).length > 0;
}

export async function probeInvalidBodies(s: Session): Promise<void> {
  s.log('refusals: invalid bodies');
  const status = s.statusOf('VALIDATION_ERROR', 400);
  const failures: Evidence[] = [];
  let sent = 0;
  for (const c of bodyCases(s).filter((c) => forbidden(s, c))) {
    sent++;
    const x = await s.send(
      {
        method: 'POST',
        path: c.template,
        template: c.template,
        company: s.a,
        ...(c.raw !== undefined ? { rawBody: c.raw } : { body: c.body }),
        purpose: `invalid body: ${c.name}`,
      },
      {
        what: `invalid body (${c.name})`,
        item: '13.1.3',
        statuses: [status],
        codes: c.codes ?? ['VALIDATION_ERROR'],
      },
    );
    if (x.status !== status)
      failures.push(exchangeEvidence(x, `${status} VALIDATION_ERROR: the request schema forbids ${c.name}`));
    if (x.status >= 200 && x.status < 300) s.noteSideJob(x);
  }
  s.ledger.verdict(
    '13.1.3',
    `bodies the request schema forbids are refused with ${status}`,
    `${sent} invalid bodies refused`,
    failures,
  );
}

export async function probeUnknownCalls(s: Session): Promise<void> {
  s.log('refusals: unknown call ids');
  const unknown = s.newCallId();
  const { status, codes } = s.contract.tenancy;
  const provocation = { what: 'an unknown call id', item: '13.1.3', statuses: [status], codes };
  const failures: Evidence[] = [];
  const requests = [
    ...CALL_GETS.map((t) => ({ method: 'GET' as const, path: fill(t, unknown), template: t })),
    { method: 'POST' as const, path: fill(P.analysisStart, unknown), template: P.analysisStart },
    {
      method: 'POST' as const,
      path: P.segment,
      template: P.segment,
      body: { call_id: unknown, analysis_type: 'full' },
    },
  ];
  for (const r of requests) {
    const x = await s.send({ ...r, company: s.a, purpose: 'an unknown call id' }, provocation);
    if (x.status !== status)
      failures.push(
        exchangeEvidence(
          x,
          `${status} ${codes.join(' or ')} for a call this tenant never submitted (x-tenancy)`,
        ),
      );
  }
  s.ledger.verdict(
    '13.1.3',
    `an unknown call id is ${status} on every operation that names a call`,
    `${requests.length} operations answered ${status}`,
    failures,
  );
}

export async function probeAudioLimits(s: Session): Promise<void> {
  s.log('refusals: audio over the limits');
  const { maxBytes, maxSeconds, formats } = s.contract.audio;
  const cases = [
    {
      name: `audio larger than ${maxBytes} bytes is refused`,
      code: 'AUDIO_TOO_LARGE',
      url: audioUrlFor(s, 'too-large.wav', Math.min(3600, maxSeconds / 2), Math.ceil(maxBytes * 1.1)),
    },
    {
      name: `audio longer than ${maxSeconds} s is refused`,
      code: 'AUDIO_TOO_LONG',
      // 1 byte per second: long but small.
      url: audioUrlFor(s, 'too-long.wav', maxSeconds + 100, maxSeconds + 100 + 44),
    },
    {
      name: `audio in a format other than ${formats.join('/')} is refused`,
      code: 'UNSUPPORTED_AUDIO_FORMAT',
      url: audioUrlFor(s, 'sample.ogg', 60),
    },
  ];
  const ways = s.contract.audio.refusal;
  for (const c of cases) {
    const status = s.statusOf(c.code, 422);
    const callId = s.newCallId();
    const x = await s.send(
      {
        method: 'POST',
        path: P.transcribe,
        template: P.transcribe,
        company: s.a,
        body: { call_id: callId, audio_url: c.url, call_type: 'csr_call' },
        purpose: c.name,
      },
      { what: c.name, item: '13.7.3', statuses: [status], codes: [c.code] },
    );
    const accepted = x.status >= 200 && x.status < 300;
    if (accepted) s.noteSideJob(x);
    const contract = `${ways.includes('synchronous') ? `${status} ${c.code}` : ''}${ways.length > 1 ? ', or ' : ''}${ways.includes('job_failure') ? `a job that fails with ${c.code}` : ''} (${s.contract.audio.source}, D161)`;
    if (accepted && ways.includes('job_failure') && typeof x.json?.task_id === 'string')
      // Refused by its job: judged when the job has failed, while the flows run.
      s.background.push(judgeRefusingJob(s, c.name, c.code, callId, x, contract));
    else
      s.ledger.verdict(
        '13.7.3',
        c.name,
        `${status} (${s.contract.audio.source})`,
        x.status === status && ways.includes('synchronous') ? [] : [exchangeEvidence(x, contract)],
      );
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Over-limit audio accepted with a job: the job must fail with the limit's code, within the webhook
 * maximum of x-processing-slas (Shunya learns the size or duration when it fetches the audio). */
async function judgeRefusingJob(
  s: Session,
  name: string,
  code: string,
  callId: number,
  submitted: Exchange,
  contract: string,
): Promise<void> {
  const until = Math.min(
    s.deadlineMs,
    performance.now() + (s.contract.slas.webhook.max / s.o.timeScale) * 1000,
  );
  let last: Exchange | undefined;
  while (performance.now() < until) {
    last = await s.send({
      method: 'GET',
      path: fill(P.transcriptionStatus, callId),
      template: P.transcriptionStatus,
      company: s.a,
      purpose: `status of the job of ${name.replace(/ is refused$/, '')}`,
    });
    if (['completed', 'failed'].includes(last.json?.status)) break;
    await sleep(Math.max(50, 2000 / s.o.timeScale));
  }
  const state = last?.json?.status;
  const got = last?.json?.error?.error_code;
  const problem =
    state === 'failed' && got === code
      ? null
      : state === 'failed'
        ? `the job failed with ${String(got)}, not ${code}`
        : state === 'completed'
          ? 'the audio was accepted and transcribed'
          : `the job had not failed ${s.contract.slas.webhook.max} s after the submission (last state: ${String(state ?? last?.status)})`;
  s.ledger.verdict(
    '13.7.3',
    name,
    `${submitted.status}, then the job failed with ${code} (${s.contract.audio.source})`,
    problem ? [exchangeEvidence(last ?? submitted, contract, problem)] : [],
  );
}
