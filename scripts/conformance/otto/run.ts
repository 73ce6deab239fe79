// --target otto: the other direction, for the Shunya team to test their sender's assumptions against an
// Otto deployment. Signed webhooks to POST /api/v1/shunya/webhook in the documented profiles, and the
// refusals §8 promises: another secret, a stale, future or malformed timestamp, missing headers,
// another company (§7.3), an unknown job, and a duplicate (§4.6 method 4 → already_processed). Every
// answer is validated against Otto's own contract (contracts/otto.openapi.yaml).
import { randomBytes, randomUUID } from 'node:crypto';
import type { Args } from '../args.ts';
import { loadContract } from '../contract/load.ts';
import type { Item } from '../items.ts';
import { type Evidence, Ledger } from '../ledger.ts';
import { finalize, type Report } from '../results.ts';
import { createJob } from './setup.ts';
import {
  asContractWants,
  eventBody,
  handoffBody,
  type Kind,
  type SignOptions,
  signed,
  type Target,
} from './webhooks.ts';

const PATH = '/api/v1/shunya/webhook';

export const OTTO_ITEMS: Item[] = [
  {
    id: '8.1',
    title: 'HMAC Security',
    statement: 'Otto verifies X-Shunya-Signature: HMAC-SHA256 of "{timestamp}.{raw body}", lowercase hex',
    kind: 'machine',
  },
  {
    id: '8.2',
    title: 'Timestamp Rules',
    statement: 'X-Shunya-Timestamp is epoch milliseconds; older than 5 minutes (or as far ahead) is refused',
    kind: 'machine',
  },
  {
    id: '8.3',
    title: 'Header Schemas',
    statement: 'X-Shunya-Signature and X-Shunya-Timestamp are required',
    kind: 'machine',
  },
  {
    id: '8.4',
    title: 'Valid/Invalid Examples',
    statement: "A webhook naming no job of Otto's is refused",
    kind: 'machine',
  },
  {
    id: '7.3',
    title: 'Webhook Verification',
    statement: 'company_id must be the tenant that owns the job (403 otherwise)',
    kind: 'machine',
  },
  {
    id: '4.6',
    title: 'Webhook Idempotency',
    statement: 'A duplicate delivery answers {"status": "already_processed"} (method 4)',
    kind: 'machine',
  },
  {
    id: '8.5',
    title: "Otto's Answers",
    statement:
      'Every answer is the one contracts/otto.openapi.yaml documents for POST /api/v1/shunya/webhook',
    kind: 'machine',
  },
];

interface Sent {
  name: string;
  status: number;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: any JSON
  json: any;
  request: string;
}

