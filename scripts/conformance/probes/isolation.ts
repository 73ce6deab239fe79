// §13.8.1 (§7.1 "Enforce tenant isolation"): with its own valid token and header, each tenant asks for
// the other's call: status, transcript and analysis, and tries to start an analysis of it. Every answer
// must be the contract's refusal for another tenant's resource, and none may carry the call's data.
import type { Exchange } from '../client.ts';
import { type Evidence, exchangeEvidence } from '../ledger.ts';
import { ANY_TENANT, type Session } from '../session.ts';
import { audioUrlFor } from './audio-urls.ts';
import { fill, P } from './paths.ts';

/** Before the flows: each tenant submits a call, and the other asks for it at once (so that isolation
 * is judged even when no job ever completes). */
export async function probeIsolationEarly(s: Session): Promise<void> {
  const ids: number[] = [];
  for (const company of [s.a, s.b]) {
    const callId = s.newCallId();
    const x = await s.send({
      method: 'POST',
      path: P.transcribe,
      template: P.transcribe,
      company,
      body: { call_id: callId, audio_url: audioUrlFor(s, 'isolation', 60), call_type: 'csr_call' },
      purpose: 'a call for the isolation probe',
    });
    if (x.status >= 200 && x.status < 300) s.noteSideJob(x);
    ids.push(callId);
  }
  await probeIsolation(s, ids[0]!, ids[1]!, 'just submitted');
}

export async function probeIsolation(
  s: Session,
  callOfA: number,
  callOfB: number | null,
  when = 'finished',
): Promise<void> {
  s.log(`isolation: each tenant asks for the other tenant's ${when} call`);
  const { statuses, codes } = otherTenant(s);
  const failures: Evidence[] = [];
  const asks: { company: string; callId: number; method: 'GET' | 'POST'; template: string }[] = [
    { company: s.b, callId: callOfA, method: 'GET', template: P.transcriptionStatus },
    { company: s.b, callId: callOfA, method: 'GET', template: P.transcript },
    { company: s.b, callId: callOfA, method: 'GET', template: P.analysisComplete },
    { company: s.b, callId: callOfA, method: 'POST', template: P.analysisStart },
    ...(callOfB !== null
      ? [{ company: s.a, callId: callOfB, method: 'GET' as const, template: P.transcript }]
      : []),
  ];
  for (const a of asks) {
    const x = await s.send(
      {
        method: a.method,
        path: fill(a.template, a.callId),
        template: a.template,
        company: a.company,
        purpose: "another tenant's call",
      },
      { what: "another tenant's call", item: '13.8.1', statuses, codes, ownsCode: true },
    );
    // The same request for an id no tenant ever used: the answer the other tenant's call must get (a
    // generic NOT_FOUND for both is no leak, D162).
    const never = s.newCallId();
    const y = await s.send(
      {
        method: a.method,
        path: fill(a.template, never),
        template: a.template,
        company: a.company,
        purpose: "a call id never used (compared with another tenant's call)",
      },
      { what: 'an unknown call id', item: '13.1.3', statuses, codes },
    );
    const leaked = x.status >= 200 && x.status < 300;
    const differs = answerOf(x) !== answerOf(y);
    if (leaked || differs)
      failures.push(
        exchangeEvidence(
          x,
          `another tenant's call is answered exactly as a call id never submitted (x-tenancy, §7.1, D162)`,
          leaked
            ? `another tenant's data was returned (${x.status}); a never-used id got ${answerOf(y)}`
            : `another tenant's call got ${answerOf(x)}, a never-used id ${answerOf(y)}: the difference tells that the call exists`,
        ),
      );
    if (leaked) s.noteSideJob(x, ANY_TENANT);
  }
  s.ledger.verdict(
    '13.8.1',
    `a tenant cannot read or act on another tenant's ${when} call`,
    `${asks.length} requests refused (${statuses.join('/')})`,
    failures,
  );
}

/** Full runs: tenant B submits a call with A's call id. It is B's own call (ids are per tenant), and
 * A's call keeps its job. */
export async function probeSameCallId(s: Session, callOfA: number): Promise<void> {
  const x = await s.send({
    method: 'POST',
    path: P.transcribe,
    template: P.transcribe,
    company: s.b,
    body: { call_id: callOfA, audio_url: audioUrlFor(s, 'same-id', 60), call_type: 'csr_call' },
    purpose: "another tenant's call id",
  });
  if (x.status >= 200 && x.status < 300) s.noteSideJob(x);
  const ofA = s.jobs.find((j) => j.company === s.a && j.callId === callOfA && j.kind === 'transcription');
  const status = await s.send({
    method: 'GET',
    path: fill(P.transcriptionStatus, callOfA),
    template: P.transcriptionStatus,
    company: s.a,
    purpose: 'status of the call after the other tenant used its id',
  });
  const failures: Evidence[] = [];
  if (!(x.status >= 200 && x.status < 300))
    failures.push(exchangeEvidence(x, 'call ids are scoped by tenant: B may use an id A uses'));
  if (ofA?.id && status.json?.task_id !== ofA.id)
    failures.push(exchangeEvidence(status, `task_id ${ofA.id}: A's call is untouched by B's submission`));
  s.ledger.verdict(
    '13.8.1',
    'a call id used by two tenants names two calls',
    'both calls kept apart',
    failures,
  );
}

/** An answer as far as it can tell a call exists: the status and the error code. */
const answerOf = (x: Exchange) =>
  x.status === 0
    ? `no answer (${x.error})`
    : `${x.status} ${String(x.json?.error?.error_code ?? '(no error_code)')}`;

/** The refusal for a call the tenant cannot see (x-tenancy, D162). */
function otherTenant(s: Session): { statuses: number[]; codes: string[] } {
  return { statuses: [s.contract.tenancy.status], codes: s.contract.tenancy.codes };
}
