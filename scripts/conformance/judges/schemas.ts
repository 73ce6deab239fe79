// 13.1.3 (every answer has a documented status and matches its schema), 13.4.1-13.4.4 (successful
// bodies: structure, required fields, exact names, confidence ranges), 13.4.5 and 13.10.4 (ordering),
// 13.10.2 (no §6 variations): per operation, over every exchange of the run, and over the results the
// webhooks carried.
import type { Exchange } from '../client.ts';
import type { Operation } from '../contract/load.ts';
import type { ResultKind } from '../contract/model.ts';
import { deliveryEvidence, type Evidence, exchangeEvidence } from '../ledger.ts';
import { orderingFindings } from '../ordering.ts';
import { P } from '../probes/paths.ts';
import type { Delivery } from '../receiver.ts';
import type { Session } from '../session.ts';
import { contractPlace, type Finding, schemaProblems, validateBody } from '../validate.ts';

const RESULT_KIND: Record<string, ResultKind> = {
  [P.transcript]: 'transcript',
  [P.analysisComplete]: 'analysis',
  [P.segmentationResult]: 'segmentation',
};

const BODY_ITEMS = ['13.4.1', '13.4.2', '13.4.3', '13.4.4'] as const;
const BODY_NAMES: Record<(typeof BODY_ITEMS)[number], string> = {
  '13.4.1': 'bodies have the documented structure',
  '13.4.2': 'required fields are present (null where unknown)',
  '13.4.3': "field names are exactly the contract's",
  '13.4.4': 'confidence scores are numbers in [0, 1]',
};

interface Judged {
  findings: Finding[];
  /** The evidence, its excerpt centred on `pointer` (where the violation is). */
  evidence: (pointer?: string) => Evidence;
}

const summarize = (fs: Finding[]) =>
  fs
    .slice(0, 6)
    .map((f) => `${f.path}: ${f.message}`)
    .join('\n');

function judgeExchange(
  s: Session,
  op: Operation,
  x: Exchange,
): { schemaProblem: string | null; pointer?: string | undefined; judged?: Judged } {
  if (x.status === 0) return { schemaProblem: null };
  const documented = s.contract.response(op, x.status);
  if (!documented)
    return { schemaProblem: `status ${x.status} is not documented (${[...op.responses.keys()].join(', ')})` };
  if (!documented.schema) return { schemaProblem: null };
  if (x.json === undefined) return { schemaProblem: 'the body is not JSON' };
  const v = validateBody(s.contract, documented.schema, x.json, RESULT_KIND[op.path] ?? null);
  const problems = schemaProblems(v.errors, x.json);
  const problem = problems.length ? summarize(problems) : null;
  if (x.status >= 300) return { schemaProblem: problem, pointer: problems[0]?.path };
  return {
    schemaProblem: problem,
    pointer: problems[0]?.path,
    judged: {
      findings: v.findings,
      evidence: (pointer) => exchangeEvidence(x, contractPlace(documented.schema!), undefined, pointer),
    },
  };
}

function record(s: Session, label: string, judged: Judged[]): void {
  for (const item of BODY_ITEMS) {
    const failing = judged.filter((j) => j.findings.some((f) => f.item === item));
    s.ledger.verdict(
      item,
      `${label}: ${BODY_NAMES[item]}`,
      `${judged.length} bod${judged.length === 1 ? 'y' : 'ies'}`,
      failing.map((j) => {
        const own = j.findings.filter((f) => f.item === item);
        return { ...j.evidence(own[0]?.path), note: summarize(own) };
      }),
    );
  }
}

