// §13.2.1, §13.2.2, §13.2.6, §13.8.2 (§2.2 "Verify JWT tokens", "Validate X-Company-ID"): requests
// with a missing, expired, wrongly signed or malformed token, a token without `company_id`, and a
// tenant header that is not the token's, each on one GET and one POST (--quick) or on every operation.
// Only the status is judged here; envelope, code, retryable and request id are 13.6's (judges/errors.ts).
import type { Auth, RequestSpec, Signing } from '../client.ts';
import { type Evidence, exchangeEvidence } from '../ledger.ts';
import type { Session } from '../session.ts';
import { audioUrlFor } from './audio-urls.ts';
import { CALL_GETS, fill, P } from './paths.ts';

interface Case {
  item: string;
  name: string;
  auth: Auth;
  /** Token of B with A's header (`swap`), A's token with B's header (`other`), no header (`none`). */
  header?: 'other' | 'swap' | 'none';
  code: string;
  status: number;
}

function cases(s: Session): Case[] {
  const auth401 = (name: string, auth: Auth, code: string, item = '13.2.1'): Case => ({
    item,
    name,
    auth,
    code,
    status: s.statusOf(code, 401),
  });
  const mismatch = s.statusOf('COMPANY_ID_MISMATCH', 403);
  const a = s.contract.auth;
  const jwtRules: Case[] = [
    ...(a.issuer
      ? [auth401(`a token with iss other than ${a.issuer} is refused`, 'wrong-iss', 'TOKEN_INVALID')]
      : []),
    ...(a.audience
      ? [auth401(`a token with aud other than ${a.audience} is refused`, 'wrong-aud', 'TOKEN_INVALID')]
      : []),
    auth401(
      `a token issued more than ${a.leewayS} s in the future is refused`,
      'future-iat',
      'TOKEN_INVALID',
    ),
    auth401('an unsigned token (alg: none) is refused', 'alg-none', 'TOKEN_INVALID'),
  ];
  return [
    auth401('a request without a token is refused', 'none', 'TOKEN_MISSING'),
    auth401('an expired token is refused', 'expired', 'TOKEN_EXPIRED'),
    auth401('a token signed with another secret is refused', 'wrong-secret', 'TOKEN_INVALID'),
    auth401('a malformed token is refused', 'malformed', 'TOKEN_INVALID'),
    ...jwtRules,
    {
      item: '13.2.2',
      name: 'X-Company-ID naming another tenant than the token is refused',
      auth: 'valid',
      header: 'other',
      code: 'COMPANY_ID_MISMATCH',
      status: mismatch,
    },
    auth401('a token without a company_id claim is refused', 'no-company-claim', 'TOKEN_INVALID', '13.8.2'),
    {
      item: '13.8.2',
      name: "another tenant's token with this tenant's X-Company-ID is refused",
      auth: 'valid',
      header: 'swap',
      code: 'COMPANY_ID_MISMATCH',
      status: mismatch,
    },
    {
      item: '13.8.2',
      name: 'a request without X-Company-ID is refused',
      auth: 'valid',
      header: 'none',
      code: 'COMPANY_ID_MISMATCH',
      status: mismatch,
    },
  ];
}

/** The requests each case is tried on: every operation, or one GET and one POST with --quick. */
function targets(s: Session): Omit<RequestSpec, 'purpose'>[] {
  const unknown = s.newCallId();
  const transcribe = (): Omit<RequestSpec, 'purpose'> => {
    const callId = s.newCallId();
    return {
      method: 'POST',
      path: P.transcribe,
      template: P.transcribe,
      body: { call_id: callId, audio_url: audioUrlFor(s, 'probe', 60), call_type: 'csr_call' },
    };
  };
  const get = (t: string): Omit<RequestSpec, 'purpose'> => ({
    method: 'GET',
    path: fill(t, unknown),
    template: t,
  });
  if (s.o.quick) return [get(P.transcriptionStatus), transcribe()];
  return [
    ...CALL_GETS.map(get),
    transcribe(),
    { method: 'POST', path: fill(P.analysisStart, unknown), template: P.analysisStart },
    {
      method: 'POST',
      path: P.segment,
      template: P.segment,
      body: { call_id: unknown, analysis_type: 'full' },
    },
  ];
}

