// Target 2: POST /webhooks/callrail/call.completed over real HTTP, on a real Postgres.
//
// A case is a recipe: which tenant the body names (one verifying HMAC-SHA1, one HMAC-SHA256, an unknown
// one), a valid CallRail payload (the contract's two examples, or one in CallRail's shape), edits before
// signing, how it is signed (the tenant's key and algorithm, another tenant's, a wrong key, none), edits
// after signing and odd headers. Whether the request is authentic is decided by node:crypto over the
// bytes sent, with the keys of the tenants in the database.
//
// What must hold (contracts/otto.openapi.yaml `callrailCallCompleted`, decision D13):
// - no 5xx, no exception logged;
// - 202 only for a body signed with the key and algorithm of the tenant the call was stored under,
//   and then a CallRailAccepted body;
// - a request not so signed is refused (401, or 400/413/415 for what is checked before the signature);
// - a pristine payload signed by its tenant is accepted (202);
// - every error is the ErrorEnvelope with the response's X-Request-ID;
// - a refused request writes nothing at all (no inbox exists for CallRail).
import fc from 'fast-check';
import { zCallRailAccepted } from '../../generated/otto/zod.gen.ts';
import { loadConfig } from '../../src/config.ts';
import type { Db } from '../../src/db/knex.ts';
import { type CompanyRow, insertCompany } from '../../src/domain/companies.ts';
import { buildApp } from '../../src/http/app.ts';
import type { Clock } from '../../src/jobs/deps.ts';
import { callRailSignature } from '../../wire/callrail.ts';
import { type Listening, listen } from '../lib/listen.ts';
import { CALLRAIL_EXAMPLES } from './corpus.ts';
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
  type Json,
  type JsonEdit,
  jsonEditArb,
  type Serialization,
  serialize,
  type TextEdit,
  textEditArb,
} from './mutate.ts';

export const CALLRAIL_PATH = '/webhooks/callrail/call.completed';
const BODY_LIMIT = 1024 * 1024;

type Tenant = 'sha1' | 'sha256' | 'unknown';
type SigHeader = 'none' | 'drop' | 'empty' | 'garbage' | 'spaces' | 'hex' | 'truncate' | 'twice' | 'flip';

export interface CallRailCase {
  tenant: Tenant;
  base: 'callrail' | 'exampleCallRail' | 'exampleSeed';
  /** the CallRail call id's number: a small range, so repeated deliveries happen (D32) */
  callNo: number;
  withRecording: boolean;
  jsonEdits: JsonEdit[];
  serialization: Serialization;
  textEdits: TextEdit[];
  signing: {
    key: 'own' | 'otherTenant' | 'wrong' | 'none';
    algorithm: 'own' | 'sha1' | 'sha256';
    tamper: TextEdit[];
    header: SigHeader;
  };
  contentType: string | null;
  chunked: boolean;
}

const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });

export const callRailCaseArb: fc.Arbitrary<CallRailCase> = fc.record({
  tenant: fc.oneof(w(5, fc.constantFrom<Tenant>('sha1', 'sha256')), w(1, fc.constant<Tenant>('unknown'))),
  base: fc.oneof(
    w(4, fc.constant('callrail' as const)),
    w(1, fc.constantFrom('exampleCallRail' as const, 'exampleSeed' as const)),
  ),
  callNo: fc.nat({ max: 400 }),
  withRecording: fc.oneof(w(5, fc.constant(true)), w(1, fc.constant(false))),
  jsonEdits: editsArb(jsonEditArb),
  serialization: fc.oneof(
    w(6, fc.constant<Serialization>('compact')),
    w(1, fc.constantFrom<Serialization>('pretty', 'asciiEscaped', 'spaced')),
  ),
  textEdits: fc.oneof(
    w(5, fc.constant([] as TextEdit[])),
    w(1, fc.array(textEditArb, { minLength: 1, maxLength: 2 })),
  ),
  signing: fc.oneof(
    w(
      3,
      fc.record({
        key: fc.constant('own' as const),
        algorithm: fc.constant('own' as const),
        tamper: fc.constant([] as TextEdit[]),
        header: fc.oneof(w(10, fc.constant<SigHeader>('none')), w(1, fc.constant<SigHeader>('spaces'))),
      }),
    ),
    w(
      2,
      fc.record({
        key: fc.constantFrom('own' as const, 'otherTenant' as const, 'wrong' as const, 'none' as const),
        algorithm: fc.constantFrom('own' as const, 'sha1' as const, 'sha256' as const),
        tamper: editsArb(textEditArb, 2),
        header: fc.oneof(
          w(3, fc.constant<SigHeader>('none')),
          w(
            2,
            fc.constantFrom<SigHeader>(
              'drop',
              'empty',
              'garbage',
              'spaces',
              'hex',
              'truncate',
              'twice',
              'flip',
            ),
          ),
        ),
      }),
    ),
  ),
  contentType: fc.oneof(
    w(8, fc.constant<string | null>('application/json')),
    w(
      1,
      fc.constantFrom<string | null>(
        null,
        'text/plain',
        'application/vnd.callrail+json',
        'application/json; charset=utf-8',
        'application/x-www-form-urlencoded',
      ),
    ),
  ),
  chunked: fc.oneof(w(9, fc.constant(false)), w(1, fc.constant(true))),
});

