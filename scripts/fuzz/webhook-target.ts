// Target 1: POST /api/v1/shunya/webhook over real HTTP, on a real Postgres.
//
// A case is a recipe: which operation the delivery is about (a fresh one in a given state, created
// through the real triggers, or a shared one), what the body says, the edits made to it before it is
// signed (so that the validation behind the signature is reached), how it is signed (either profile,
// current, previous or a wrong secret, a fresh, boundary or stale timestamp in various forms), and what
// is changed after signing (bytes, headers). Whether the delivery really carries a valid signature is
// decided afterwards by an oracle that shares no code with the receiver: node:crypto over the bytes sent
// and, for Shunya's profile, the simulator's own canonical Python JSON.
//
// What must hold, for every case (contracts/shunya.openapi.yaml `webhooks`, otto.openapi.yaml, D1, D13):
// - no 5xx, no error logged by the server;
// - 2xx only with a valid signature and a fresh timestamp, and then a WebhookAck body;
// - without one: 401 (or 413 for a body over the limit), with nothing written but the inbox row;
// - a valid signature with a 13-digit fresh timestamp is never answered 401;
// - every error is the ErrorEnvelope, with the response's X-Request-ID;
// - every delivery read by the receiver is in the inbox exactly once, with its status; a refused one is
//   attributed to no tenant and writes nothing else; an acknowledged one writes at most a poll job.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { zWebhookAck } from '../../generated/otto/zod.gen.ts';
import { serialize as simSerialize } from '../../simulator/webhooks/payload.ts';
import { loadConfig } from '../../src/config.ts';
import type { Db } from '../../src/db/knex.ts';
import { type CompanyRow, insertCompany } from '../../src/domain/companies.ts';
import { buildApp } from '../../src/http/app.ts';
import { acceptCallRailCall, acceptRecordingUpload } from '../../src/intake/triggers.ts';
import type { Clock, PipelineDeps } from '../../src/jobs/deps.ts';
import type { JobRow, JobType } from '../../src/jobs/model.ts';
import { ensureOperation } from '../../src/jobs/transitions/index.ts';
import { shunyaClientFromConfig } from '../../src/shunya/client.ts';
import type { OperationKind } from '../../src/shunya/types.ts';
import { shunyaNormalizers } from '../../src/steps/normalizers.ts';
import { handoffWebhookSignature, shunyaWebhookSignatureOfBody } from '../../wire/signatures.ts';
import { type Listening, listen } from '../lib/listen.ts';
import { type Outcome, resultFor, type Shape, webhookBody } from './corpus.ts';
import {
  capturingLogger,
  expectErrorEnvelope,
  FUZZ_SECRETS,
  installWriteCounter,
  observe,
  type Tally,
} from './harness.ts';
import {
  applyJsonEdits,
  applyTextEdits,
  editsArb,
  expandDeep,
  type Json,
  type JsonEdit,
  jsonEditArb,
  type Serialization,
  serialize,
  type TextEdit,
  textEditArb,
} from './mutate.ts';
import { SEGMENTATION } from './segmentation.ts';

export const WEBHOOK_PATH = '/api/v1/shunya/webhook';
const SECRET = 'fuzz-uwc-hmac-secret-current-0001';
const PREVIOUS = 'fuzz-uwc-hmac-secret-previous-01';
const WRONG = 'fuzz-not-the-secret-at-all-00001';
const TOLERANCE_MS = 300_000;

const BODY_LIMIT = 5 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------------
// The case

type OpState = 'submitted' | 'submitting' | 'completed' | 'superseded' | 'jobEnded';
interface FixtureSpec {
  jobType: JobType;
  kind: OperationKind;
  state: OpState;
  ghost: boolean;
}
type TsForm =
  | 'ms'
  | 'seconds'
  | 'iso'
  | 'empty'
  | 'garbage'
  | 'leadingZeros'
  | 'tooLong'
  | 'negative'
  | 'decimal'
  | 'latin1Digits';
