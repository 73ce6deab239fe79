// Every error answer of the run (the provoked ones by what provoked them, the others together):
// 13.1.4 every operation's errors are in the envelope; 13.6.1 the canonical envelope (§5.1); 13.6.2 a
// boolean `retryable` equal to the catalogue's for the code; 13.6.3 a catalogued code with the
// catalogue's status and type (and, when the refusal itself was right, the code the provocation
// calls for); 13.6.4 the request's X-Request-ID in `error.request_id`.
import type { Exchange } from '../client.ts';
import { type Evidence, exchangeEvidence } from '../ledger.ts';
import type { Session } from '../session.ts';

interface Envelope {
  success: unknown;
  error: {
    error_code?: unknown;
    error_type?: unknown;
    message?: unknown;
    retryable?: unknown;
    request_id?: unknown;
  };
}

function envelopeOf(x: Exchange): Envelope | null {
  const j = x.json;
  return j && typeof j === 'object' && j.error && typeof j.error === 'object' ? (j as Envelope) : null;
}

function envelopeProblem(x: Exchange): string | null {
  const e = envelopeOf(x);
  if (!e) return 'no {success: false, error: {…}} envelope';
  const missing = ['error_code', 'error_type', 'message', 'retryable'].filter(
    (k) => e.error[k as keyof Envelope['error']] === undefined,
  );
  if (e.success !== false) return '`success` is not false';
  return missing.length ? `error lacks ${missing.join(', ')}` : null;
}

function retryableProblem(s: Session, x: Exchange): string | null {
  const e = envelopeOf(x);
  if (!e || typeof e.error.retryable !== 'boolean') return 'no boolean `retryable`';
  const entry = typeof e.error.error_code === 'string' ? s.contract.code(e.error.error_code) : undefined;
  if (entry && entry.retryable !== e.error.retryable)
    return `retryable ${e.error.retryable} for ${entry.code}; the catalogue says ${entry.retryable}`;
  return null;
}

function codeProblem(s: Session, x: Exchange): string | null {
  const e = envelopeOf(x);
  const code = e?.error.error_code;
  if (typeof code !== 'string') return 'no error_code';
  const entry = s.contract.code(code);
  if (!entry) return `${code} is not in the catalogue`;
  if (entry.status !== x.status) return `${code} with HTTP ${x.status}; the catalogue says ${entry.status}`;
  if (entry.type !== e?.error.error_type)
    return `${code} with error_type ${String(e?.error.error_type)}; the catalogue says ${entry.type}`;
  const p = s.provoked.get(x);
  if (p && !p.ownsCode && p.statuses.includes(x.status) && p.codes.length && !p.codes.includes(code))
    return `${code} for ${p.what}; expected ${p.codes.join(' or ')}`;
  return null;
}

function requestIdProblem(x: Exchange): string | null {
  const e = envelopeOf(x);
  if (!e) return 'no envelope, so no error.request_id';
  return e.error.request_id === x.requestId
    ? null
    : `error.request_id is ${JSON.stringify(e.error.request_id)}, the request's X-Request-ID was ${x.requestId}`;
}

interface ErrorCheck {
  item: string;
  name: string;
  problem: (s: Session, x: Exchange) => string | null;
  /** The rule the item checks, when it is not the catalogue entry of the code. */
  cites?: (s: Session) => string;
}

const CHECKS: ErrorCheck[] = [
  {
    item: '13.6.1',
    name: 'in the canonical error envelope (§5.1)',
    problem: (_s: Session, x: Exchange) => envelopeProblem(x),
  },
  { item: '13.6.2', name: "carry the catalogue's retryable flag", problem: retryableProblem },
  { item: '13.6.3', name: 'carry a catalogued error_code with its status and type', problem: codeProblem },
  {
    item: '13.6.4',
    name: "carry the request's X-Request-ID as error.request_id",
    problem: (_s: Session, x: Exchange) => requestIdProblem(x),
    // The rule this item checks, not the catalogue entry of the code (issue 17 item 3).
    cites: () =>
      "error.request_id is the request's X-Request-ID (#/components/schemas/ErrorObject/properties/request_id, §13.6.4); null only for a job's error that no request caused",
  },
];

export function judgeErrors(s: Session): void {
  const errors = s.client.exchanges.filter((x) => x.status >= 400);
  const groups = new Map<string, Exchange[]>();
  for (const x of errors) {
    const what = s.provoked.get(x)?.what ?? 'other error answers';
    groups.set(what, [...(groups.get(what) ?? []), x]);
  }
  for (const c of CHECKS)
    for (const [what, xs] of groups) {
      const failures: Evidence[] = [];
      for (const x of xs) {
        const problem = c.problem(s, x);
        if (problem) failures.push(exchangeEvidence(x, c.cites?.(s) ?? catalogueLine(s, x), problem));
      }
      s.ledger.verdict(
        c.item,
        `errors for ${what}: ${c.name}`,
        `${xs.length} answer${xs.length === 1 ? '' : 's'}`,
        failures,
      );
    }
  for (const op of s.contract.operations) {
    const xs = errors.filter((x) => x.spec.method === op.method && x.spec.template === op.path);
    if (xs.length === 0) continue;
    const failures = xs.flatMap((x) => {
      const p = envelopeProblem(x);
      return p
        ? [exchangeEvidence(x, 'every 4xx and 5xx body is the canonical error envelope (§5.1)', p)]
        : [];
    });
    s.ledger.verdict(
      '13.1.4',
      `${op.label}: error answers use the envelope`,
      `${xs.length} error answers`,
      failures,
    );
  }
}

function catalogueLine(s: Session, x: Exchange): string {
  const p = s.provoked.get(x);
  const codes = p?.codes.length ? p.codes : [];
  const entries = codes.map((c) => s.contract.code(c)).filter((e) => e !== undefined);
  return entries.length
    ? entries
        .map((e) => `${e.code}: HTTP ${e.status}, ${e.type}, retryable ${e.retryable} (${e.source})`)
        .join('; ')
    : 'the error envelope of §5.1 with a catalogued error_code';
}
