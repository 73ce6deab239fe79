// 13.1.2 (every operation answers at its documented URL), 13.3.2 (X-Request-ID echoed, §2.2 "Accept
// X-Request-ID for correlation"), 13.3.4 (unique job ids), 13.7.2/13.8.3 (what a 429 must carry), 13.13.4
// (the health endpoint).
import type { Exchange } from '../client.ts';
import { type Evidence, exchangeEvidence } from '../ledger.ts';
import { P } from '../probes/paths.ts';
import type { Session } from '../session.ts';

/** A 404 whose code names a resource (not a missing route) means the route exists. */
const RESOURCE_404 = new Set(['CALL_NOT_FOUND', 'TRANSCRIPT_NOT_AVAILABLE', 'ANALYSIS_NOT_AVAILABLE']);

function reached(x: Exchange): boolean {
  if (x.status === 0 || x.status === 405 || x.status === 501) return false;
  if (x.status !== 404) return true;
  return RESOURCE_404.has(x.json?.error?.error_code);
}

export function judgeEndpoints(s: Session): void {
  const known = new Set<string>(Object.values(P));
  for (const op of s.contract.operations) {
    const xs = s.client.exchanges.filter((x) => x.spec.method === op.method && x.spec.template === op.path);
    if (!known.has(op.path)) continue; // an operation the handoff does not name: not exercised
    const ok = xs.some(reached);
    s.ledger.verdict(
      '13.1.2',
      `${op.label} is served`,
      `${xs.length} requests answered`,
      ok
        ? []
        : xs.length
          ? [exchangeEvidence(xs[0]!, `${op.label} exists`)]
          : [{ note: 'not exercised (the run ended early)' }],
    );
  }
}

export function judgeRequestIds(s: Session): void {
  for (const op of s.contract.operations) {
    const xs = s.client.exchanges.filter(
      (x) => x.spec.method === op.method && x.spec.template === op.path && x.status !== 0,
    );
    if (xs.length === 0) continue;
    const failures: Evidence[] = xs
      .filter((x) => x.responseHeaders['x-request-id'] !== x.requestId)
      .map((x) => {
        const got = x.responseHeaders['x-request-id'];
        return exchangeEvidence(
          x,
          `X-Request-ID: ${x.requestId} echoed on the response (contract XRequestId: "Shunya logs it and echoes it")`,
          got === undefined
            ? 'the response has no X-Request-ID header'
            : `the response's X-Request-ID is ${got}, not the request's ${x.requestId}`,
        );
      });
    s.ledger.verdict('13.3.2', `${op.label}: X-Request-ID is echoed`, `${xs.length} answers`, failures);
  }
}

export function judgeJobIds(s: Session): void {
  const ids = s.jobs.map((j) => j.id).filter((id): id is string => id !== null);
  const dup = ids.filter((id, i) => ids.indexOf(id) !== i);
  const transcripts = s.jobs
    .filter((j) => j.kind === 'transcription' && j.designated)
    .map((j) => j.submit.json?.transcript_id)
    .filter((t) => t !== undefined && t !== null);
  const dupT = transcripts.filter((t, i) => transcripts.indexOf(t) !== i);
  const failures: Evidence[] = [
    ...dup.map((id) => ({ note: `job id ${id} was returned for two different submissions` })),
    ...dupT.map((t) => ({ note: `transcript_id ${String(t)} was returned for two different calls` })),
  ];
  if (ids.length === 0) failures.push({ note: 'no submission was accepted, so no job id was seen' });
  s.ledger.verdict('13.3.4', 'job ids are unique', `${ids.length} distinct job ids`, failures);
}

export function judgeRateLimits(s: Session): void {
  const limited = s.client.exchanges.filter((x) => x.status === 429);
  const missing = limited.filter((x) => !/^\d+$/.test(x.responseHeaders['retry-after'] ?? ''));
  const evidence = missing.map((x) => exchangeEvidence(x, '429 carries Retry-After (seconds)'));
  for (const item of ['13.7.2', '13.8.3'])
    if (missing.length)
      s.ledger.add(item, 'a 429 carries Retry-After', 'fail', `${missing.length} without it`, evidence);
}

export async function probeHealth(s: Session): Promise<void> {
  s.log('health');
  const x = await s.send({ method: 'GET', path: P.health, template: P.health, purpose: 'health' });
  s.ledger.verdict(
    '13.13.4',
    'GET /health answers without credentials',
    `${x.status} ${String(x.json?.status ?? '')}`,
    x.status === 200 && typeof x.json?.status === 'string'
      ? []
      : [exchangeEvidence(x, '200 {status: healthy|degraded|unhealthy}')],
  );
}