const hmacBase64 = (algorithm: 'sha1' | 'sha256', key: string, raw: Buffer) =>
  callRailSignature(key, raw, `hmac-${algorithm}`);
const algorithmOf = (c: CompanyRow) => (c.callrail_signature_algorithm === 'hmac-sha256' ? 'sha256' : 'sha1');

function basePayload(c: CallRailCase, callrailCompanyId: string): Json {
  const callId = `CAL${c.callNo.toString(16).padStart(32, '0')}`;
  if (c.base !== 'callrail') {
    const example = structuredClone(
      CALLRAIL_EXAMPLES[c.base === 'exampleCallRail' ? 0 : 1] as Record<string, Json>,
    );
    example.company_id = callrailCompanyId;
    if ('resource_id' in example) example.resource_id = callId;
    else example.call_id = callId;
    return example;
  }
  return {
    resource_id: callId,
    company_id: callrailCompanyId,
    answered: c.callNo % 3 !== 0,
    direction: c.callNo % 2 === 0 ? 'inbound' : 'outbound',
    duration: String(30 + c.callNo),
    recording: c.withRecording ? `https://recordings.example.com/${callId}.mp3` : null,
    customer_phone_number: `+1217555${String(c.callNo % 10_000).padStart(4, '0')}`,
    customer_name: 'Jane Doe',
    tracking_phone_number: '+12175550100',
    start_time: '2025-01-15T09:54:00.000-06:00',
  };
}

export interface CallRailTarget {
  run(c: CallRailCase): Promise<void>;
  close(): Promise<void>;
}