type SigEdit =
  | 'none'
  | 'drop'
  | 'upper'
  | 'flip'
  | 'truncate'
  | 'pad'
  | 'empty'
  | 'garbage'
  | 'spaces'
  | 'otherTs'
  | 'twice';
type TsEdit = 'none' | 'drop' | 'plusOne' | 'empty' | 'spaces';

interface Signing {
  rule: 'profile' | 'handoff' | 'shunya';
  secret: 'current' | 'previous' | 'wrong';
  offsetMs: number;
  tsForm: TsForm;
  /** edits of the bytes after signing */
  tamper: TextEdit[];
  sig: SigEdit;
  ts: TsEdit;
}

export interface WebhookCase {
  fixture: FixtureSpec;
  naming: 'own' | 'unknownJob' | 'otherCompany' | 'headerOnly' | 'companyNotUuid' | 'noCompany';
  profile: Shape;
  shape: Shape;
  outcome: Outcome;
  /** content seed; negative: a contract example */
  seed: number;
  jsonEdits: JsonEdit[];
  serialization: Serialization | 'python';
  /** edits of the bytes before signing */
  textEdits: TextEdit[];
  signing: Signing;
  taskIdHeader: 'none' | 'own' | 'other' | 'garbage';
  contentType: string | null;
  chunked: boolean;
}

const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });

const fixtureArb: fc.Arbitrary<FixtureSpec> = fc
  .oneof(
    w(
      3,
      fc.record({
        jobType: fc.constant<JobType>('csr_call'),
        kind: fc.constantFrom<OperationKind>('transcription', 'analysis'),
      }),
    ),
    w(
      2,
      fc.record({
        jobType: fc.constant<JobType>('sales_visit'),
        kind: fc.constantFrom<OperationKind>('transcription', 'segmentation', 'analysis'),
      }),
    ),
  )
  .chain(({ jobType, kind }) =>
    fc.record({
      jobType: fc.constant(jobType),
      kind: fc.constant(kind),
      state: fc.oneof(
        w(8, fc.constant<OpState>('submitted')),
        w(2, fc.constant<OpState>('submitting')),
        w(1, fc.constantFrom<OpState>('completed', 'superseded', 'jobEnded')),
      ),
      ghost: jobType === 'sales_visit' ? fc.boolean() : fc.constant(false),
    }),
  );

const freshOffset = fc.integer({ min: -290_000, max: 290_000 });
const authenticSigning: fc.Arbitrary<Signing> = fc.record({
  rule: fc.oneof(
    w(10, fc.constant('profile' as const)),
    w(1, fc.constantFrom('handoff' as const, 'shunya' as const)),
  ),
  secret: fc.oneof(w(4, fc.constant('current' as const)), w(1, fc.constant('previous' as const))),
  offsetMs: fc.oneof(w(10, freshOffset), w(1, fc.constantFrom(-300_000, 300_000, -299_999, 299_999))),
  tsForm: fc.oneof(w(20, fc.constant<TsForm>('ms')), w(1, fc.constant<TsForm>('leadingZeros'))),
  tamper: fc.constant([]),
  sig: fc.oneof(w(10, fc.constant<SigEdit>('none')), w(1, fc.constant<SigEdit>('spaces'))),
  ts: fc.oneof(w(10, fc.constant<TsEdit>('none')), w(1, fc.constant<TsEdit>('spaces'))),
});
const forgedSigning: fc.Arbitrary<Signing> = fc.record({
  rule: fc.constantFrom('profile' as const, 'handoff' as const, 'shunya' as const),
  secret: fc.oneof(
    w(1, fc.constantFrom('current' as const, 'previous' as const)),
    w(1, fc.constant('wrong' as const)),
  ),
  offsetMs: fc.oneof(
    w(3, freshOffset),
    w(1, fc.constantFrom(-300_001, 300_001, -301_000, 301_000)),
    w(1, fc.integer({ min: 300_001, max: 10_000_000_000 })),
    w(1, fc.integer({ min: -10_000_000_000, max: -300_001 })),
  ),
  tsForm: fc.oneof(
    w(5, fc.constant<TsForm>('ms')),
    w(
      1,
      fc.constantFrom<TsForm>(
        'seconds',
        'iso',
        'empty',
        'garbage',
        'leadingZeros',
        'tooLong',
        'negative',
        'decimal',
        'latin1Digits',
      ),
    ),
  ),
  tamper: editsArb(textEditArb, 2),
  sig: fc.oneof(
    w(3, fc.constant<SigEdit>('none')),
    w(
      2,
      fc.constantFrom<SigEdit>(
        'drop',
        'upper',
        'flip',
        'truncate',
        'pad',
        'empty',
        'garbage',
        'spaces',
        'otherTs',
        'twice',
      ),
    ),
  ),
  ts: fc.oneof(
    w(3, fc.constant<TsEdit>('none')),
    w(1, fc.constantFrom<TsEdit>('drop', 'plusOne', 'empty', 'spaces')),
  ),
});