async function send(
  base: string,
  name: string,
  payload: Record<string, unknown>,
  o: SignOptions,
): Promise<Sent> {
  const { headers, body } = signed(payload, o);
  const res = await fetch(base + PATH, {
    method: 'POST',
    headers,
    body,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const h = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
  return { name, status: res.status, text, json, request: `POST ${PATH}\n${h}\n\n${body.slice(0, 400)}` };
}

const ev = (x: Sent, contract: string, note?: string): Evidence => ({
  request: x.request,
  response: `${x.status}\n${x.text.slice(0, 400)}`,
  contract,
  ...(note ? { note } : {}),
});

async function target(a: Args, log: (l: string) => void): Promise<Target | string> {
  if (a.jobId) {
    if (!a.companies[0]) return "--job-id needs --company-id (the job's tenant)";
    return { jobId: a.jobId, companyId: a.companies[0], callId: a.callIdBase ?? 1, kind: a.jobKind as Kind };
  }
  if (a.adminToken)
    return createJob({ baseUrl: a.baseUrl, adminToken: a.adminToken, recordingUrl: a.callrailAudioUrl, log });
  return 'needs a job id: pass --job-id and --company-id, or --admin-token for the kit to create one';
}

export async function runOtto(a: Args, log: (line: string) => void): Promise<Report> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const base = a.baseUrl.replace(/\/+$/, '');
  const ledger = new Ledger((c) =>
    log(
      `  ${c.verdict === 'pass' ? '✓' : c.verdict === 'fail' ? '✗' : '?'} ${c.item} ${c.name}: ${c.detail}`,
    ),
  );
  const otto = loadContract('contracts/otto.openapi.yaml');
  const shunya = loadContract(a.contractFile);
  const strict = shunya.webhook?.requestSchema;
  const validate = strict ? (b: unknown) => shunya.validate(strict, b) : null;
  const handoff = (t: Target, company?: string) => asContractWants(handoffBody(t, company), validate);
  const op = otto.op('POST', PATH);
  const sent: Sent[] = [];
  const secret = a.hmacSecret;
  const go = async (name: string, payload: Record<string, unknown>, o: Partial<SignOptions> = {}) => {
    const x = await send(base, name, payload, { secret, ...o });
    sent.push(x);
    return x;
  };
  const expect = (item: string, name: string, x: Sent, statuses: number[], contract: string) =>
    ledger.verdict(item, name, `${x.status}`, statuses.includes(x.status) ? [] : [ev(x, contract)]);

  const t = await target(a, log);
  const job: Target =
    typeof t === 'string'
      ? {
          jobId: `conformance-${randomBytes(6).toString('hex')}`,
          companyId: randomUUID(),
          callId: 1,
          kind: 'transcription',
        }
      : t;
  log(
    typeof t === 'string'
      ? `otto: ${t}`
      : `otto: webhooks for Shunya job ${job.jobId} of tenant ${job.companyId}`,
  );

  const unknown = { ...job, jobId: `conformance-unknown-${randomBytes(6).toString('hex')}` };
  expect(
    '8.4',
    'a webhook for a job Otto does not know is refused (404)',
    await go('unknown job', handoff(unknown)),
    [404],
    '404 JOB_NOT_FOUND (otto contract)',
  );
  const body = handoff(job);
  const refusals: [string, string, Partial<SignOptions>][] = [
    [
      '8.1',
      'a webhook signed with another secret is refused (401)',
      { secret: `${secret}-not-the-shared-secret` },
    ],
    ['8.2', 'a timestamp 10 minutes old is refused (401)', { skewMs: -600_000 }],
    ['8.2', 'a timestamp 10 minutes ahead is refused (401)', { skewMs: 600_000 }],
    [
      '8.2',
      'a timestamp that is not epoch milliseconds is refused (401)',
      { timestamp: new Date().toISOString() },
    ],
    ['8.3', 'a webhook without X-Shunya-Signature is refused (401)', { omit: ['x-shunya-signature'] }],
    ['8.3', 'a webhook without X-Shunya-Timestamp is refused (401)', { omit: ['x-shunya-timestamp'] }],
  ];
  for (const [item, name, o] of refusals)
    expect(item, name, await go(name, body, o), [401], '401 (§8.1–§8.4)');

  if (typeof t === 'string') {
    for (const item of ['8.1', '7.3', '4.6'])
      ledger.add(item, 'a signed webhook for a job Otto is waiting for', 'needs-confirmation', t);
  } else {
    const other = await go('another company', handoff(job, randomUUID()));
    expect(
      '7.3',
      "a webhook naming another tenant's company_id is refused (403)",
      other,
      [403],
      '403 COMPANY_MISMATCH (§7.3)',
    );
    const valid = await go('signed (handoff profile)', body);
    const ack = valid.json?.status;
    ledger.verdict(
      '8.1',
      'a webhook signed as §8.1 says is applied (200)',
      `${valid.status} ${ack}`,
      valid.status === 200 && (ack === 'processed' || ack === 'already_processed')
        ? []
        : [ev(valid, '200 {"status": "processed"}')],
    );
    const dup = await go('duplicate', body);
    ledger.verdict(
      '4.6',
      'the same webhook again is already_processed (200)',
      `${dup.status} ${dup.json?.status}`,
      dup.status === 200 && dup.json?.status === 'already_processed'
        ? []
        : [ev(dup, '200 {"status": "already_processed"} (§4.6 method 4)')],
    );
    const event = await go("Shunya's event profile", eventBody(job), { profile: 'shunya' });
    if (event.status === 200)
      ledger.verdict(
        '8.1',
        "the same outcome in Shunya's event profile is accepted (tolerant reading)",
        `${event.status} ${event.json?.status}`,
        event.json?.status === 'already_processed' ? [] : [ev(event, '200 {"status": "already_processed"}')],
      );
    else
      ledger.add(
        '8.1',
        "Shunya's event profile (tolerant reading)",
        'needs-confirmation',
        `answered ${event.status}: Otto accepts this profile only with SHUNYA_WEBHOOK_PROFILE=shunya|both (D1)`,
        [ev(event, 'the tolerant reading')],
      );
  }
  const failures: Evidence[] = [];
  for (const x of sent) {
    const doc = op ? otto.response(op, x.status) : undefined;
    const errs = doc?.schema ? otto.validate(doc.schema, x.json) : [];
    if (!doc || errs.length)
      failures.push(
        ev(
          x,
          `the ${x.status} answer of POST ${PATH} in contracts/otto.openapi.yaml`,
          doc
            ? errs.map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')
            : `status ${x.status} is not documented`,
        ),
      );
  }
  ledger.verdict('8.5', "every answer is documented in Otto's contract", `${sent.length} answers`, failures);
  return {
    target: 'otto',
    title: 'Otto webhook receiver conformance report',
    baseUrl: a.baseUrl,
    contract: { file: otto.file, version: otto.version, sha256: otto.sha256 },
    startedAt,
    durationS: (performance.now() - started) / 1000,
    mode:
      typeof t === 'string'
        ? 'without a job (the checks that need one need confirmation)'
        : `job ${job.jobId} (${job.kind})`,
    requests: { sent: sent.length, budget: sent.length },
    stopped: null,
    notes: [],
    provenance: [],
    items: finalize(ledger.checks, null, OTTO_ITEMS),
    timings: [],
  };
}