export async function startCallRailTarget(db: Db, tally: Tally): Promise<CallRailTarget> {
  await installWriteCounter(db);
  const nowMs = Date.now();
  const clock: Clock = { now: () => new Date(nowMs) };
  const config = loadConfig({
    NODE_ENV: 'test',
    ...FUZZ_SECRETS,
    TENANT_MAX_CONCURRENT: '1000000',
    // the fuzzer sends bad signatures by the thousand on purpose (D130)
    AUTH_FAILURE_LIMIT: '1000000000',
  });
  const { logger, errors } = capturingLogger();
  const server: Listening = await listen(
    buildApp({ config, db, logger, workerCheck: async () => 'disabled', clock }),
  );
  const sha1 = await insertCompany(db, {
    name: 'Fuzz CallRail SHA-1',
    callrail_company_id: '398714497',
    callrail_signing_key: 'fuzz-callrail-key-sha1-0001',
  });
  const sha256 = await insertCompany(db, {
    name: 'Fuzz CallRail SHA-256',
    callrail_company_id: '100000002',
    callrail_signing_key: 'fuzz-callrail-key-sha256-0002',
    callrail_signature_algorithm: 'hmac-sha256',
  });
  const companies = [sha1, sha256];

  let n = 0;
  async function run(c: CallRailCase): Promise<void> {
    tally.begin(c);
    n++;
    const named = c.tenant === 'sha1' ? sha1 : c.tenant === 'sha256' ? sha256 : undefined;
    const edited = applyJsonEdits(basePayload(c, named?.callrail_company_id ?? '999999999'), c.jsonEdits);
    const raw = applyTextEdits(Buffer.from(serialize(edited, c.serialization), 'utf8'), c.textEdits);

    const s = c.signing;
    const signer = s.key === 'otherTenant' ? (named === sha1 ? sha256 : sha1) : (named ?? sha1);
    const key = s.key === 'wrong' ? 'fuzz-not-the-key-0000000' : signer.callrail_signing_key;
    const algorithm = s.algorithm === 'own' ? algorithmOf(signer) : s.algorithm;
    let sig: string | undefined = s.key === 'none' ? undefined : hmacBase64(algorithm, key, raw);
    const sent = applyTextEdits(raw, s.tamper);
    if (sig !== undefined) {
      switch (s.header) {
        case 'drop':
          sig = undefined;
          break;
        case 'empty':
          sig = '';
          break;
        case 'garbage':
          sig = 'not base64 at all';
          break;
        case 'spaces':
          sig = `  ${sig}  `;
          break;
        case 'hex':
          sig = Buffer.from(sig, 'base64').toString('hex');
          break;
        case 'truncate':
          sig = sig.slice(0, -2);
          break;
        case 'twice':
          sig = `${sig},${sig}`;
          break;
        case 'flip':
          sig = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
          break;
      }
    }
    const headers: Record<string, string> = { 'x-request-id': `fz-cr-${n}` };
    if (c.contentType !== null) headers['content-type'] = c.contentType;
    if (sig !== undefined) headers.signature = sig;

    // the oracle: which tenants' keys sign exactly these bytes, as the header says (HTTP trims it)
    const given = sig?.trim();
    const signedBy = companies.filter(
      (co) => given !== undefined && hmacBase64(algorithmOf(co), co.callrail_signing_key, sent) === given,
    );
    const pristine =
      named !== undefined &&
      s.key === 'own' &&
      s.algorithm === 'own' &&
      s.tamper.length === 0 &&
      (s.header === 'none' || s.header === 'spaces') &&
      c.jsonEdits.length === 0 &&
      c.textEdits.length === 0 &&
      !c.chunked &&
      c.contentType !== null &&
      /json/.test(c.contentType) &&
      c.contentType !== 'application/vnd.callrail+json';

    const observed = await observe(tally, errors, db, {
      url: server.url,
      path: CALLRAIL_PATH,
      headers,
      body: sent,
      chunked: c.chunked,
    });
    const { res, body, writes } = observed;
    tally.expect(
      res.status < 500,
      'status5xx',
      () => `answered ${res.status}: ${res.body.slice(0, 300)}; logged: ${observed.logged}`,
    );
    if (res.status >= 200 && res.status < 300) {
      const accepted = zCallRailAccepted.safeParse(body);
      tally.expect(
        res.status === 202 && accepted.success,
        'contract',
        () => `${res.status} body is not CallRailAccepted: ${res.body}`,
      );
      const status = accepted.success ? accepted.data.status : '?';
      tally.outcome(`202:${status}${accepted.success && accepted.data.duplicate ? ':duplicate' : ''}`);
      const call = accepted.success
        ? await db('calls').where({ id: accepted.data.call_id }).first('company_id')
        : undefined;
      tally.expect(
        signedBy.some((co) => co.id === call?.company_id),
        'acceptedUnsigned',
        () =>
          `accepted for tenant ${call?.company_id} without its signature (signed by ${signedBy.map((co) => co.id)})`,
      );
    } else {
      const code = expectErrorEnvelope(tally, observed, [400, 401, 413, 415, 422]);
      tally.expect(
        Object.keys(writes).length === 0,
        'writeOnRefusal',
        () => `refused (${res.status} ${code}) but wrote ${JSON.stringify(writes)}`,
      );
      if (signedBy.length === 0) {
        // a media type Otto does not read is refused before the body is read, however large
        const allowed = sent.length > BODY_LIMIT ? [413, 415] : [400, 401, 413, 415];
        tally.expect(
          allowed.includes(res.status),
          'contract',
          () => `unsigned request answered ${res.status} ${code}`,
        );
      }
    }
    if (pristine)
      tally.expect(
        res.status === 202,
        'contract',
        () => `a pristine signed payload was answered ${res.status}: ${res.body.slice(0, 300)}`,
      );
  }

  return {
    run,
    async close() {
      await server.close();
    },
  };
}