export const webhookCaseArb: fc.Arbitrary<WebhookCase> = fc.record({
  fixture: fixtureArb,
  naming: fc.oneof(
    w(12, fc.constant('own' as const)),
    w(
      1,
      fc.constantFrom(
        'unknownJob' as const,
        'otherCompany' as const,
        'headerOnly' as const,
        'companyNotUuid' as const,
        'noCompany' as const,
      ),
    ),
  ),
  profile: fc.constantFrom<Shape>('handoff', 'shunya'),
  shape: fc.constantFrom<Shape>('handoff', 'shunya'),
  outcome: fc.oneof(
    w(8, fc.constant<Outcome>('completed')),
    w(2, fc.constant<Outcome>('failed')),
    w(1, fc.constantFrom<Outcome>('processing', 'noResult')),
  ),
  // a few dozen generated calls (the simulator's content is cached), and the contract's examples
  seed: fc.oneof(w(4, fc.nat({ max: 47 })), w(1, fc.integer({ min: -3, max: -1 }))),
  jsonEdits: editsArb(jsonEditArb),
  serialization: fc.oneof(
    w(6, fc.constant<Serialization | 'python'>('python')),
    w(1, fc.constantFrom<Serialization | 'python'>('compact', 'pretty', 'asciiEscaped', 'spaced')),
  ),
  textEdits: fc.oneof(
    w(5, fc.constant([] as TextEdit[])),
    w(1, fc.array(textEditArb, { minLength: 1, maxLength: 2 })),
  ),
  signing: fc.oneof(w(3, authenticSigning), w(2, forgedSigning)),
  taskIdHeader: fc.oneof(
    w(4, fc.constant('none' as const)),
    w(1, fc.constantFrom('own' as const, 'other' as const, 'garbage' as const)),
  ),
  contentType: fc.oneof(
    w(8, fc.constant<string | null>('application/json')),
    w(
      1,
      fc.constantFrom<string | null>(
        null,
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/json; charset=latin1',
        'multipart/form-data; boundary=x',
      ),
    ),
  ),
  chunked: fc.oneof(w(9, fc.constant(false)), w(1, fc.constant(true))),
});

/** The delivery is meant to carry a valid signature (it may still fail: a timestamp on the boundary). */
const meantAuthentic = (s: Signing) =>
  s.secret !== 'wrong' &&
  s.tamper.length === 0 &&
  (s.sig === 'none' || s.sig === 'spaces') &&
  (s.ts === 'none' || s.ts === 'spaces');

function formatTs(ms: number, form: TsForm): string {
  switch (form) {
    case 'ms':
      return String(ms);
    case 'seconds':
      return String(Math.floor(ms / 1000));
    case 'iso':
      return new Date(ms).toISOString();
    case 'empty':
      return '';
    case 'garbage':
      return 'yesterday';
    case 'leadingZeros':
      return `000${ms}`;
    case 'tooLong':
      return `${ms}0000`;
    case 'negative':
      return `-${ms}`;
    case 'decimal':
      return `${ms}.5`;
    case 'latin1Digits':
      // superscript digits: Latin-1, so they can travel in a header, yet not [0-9]
      return String(ms).replace(
        /[123]/g,
        (d) => ({ '1': '\u00b9', '2': '\u00b2', '3': '\u00b3' })[d] as string,
      );
  }
}

