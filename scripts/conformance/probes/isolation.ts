// §13.8.1 (§7.1 "Enforce tenant isolation"): with its own valid token and header, each tenant asks for
// the other's call: status, transcript and analysis, and tries to start an analysis of it. Every answer
// must be the contract's refusal for another tenant's resource, and none may carry the call's data.
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
    const leaked = x.status >= 200 && x.status < 300;
    // A refusal with another catalogued code ("not available yet", "not ready") says the call exists;
    // a code outside the catalogue is 13.6.3's to judge.
    const code = x.json?.error?.error_code;
    const tells = typeof code === 'string' && !codes.includes(code) && s.contract.code(code) !== undefined;
    if (!statuses.includes(x.status) || tells)
      failures.push(
        exchangeEvidence(
          x,
          `${statuses.join(' or ')} ${codes.join(' or ')}: another tenant's call is answered as one never submitted (§7.1, D69)`,
          leaked
            ? "another tenant's data was returned"
            : tells
              ? `${code} tells that the call exists`
              : undefined,
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

/** The refusal for another tenant's resource: the catalogue's codes whose wording names another
 * tenant (the strict contract: 404 CALL_NOT_FOUND, D50), else 404 or 403, as the older contract
 * allowed both (§7.3 says 403 for webhooks, the contract 404 in places; D69). */
function otherTenant(s: Session): { statuses: number[]; codes: string[] } {
  const named = s.contract.catalogue.filter((e) => /(another|other) tenant/i.test(e.when ?? ''));
  if (named.length === 0) return { statuses: [404, 403], codes: ['CALL_NOT_FOUND', 'FORBIDDEN'] };
  return { statuses: [...new Set(named.map((e) => e.status))], codes: named.map((e) => e.code) };
}