export async function probeSecurity(s: Session): Promise<void> {
  s.log('security: tokens and tenant headers');
  const list = targets(s);
  for (const c of cases(s)) {
    const failures: Evidence[] = [];
    for (const t of list) {
      const company = c.header === 'swap' ? s.b : s.a;
      const headerCompany =
        c.header === 'other' ? s.b : c.header === 'swap' ? s.a : c.header === 'none' ? null : undefined;
      const x = await s.send(
        { ...t, company, auth: c.auth, headerCompany, purpose: `${c.item} ${c.name}` },
        { what: c.name, item: c.item, statuses: [c.status], codes: [c.code] },
      );
      if (x.status !== c.status)
        failures.push(exchangeEvidence(x, `${c.status} ${c.code} (${c.name.replace(/ is refused$/, '')})`));
      if (x.status >= 200 && x.status < 300) s.noteSideJob(x);
    }
    s.ledger.verdict(
      c.item,
      c.name,
      `${c.status} on ${list.length} operation${list.length === 1 ? '' : 's'}`,
      failures,
      `not refused with ${c.status} on ${failures.length} of ${list.length} operations`,
    );
  }
  await probeRequestSigning(s);
  // §13.2.6: the shared JWT secret works (the webhook half is judged with the deliveries).
  const x = await s.send({
    method: 'GET',
    path: fill(P.transcriptionStatus, s.newCallId()),
    template: P.transcriptionStatus,
    company: s.a,
    purpose: '13.2.6 a token signed with the shared secret is accepted',
  });
  s.ledger.verdict(
    '13.2.6',
    'a token signed with the shared UWC_JWT_SECRET is accepted',
    `answered ${x.status} (not 401/403)`,
    [401, 403].includes(x.status) || x.status === 0
      ? [exchangeEvidence(x, 'a valid HS256 token is accepted (§4.5)')]
      : [],
  );
}

/** 13.2.6 (the shared UWC_HMAC_SECRET, request half; x-authentication.request_signature, D160): a
 * request with a body whose X-Signature is missing (when the contract requires it), wrong, or computed
 * over the compact JSON while other bytes were sent is refused with 401 SIGNATURE_INVALID; one signed
 * over its exact, spaced bytes is accepted (a Shunya that re-serialises before verifying refuses it). */
async function probeRequestSigning(s: Session): Promise<void> {
  s.log('security: request signatures');
  const status = s.statusOf('SIGNATURE_INVALID', 401);
  const cases: { signing: Signing; name: string }[] = [
    ...(s.contract.auth.signatureRequired
      ? [{ signing: 'none' as const, name: 'a request body without X-Signature is refused' }]
      : []),
    { signing: 'wrong', name: 'a request body signed with another secret is refused' },
    {
      signing: 'reserialised',
      name: 'an X-Signature over other bytes than those sent (the body re-serialised) is refused',
    },
  ];
  for (const c of cases) {
    const x = await s.send(
      { ...signedPost(s), signing: c.signing, company: s.a, purpose: `13.2.6 ${c.name}` },
      { what: c.name, item: '13.2.6', statuses: [status], codes: ['SIGNATURE_INVALID'] },
    );
    if (x.status >= 200 && x.status < 300) s.noteSideJob(x);
    s.ledger.verdict(
      '13.2.6',
      c.name,
      `${status}`,
      x.status === status
        ? []
        : [
            exchangeEvidence(
              x,
              `${status} SIGNATURE_INVALID (${s.contract.auth.source}: over "{X-UWC-Timestamp}.{exact body bytes}")`,
            ),
          ],
    );
  }
  const ok = await s.send({
    ...signedPost(s),
    signing: 'spaced',
    company: s.a,
    purpose: '13.2.6 a body signed over its exact (spaced) bytes is accepted',
  });
  if (ok.status >= 200 && ok.status < 300) s.noteSideJob(ok);
  s.ledger.verdict(
    '13.2.6',
    'a body signed over its exact bytes is accepted, whatever its spacing',
    `${ok.status}`,
    [401, 403].includes(ok.status) || ok.status === 0
      ? [
          exchangeEvidence(
            ok,
            'X-Signature is verified over the bytes as received, never over a re-serialised body (x-authentication)',
            'refused: the signature was verified over other bytes than those sent',
          ),
        ]
      : [],
  );
}

function signedPost(s: Session): Omit<RequestSpec, 'purpose'> {
  return {
    method: 'POST',
    path: P.transcribe,
    template: P.transcribe,
    body: { call_id: s.newCallId(), audio_url: audioUrlFor(s, 'probe', 60), call_type: 'csr_call' },
  };
}