// ---------------------------------------------------------------------------------------------------
// The oracle: does this request carry a valid signature over exactly these bytes, with a fresh timestamp?

export function signedAuthentically(
  raw: Buffer,
  headers: Record<string, string | undefined>,
  nowMs: number,
  secrets: string[],
): { authentic: boolean; mustNotRefuse: boolean } {
  // HTTP strips optional whitespace around field values (RFC 9110 §5.5)
  const ts = headers['x-shunya-timestamp']?.trim();
  const sig = headers['x-shunya-signature']?.trim();
  const no = { authentic: false, mustNotRefuse: false };
  if (!ts || !sig || !/^[0-9]+$/.test(ts) || Math.abs(Number(ts) - nowMs) > TOLERANCE_MS) return no;
  const byHandoff = secrets.some((k) => handoffWebhookSignature(k, ts, raw) === sig);
  let byShunya = false;
  try {
    const text = raw.toString('utf8');
    byShunya = !byHandoff && secrets.some((k) => shunyaWebhookSignatureOfBody(k, ts, text) === sig);
  } catch {
    // not JSON: only the handoff profile can sign it
  }
  // A valid signature with the contract's 13-digit timestamp must not be refused as unauthenticated, with
  // three exceptions for Shunya's profile: a body that is not RFC 8259 JSON (NaN, Infinity, which Python
  // writes) is answered 401, because the receiver parses JSON before it verifies that profile; a body
  // nested deeper than Python's default recursion limit (1000), which no Python Shunya can have signed;
  // and a body with a "__proto__" key, which the simulator's former JSON helper (this oracle's, until wire/
  // replaced it, D210) dropped, unlike Python; kept out so that the properties stay those that were run.
  let strictJson = true;
  try {
    JSON.parse(raw.toString('utf8'));
  } catch {
    strictJson = false;
  }
  const authentic = byHandoff || byShunya;
  return {
    authentic,
    mustNotRefuse:
      authentic &&
      /^[0-9]{13}$/.test(ts) &&
      (byHandoff || (strictJson && nesting(raw) <= 1000 && !raw.includes('__proto__'))),
  };
}

/** The deepest nesting of arrays and objects in a JSON text. */
function nesting(raw: Buffer): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

// ---------------------------------------------------------------------------------------------------
// The world: Otto's app on a socket, two tenants, and operations to deliver to

interface Fixture {
  companyId: string;
  jobId: string;
  operationId: string;
  shunyaJobId: string | null;
  callNo: number;
}

export interface WebhookTarget {
  run(c: WebhookCase): Promise<void>;
  close(): Promise<void>;
  url: string;
}