export function judgeSchemas(s: Session): void {
  const variations: Evidence[] = [];
  for (const op of s.contract.operations) {
    const xs = s.client.exchanges.filter((x) => x.spec.method === op.method && x.spec.template === op.path);
    if (xs.length === 0) continue;
    const problems: Evidence[] = [];
    const judged: Judged[] = [];
    for (const x of xs) {
      const r = judgeExchange(s, op, x);
      if (r.schemaProblem)
        problems.push(
          exchangeEvidence(x, `the documented response of ${op.label}`, r.schemaProblem, r.pointer),
        );
      if (r.judged) {
        judged.push(r.judged);
        const v = r.judged.findings.filter((f) => f.item === '13.10.2');
        if (v.length) variations.push({ ...r.judged.evidence(v[0]!.path), note: summarize(v) });
      }
    }
    s.ledger.verdict(
      '13.1.3',
      `${op.label}: answers are documented and match their schemas`,
      `${xs.length} answers`,
      problems,
    );
    if (judged.length) record(s, op.label, judged);
  }
  const webhookJudged = judgeWebhookResults(s, variations);
  if (webhookJudged.length) record(s, 'webhook results', webhookJudged);
  s.ledger.verdict(
    '13.10.2',
    'no field-name variations in results and webhooks (§6)',
    'none of the variations §6 lists',
    variations,
  );
  judgeOrdering(s);
}

const KIND_OF_JOB: Record<string, ResultKind> = {
  transcription: 'transcript',
  analysis: 'analysis',
  segmentation: 'segmentation',
};

/** The result a webhook carries, validated as the job's result endpoint's body. */
function judgeWebhookResults(s: Session, variations: Evidence[]): Judged[] {
  const out: Judged[] = [];
  for (const { d, kind } of webhookResults(s)) {
    const op = s.op('GET', Object.entries(RESULT_KIND).find(([, k]) => k === kind)![0]);
    const schema = op && s.contract.response(op, 200)?.schema;
    if (!schema) continue;
    const v = validateBody(s.contract, schema, d.json.result, kind);
    const evidence = (pointer?: string) =>
      deliveryEvidence(
        d,
        `result: ${contractPlace(schema)}`,
        undefined,
        pointer ? `/result${pointer === '/' ? '' : pointer}` : undefined,
      );
    out.push({ findings: v.findings, evidence });
    const vs = v.findings.filter((f) => f.item === '13.10.2');
    if (vs.length) variations.push({ ...evidence(vs[0]!.path), note: summarize(vs) });
  }
  return out;
}

/** One delivery per job that carries a result (the first), with the kind of result. */
export function webhookResults(s: Session): { d: Delivery; kind: ResultKind }[] {
  const out: { d: Delivery; kind: ResultKind }[] = [];
  for (const job of s.jobs) {
    const d = s.deliveriesOf(job).find((x) => x.json?.result && typeof x.json.result === 'object');
    if (d) out.push({ d, kind: KIND_OF_JOB[job.kind]! });
  }
  return out;
}

function judgeOrdering(s: Session): void {
  const failures: Evidence[] = [];
  let bodies = 0;
  for (const x of s.client.exchanges.filter((x) => x.status === 200 && RESULT_KIND[x.spec.template])) {
    bodies++;
    const f = orderingFindings(s.contract.ordering, x.json);
    if (f.length)
      failures.push({
        ...exchangeEvidence(x, orderingText(s), undefined, f[0]!.path),
        note: f.map((o) => `${o.path}: ${o.message}`).join('\n'),
      });
  }
  for (const { d } of webhookResults(s)) {
    bodies++;
    const f = orderingFindings(s.contract.ordering, d.json.result, '/result');
    if (f.length)
      failures.push({
        ...deliveryEvidence(d, orderingText(s), undefined, f[0]!.path),
        note: f.map((o) => `${o.path}: ${o.message}`).join('\n'),
      });
  }
  const note = s.failedJobsNote();
  if (bodies === 0 && note) {
    for (const item of ['13.4.5', '13.10.4'])
      s.ledger.notChecked(item, 'arrays are ordered as documented', note);
    return;
  }
  if (bodies === 0) failures.push({ note: 'no result was read, so no ordering could be checked' });
  for (const item of ['13.4.5', '13.10.4'])
    s.ledger.verdict(
      item,
      'arrays are ordered as documented',
      `${bodies} results and webhook results`,
      failures,
    );
}

const orderingText = (s: Session) =>
  s.contract.provenance.find((p) => p.what === 'array ordering')?.detail ?? '';