export async function startWebhookTarget(db: Db, tally: Tally): Promise<WebhookTarget> {
  await installWriteCounter(db);
  await db.raw(
    'CREATE INDEX IF NOT EXISTS fuzz_webhook_deliveries_request_idx ON webhook_deliveries (request_id)',
  );
  const nowMs = Date.now();
  const clock: Clock = { now: () => new Date(nowMs) };
  const config = loadConfig({
    NODE_ENV: 'test',
    ...FUZZ_SECRETS,
    UWC_BASE_URL: 'http://127.0.0.1:9', // never called: no worker runs here
    UWC_HMAC_SECRET: SECRET,
    UWC_HMAC_SECRET_PREVIOUS: PREVIOUS,
    TENANT_MAX_CONCURRENT: '1000000',
    // the fuzzer sends bad signatures by the thousand on purpose (D130)
    AUTH_FAILURE_LIMIT: '1000000000',
  });
  const { logger, errors } = capturingLogger();
  const pipeline: PipelineDeps = {
    db,
    config,
    logger,
    client: shunyaClientFromConfig(config),
    normalize: shunyaNormalizers,
    clock,
  };
  const server: Listening = await listen(
    buildApp({ config, db, logger, workerCheck: async () => 'disabled', pipeline, clock }),
  );
  const companyA = await insertCompany(db, { name: 'Fuzz tenant A' });
  const companyB = await insertCompany(db, { name: 'Fuzz tenant B' });
  const jobDeps = { config, clock };

  async function createFixture(spec: FixtureSpec, company: CompanyRow): Promise<Fixture> {
    let job: JobRow;
    let callNo: number;
    if (spec.jobType === 'csr_call') {
      const r = await acceptCallRailCall(
        db,
        company,
        {
          callrailCallId: `CALfz${randomUUID().replace(/-/g, '')}`,
          recordingUrl: 'https://recordings.example.com/fuzz.mp3',
          customerPhone: null,
          customerName: null,
          durationSeconds: 120,
          direction: 'inbound',
          answered: true,
          startedAt: null,
          payload: {},
        },
        jobDeps,
      );
      job = (await db('shunya_jobs').where({ id: r.job_id }).first()) as JobRow;
      callNo = (await db('calls').where({ id: r.call_id }).first()).shunya_call_id;
    } else {
      const sessionId = randomUUID();
      const r = await acceptRecordingUpload(
        db,
        company.id,
        sessionId,
        {
          audioUrl: 'https://uploads.example.com/fuzz.m4a',
          audioFormat: 'm4a',
          fileSizeBytes: 1_000_000,
          durationSeconds: 600,
          appointmentId: null,
          ghostMode: spec.ghost,
        },
        jobDeps,
      );
      if (r.kind !== 'accepted') throw new Error(`fixture: upload ${r.kind}`);
      job = (await db('shunya_jobs').where({ id: r.job_id }).first()) as JobRow;
      callNo = (await db('recording_sessions').where({ id: sessionId }).first()).shunya_call_id;
    }
    if (spec.kind !== 'transcription') {
      // the earlier stages are done, as the completion path leaves them
      const output: Record<string, unknown> = { transcription: { transcript_id: null, word_count: 10 } };
      if (spec.jobType === 'sales_visit' && spec.kind === 'analysis') output.segmentation = SEGMENTATION;
      job = (
        (await db('shunya_jobs')
          .where({ id: job.id })
          .update({ stage: spec.kind, output_payload: JSON.stringify(output) })
          .returning('*')) as JobRow[]
      )[0] as JobRow;
    }
    const op = await ensureOperation(db, job, spec.kind);
    const shunyaJobId = spec.state === 'submitting' ? null : `fz-${spec.kind}-${randomUUID()}`;
    const opPatch: Record<string, unknown> = { shunya_job_id: shunyaJobId, submitted_at: clock.now() };
    if (spec.state === 'submitted' || spec.state === 'jobEnded') opPatch.status = 'submitted';
    if (spec.state === 'completed')
      Object.assign(opPatch, { status: 'completed', result_hash: 'f'.repeat(64), completed_at: clock.now() });
    if (spec.state === 'superseded') opPatch.status = 'superseded';
    if (spec.state !== 'submitting') await db('shunya_operations').where({ id: op.id }).update(opPatch);
    if (spec.state === 'jobEnded')
      await db('shunya_jobs')
        .where({ id: job.id })
        .update({ job_status: 'failed', completed_at: clock.now() });
    return { companyId: company.id, jobId: job.id, operationId: op.id, shunyaJobId, callNo };
  }

  // Deliveries that are not meant to be authentic all go to these operations, which must never change.
  const pool = new Map<string, Fixture>();
  for (const [jobType, kind] of [
    ['csr_call', 'transcription'],
    ['csr_call', 'analysis'],
    ['sales_visit', 'transcription'],
    ['sales_visit', 'segmentation'],
    ['sales_visit', 'analysis'],
  ] as const)
    pool.set(
      `${jobType}/${kind}`,
      await createFixture({ jobType, kind, state: 'submitted', ghost: false }, companyA),
    );

  let n = 0;
  async function run(c: WebhookCase): Promise<void> {
    tally.begin(c);
    n++;
    const s = c.signing;
    const fx = meantAuthentic(s)
      ? await createFixture(c.fixture, companyA)
      : (pool.get(`${c.fixture.jobType}/${c.fixture.kind}`) as Fixture);

    // the body
    const jobId =
      c.naming === 'unknownJob' ? `fz-unknown-${n}` : (fx.shunyaJobId ?? `fz-adopted-${randomUUID()}`);
    const companyId =
      c.naming === 'otherCompany'
        ? companyB.id
        : c.naming === 'companyNotUuid'
          ? 'company_abc123'
          : fx.companyId;
    const built = webhookBody(
      c.profile,
      { jobId, kind: c.fixture.kind, companyId, callId: fx.callNo },
      c.outcome,
      resultFor(c.fixture.kind, c.shape, c.seed, fx.callNo),
      c.seed,
    );
    const value = built.value as Record<string, Json>;
    if (c.naming === 'headerOnly') {
      delete value.shunya_job_id;
      delete value.task_id;
    }
    if (c.naming === 'noCompany') delete value.company_id;
    const edited = applyJsonEdits(value, c.jsonEdits);
    let text: string;
    if (c.serialization === 'python' && c.profile === 'shunya')
      text =
        c.jsonEdits.length === 0 && c.naming === 'own'
          ? built.pythonText
          : expandDeep(simSerialize('shunya', edited));
    else text = serialize(edited, c.serialization === 'python' ? 'compact' : c.serialization);
    const raw = applyTextEdits(Buffer.from(text, 'utf8'), c.textEdits);

    // the signature
    const tsMs = nowMs + s.offsetMs;
    const ts = formatTs(tsMs, s.tsForm);
    const secret = s.secret === 'current' ? SECRET : s.secret === 'previous' ? PREVIOUS : WRONG;
    const rule = s.rule === 'profile' ? c.profile : s.rule;
    const signOver = (t: string) => {
      if (rule === 'shunya') {
        try {
          return shunyaWebhookSignatureOfBody(secret, t, raw.toString('utf8'));
        } catch {
          // not JSON: fall back to the handoff rule
        }
      }
      return handoffWebhookSignature(secret, t, raw);
    };
    let sig: string | undefined = signOver(ts);
    const sent = applyTextEdits(raw, s.tamper);

    const headers: Record<string, string> = { 'x-request-id': `fz-wh-${n}` };
    if (c.contentType !== null) headers['content-type'] = c.contentType;
    switch (s.sig) {
      case 'drop':
        sig = undefined;
        break;
      case 'upper':
        sig = sig.toUpperCase();
        break;
      case 'flip':
        sig = sig.slice(0, 10) + (sig[10] === 'a' ? 'b' : 'a') + sig.slice(11);
        break;
      case 'truncate':
        sig = sig.slice(0, 63);
        break;
      case 'pad':
        sig = `${sig}0`;
        break;
      case 'empty':
        sig = '';
        break;
      case 'garbage':
        sig = 'sha256=not-a-signature';
        break;
      case 'spaces':
        sig = `  ${sig} `;
        break;
      case 'otherTs':
        sig = signOver(String(tsMs + 1));
        break;
      case 'twice':
        sig = `${sig}, ${sig}`;
        break;
    }
    if (sig !== undefined) headers['x-shunya-signature'] = sig;
    if (s.ts !== 'drop')
      headers['x-shunya-timestamp'] =
        s.ts === 'plusOne' ? String(tsMs + 1) : s.ts === 'empty' ? '' : s.ts === 'spaces' ? ` ${ts}  ` : ts;
    if (c.taskIdHeader !== 'none')
      headers['x-shunya-task-id'] =
        c.taskIdHeader === 'own' ? jobId : c.taskIdHeader === 'other' ? `fz-other-${n}` : '\t?&%';

    const oracle = signedAuthentically(sent, headers, nowMs, [SECRET, PREVIOUS]);
    const observed = await observe(tally, errors, db, {
      url: server.url,
      path: WEBHOOK_PATH,
      headers,
      body: sent,
      chunked: c.chunked,
    });
    const { res, body } = observed;

    // what the server said
    if (res.status >= 500) {
      // the receiver keeps the exception it caught in the inbox row (verdict `error`)
      const stored = await db('webhook_deliveries')
        .where({ request_id: res.headers['x-request-id'] })
        .first();
      tally.violation(
        'status5xx',
        `answered ${res.status} (inbox: ${stored?.verdict}: ${stored?.error}); logged: ${observed.logged}`,
      );
    }
    if (res.status >= 200 && res.status < 300) {
      tally.outcome(`2xx:${(body as { status?: string })?.status}`);
      tally.expect(
        oracle.authentic,
        'acceptedUnsigned',
        () => `answered ${res.status} ${res.body} without a valid signature`,
      );
      tally.expect(
        zWebhookAck.safeParse(body).success,
        'contract',
        () => `2xx body is not a WebhookAck: ${res.body}`,
      );
    } else {
      expectErrorEnvelope(tally, observed, [400, 401, 403, 404, 413]);
    }
    if (!oracle.authentic) {
      const allowed = sent.length > BODY_LIMIT ? [413] : [401];
      tally.expect(
        allowed.includes(res.status),
        'contract',
        () => `unsigned delivery answered ${res.status}, expected ${allowed}`,
      );
    }
    if (oracle.mustNotRefuse)
      tally.expect(
        res.status !== 401,
        'contract',
        () => `a validly signed delivery was refused: ${res.body.slice(0, 300)}`,
      );

    // what the database kept
    const { writes } = observed;
    const inbox = writes['public.webhook_deliveries'] ?? 0;
    delete writes['public.webhook_deliveries'];
    if (res.status === 413) {
      tally.expect(
        inbox === 0 && Object.keys(writes).length === 0,
        'writeOnRefusal',
        () => `413 wrote ${JSON.stringify({ inbox, writes })}`,
      );
      return;
    }
    tally.expect(inbox === 1, 'contract', () => `the inbox got ${inbox} rows for one delivery`);
    const row = await db('webhook_deliveries').where({ request_id: res.headers['x-request-id'] }).first();
    tally.expect(
      row?.http_status === res.status,
      'contract',
      () => `inbox row says ${row?.http_status}, answered ${res.status}`,
    );
    if (res.status >= 400) {
      tally.expect(
        Object.keys(writes).length === 0,
        'writeOnRefusal',
        () => `refused (${res.status}) but wrote ${JSON.stringify(writes)}`,
      );
      tally.expect(
        row?.company_id === null && row?.operation_id === null && row?.job_id === null,
        'writeOnRefusal',
        () =>
          `a refused delivery was attributed: ${JSON.stringify({ company: row?.company_id, op: row?.operation_id })}`,
      );
    }
    if (!oracle.authentic)
      tally.expect(
        row?.profile === null &&
          ['missing_headers', 'stale_timestamp', 'bad_signature'].includes(row?.verdict),
        'contract',
        () => `unsigned delivery stored with profile ${row?.profile}, verdict ${row?.verdict}`,
      );
    const ack = (body as { status?: string } | undefined)?.status;
    if (res.status === 200) {
      tally.expect(row?.verdict === ack, 'contract', () => `inbox verdict ${row?.verdict}, answered ${ack}`);
      const domainWrites = Object.keys(writes).filter((t) => !t.startsWith('graphile_worker.'));
      if (ack === 'already_processed')
        tally.expect(
          Object.keys(writes).length === 0,
          'contract',
          () => `already_processed wrote ${JSON.stringify(writes)}`,
        );
      if (ack === 'acknowledged')
        tally.expect(
          domainWrites.length === 0,
          'contract',
          () => `acknowledged wrote ${JSON.stringify(writes)}`,
        );
    }
  }

  return {
    run,
    url: server.url,
    async close() {
      await server.close();
    },
  };
}
