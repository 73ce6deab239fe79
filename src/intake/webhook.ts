// Shunya's webhook (§8): authenticate, find the operation, hand the result to the one completion path (the
// common case, a CSR call's stage, finds and completes in one statement, D510), and
// keep every delivery in the inbox with its verdict: its size and hash, and its body only redacted of
// personal data, for WEBHOOK_BODY_RETENTION_HOURS (D85), and only when it authenticated (D130).
import type { WebhookVerdict } from '../../generated/otto/types.gen.ts';
import { safeEqual } from '../../wire/hmac.ts';
import { handoffWebhookSignature, shunyaWebhookSignature } from '../../wire/signatures.ts';
import type { PipelineDeps } from '../jobs/deps.ts';
import type { OperationRow } from '../jobs/model.ts';
import {
  findWebhookOperations,
  type OperationAndJob,
  pollNow,
  recordEarlyWebhook,
  type WebhookLookup,
} from '../jobs/store.ts';
import type { InboxRow } from '../jobs/transitions/index.ts';
import type { OperationKind, WebhookEnvelope } from '../shunya/types.ts';
import { completeByWebhook, completeOperation } from '../steps/complete.ts';
import { sha256Hex } from '../util/hash.ts';
import { redactPersonal } from '../util/redact.ts';
import { unstorable } from '../util/storable.ts';
import { decodeUtf8 } from '../util/utf8.ts';

export interface WebhookDelivery {
  headers: Record<string, string | undefined>;
  /**
   * The HTTP status the receiver answers a verdict with (http/errors.ts webhookStatus), kept in the inbox
   * beside the verdict: the decision here is the verdict alone (D239).
   */
  statusOf: (verdict: WebhookVerdict) => number;
  rawBody: Buffer;
  requestId: string;
  /**
   * Whether a delivery that fails authentication is recorded in the inbox (without its body either
   * way); false when its sender floods with them (D130).
   */
  keepFailedAuthentication?: boolean;
}

/** The verdict on a delivery, with no HTTP status: http/errors.ts webhookError maps it to the answer. */
export interface WebhookAnswer {
  verdict: WebhookVerdict;
  /** the inbox row was written with the completion (D331): receiveWebhook writes none */
  inboxed?: boolean;
  /** An accepted delivery: the WebhookAck body. */
  ack?: 'processed' | 'already_processed' | 'acknowledged' | 'deferred';
  /** A refused delivery: the error code and message of the envelope. */
  error?: { code: string; message: string };
}

type Profile = 'handoff' | 'shunya';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const reject = (verdict: WebhookVerdict, code: string, message: string): WebhookAnswer => ({
  verdict,
  error: { code, message },
});

/** Which profile's signature matches, with the current or the previous secret; null when none does. */
export function verifySignature(
  deps: Pick<PipelineDeps, 'config' | 'normalize'>,
  timestamp: string,
  signature: string,
  raw: Buffer,
  parsed: () => unknown,
): Profile | null {
  const { profile } = deps.config.webhook;
  const secrets = [deps.config.uwc.hmacSecret, deps.config.uwc.hmacSecretPrevious].filter(
    (s): s is string => !!s,
  );
  if (profile !== 'shunya') {
    if (secrets.some((k) => safeEqual(handoffWebhookSignature(k, timestamp, raw), signature)))
      return 'handoff';
  }
  if (profile !== 'handoff') {
    let canonical: string;
    try {
      parsed(); // not JSON: no Shunya-profile signature can match
      canonical = deps.normalize.pythonJson(raw.toString('utf8'));
    } catch {
      return null;
    }
    if (secrets.some((k) => safeEqual(shunyaWebhookSignature(k, timestamp, canonical), signature)))
      return 'shunya';
  }
  return null;
}

function inferKind(env: WebhookEnvelope): OperationKind | null {
  if (env.kind) return env.kind;
  const r = env.result as Record<string, unknown> | null;
  if (!r || typeof r !== 'object') return null;
  if ('part1' in r || 'part2' in r) return 'segmentation';
  if ('qualification' in r || 'objections' in r || 'compliance' in r) return 'analysis';
  if ('transcript_text' in r || 'transcript' in r || 'speaker_labels' in r) return 'transcription';
  return null;
}

function callIdOf(env: WebhookEnvelope): number | null {
  if (env.call_id !== null) return isCallId(env.call_id) ? env.call_id : null;
  const v = (env.result as Record<string, unknown> | null)?.call_id;
  const n = typeof v === 'string' ? Number(v) : v;
  return isCallId(n) ? n : null;
}

/** Otto's call and session ids are positive int8 values that JavaScript holds exactly (the contract's CallId). */
const isCallId = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 1;

async function decide(
  deps: PipelineDeps,
  d: WebhookDelivery,
  delivered: DeliveryBody,
  /** the delivery's inbox row for a completion, as it would be kept if the completion applies */
  inboxFor: (profile: Profile, shunyaJobId: string | null) => InboxRow,
  note: (
    profile: Profile | null,
    shunyaJobId: string | null,
    op: OperationRow | null,
    error?: string,
  ) => void,
): Promise<WebhookAnswer> {
  const timestamp = d.headers['x-shunya-timestamp'];
  const signature = d.headers['x-shunya-signature'];
  if (!timestamp || !signature)
    return reject(
      'missing_headers',
      'MISSING_HEADERS',
      'X-Shunya-Signature and X-Shunya-Timestamp are required',
    );
  if (!/^\d{1,16}$/.test(timestamp))
    return reject('stale_timestamp', 'MALFORMED_TIMESTAMP', 'X-Shunya-Timestamp must be epoch milliseconds');
  const skewMs = Math.abs(deps.clock.now().getTime() - Number(timestamp));
  if (skewMs > deps.config.webhook.toleranceSeconds * 1000)
    return reject('stale_timestamp', 'STALE_TIMESTAMP', 'X-Shunya-Timestamp is outside the accepted window');
  if (!/^[0-9a-f]{64}$/.test(signature))
    return reject('bad_signature', 'INVALID_SIGNATURE', 'Signature does not match');

  const profile = verifySignature(deps, timestamp, signature, d.rawBody, delivered.parsed);
  if (!profile) return reject('bad_signature', 'INVALID_SIGNATURE', 'Signature does not match');
  note(profile, null, null);

  let body: unknown;
  try {
    // authenticated, but JSON is UTF-8: bytes that are not are refused, never read as U+FFFD (D129)
    decodeUtf8(d.rawBody);
    body = delivered.parsed();
  } catch {
    return reject('invalid_json', 'INVALID_JSON', 'Request body is not valid JSON');
  }
  // what the inbox keeps of it is taken now, before anything reads the parsed body further (D581)
  delivered.inbox(true);
  if (!body || typeof body !== 'object' || Array.isArray(body))
    return reject('invalid_payload', 'INVALID_PAYLOAD', 'The body must be a JSON object');
  const bad = unstorable(body);
  if (bad) return reject('invalid_payload', 'INVALID_PAYLOAD', `The body ${bad}, which Otto cannot store`);
  const companyId = (body as Record<string, unknown>).company_id;
  if (typeof companyId !== 'string' || companyId.trim() === '')
    return reject('missing_company_id', 'MISSING_COMPANY_ID', 'company_id is required');
  const headerId = d.headers['x-shunya-task-id'];
  let normalized = deps.normalize.webhook(body);
  // a body that names no job may still be identified by its X-Shunya-Task-Id header
  if (!normalized.ok && headerId) normalized = deps.normalize.webhook({ ...body, shunya_job_id: headerId });
  if (!normalized.ok) return reject('unknown_job', 'JOB_NOT_FOUND', 'The webhook names no job');
  const env = { ...normalized.value, company_id: normalized.value.company_id ?? companyId.trim() };
  const shunyaJobId = env.shunya_job_id ?? headerId ?? null;
  note(profile, shunyaJobId, null);

  // the common case completes its stage in one statement with the lookup; any other, as below (D510)
  let looked: Looked | undefined;
  const folding = shunyaJobId ? foldable(env, shunyaJobId) : null;
  if (folding) {
    const r = await completeByWebhook(deps, folding, env.result, inboxFor(profile, shunyaJobId));
    if (r.applied) return { ...answer(r.result.verdict), inboxed: r.result.inboxed };
    looked = r.found ?? undefined;
  }
  const found = shunyaJobId
    ? await operationFor(deps, env, shunyaJobId, looked)
    : ({ kind: 'none' } as const);
  if (found.kind === 'mismatch') {
    note(profile, shunyaJobId, found.op);
    return reject('company_mismatch', 'COMPANY_MISMATCH', 'company_id does not own this job');
  }
  if (found.kind === 'deferred') {
    note(
      profile,
      shunyaJobId,
      null,
      'no operation carries this id yet; the submission in flight polls at once',
    );
    return { verdict: 'deferred', ack: 'deferred' };
  }
  if (found.kind === 'none') return reject('unknown_job', 'JOB_NOT_FOUND', 'No job with this id');
  const { op, adopt } = found;
  const read = { op, job: found.job };
  note(profile, shunyaJobId, op);

  // D77: a delivery about a result already applied is answered already_processed, with or without a body
  const applied = op.status === 'completed' || op.status === 'failed';
  if (env.status === 'processing') return applied ? answer('already_processed') : answer('ignored');
  if (env.status === 'failed') {
    const error = env.error ?? deps.normalize.error({}, 500);
    const r = await completeOperation(deps, op.id, { status: 'failed', error }, 'webhook', adopt, read);
    return answer(r.verdict);
  }
  if (env.status !== 'completed')
    return reject('invalid_payload', 'INVALID_STATUS', 'status must be completed, failed or processing');
  if (env.result === undefined || env.result === null) {
    if (applied) return answer('already_processed');
    // a notification without its result: fetch it now through the poller
    if (op.status === 'submitted') await pollNow(deps.db, op.id);
    return { verdict: 'acknowledged', ack: 'acknowledged' };
  }
  // a delivery that completes the stage is kept in the inbox by the completion's own statement (D331)
  const r = await completeOperation(
    deps,
    op.id,
    { status: 'completed', result: env.result },
    'webhook',
    adopt,
    read,
    inboxFor(profile, shunyaJobId),
  );
  if (r.inboxed) return { ...answer(r.verdict), inboxed: true };
  if (r.conflict) note(profile, shunyaJobId, op, 'a different result than the one applied');
  if (r.verdict === 'incomplete')
    note(profile, shunyaJobId, op, `incomplete result: ${(r.problems ?? []).join(', ')}`);
  return answer(r.verdict);
}

type Looked = Awaited<ReturnType<typeof findWebhookOperations>>;

/** The lookup of a completed result that may complete a CSR call's stage with it (D510); else null. */
function foldable(
  env: WebhookEnvelope,
  shunyaJobId: string,
): (WebhookLookup & { companyId: string; kind: 'transcription' | 'analysis' }) | null {
  const kind = inferKind(env);
  const companyId = companyOf(env);
  if (env.status !== 'completed' || env.result === undefined || env.result === null) return null;
  if (companyId === null || (kind !== 'transcription' && kind !== 'analysis')) return null;
  return { shunyaJobId, companyId, shunyaCallId: callIdOf(env), kind };
}

// a company_id that is not a UUID names no tenant (and Postgres would refuse it as a uuid)
const companyOf = (env: WebhookEnvelope) =>
  UUID.test(env.company_id ?? '') ? (env.company_id as string) : null;

type Found =
  | { kind: 'op'; op: OperationRow; job: OperationAndJob['job']; adopt?: { shunyaJobId: string } }
  | { kind: 'mismatch'; op: OperationRow }
  | { kind: 'deferred' }
  | { kind: 'none' };

/**
 * The operation a webhook is about, race-free whenever it arrives relative to the submission's own
 * transaction (D36, D78): the operation carrying its id; else, when the webhook outran Shunya's answer to
 * the submission, the tenant's still-submitting operation for its call id and kind, adopted (both looked up
 * in one statement, so one snapshot); else, when it carries no call id or kind to match by and the tenant
 * has a submission of that kind in flight, it is recorded for that submission, which polls at once after
 * committing its id (`deferred`). The second lookup covers a submission that committed in between.
 */
async function operationFor(
  deps: PipelineDeps,
  env: WebhookEnvelope,
  shunyaJobId: string,
  /** the lookup's answer when a folded completion already made it and wrote nothing (D510) */
  looked?: Looked,
): Promise<Found> {
  const companyId = companyOf(env);
  const kind = inferKind(env);
  const shunyaCallId = callIdOf(env);
  const lookup = () => findWebhookOperations(deps.db, { shunyaJobId, companyId, shunyaCallId, kind });
  let found = looked ?? (await lookup());
  const nothing = () => found.byId.length === 0 && !found.adoptable;
  if (nothing() && companyId && (kind === null || shunyaCallId === null)) {
    if (!(await recordEarlyWebhook(deps.db, companyId, shunyaJobId, kind))) return { kind: 'none' };
    found = await lookup();
    if (nothing()) return { kind: 'deferred' };
  }
  const own = found.byId.find((o) => o.op.company_id === env.company_id);
  if (own) return { kind: 'op', ...own };
  const other = found.byId[0]?.op;
  if (other) return { kind: 'mismatch', op: other };
  return found.adoptable ? { kind: 'op', ...found.adoptable, adopt: { shunyaJobId } } : { kind: 'none' };
}

function answer(v: 'processed' | 'already_processed' | 'incomplete' | 'ignored'): WebhookAnswer {
  if (v === 'already_processed') return { verdict: 'already_processed', ack: 'already_processed' };
  if (v === 'ignored') return { verdict: 'acknowledged', ack: 'acknowledged' };
  return { verdict: 'processed', ack: 'processed' };
}

const KEPT_HEADERS = [
  'x-shunya-signature',
  'x-shunya-timestamp',
  'x-shunya-task-id',
  'content-type',
  'user-agent',
  'x-request-id',
];

/**
 * What the inbox keeps of a body (D85): its size and hash always; the body redacted, if kept at all, and
 * only when the delivery authenticated: anyone can send the rest, and would fill the disk (D130).
 */
function inboxBody(deps: PipelineDeps, raw: Buffer, authenticated: boolean, strict: () => unknown) {
  let redacted: unknown = null;
  if (authenticated && deps.config.webhook.bodyRetentionHours > 0)
    try {
      redacted = redactPersonal(strict());
    } catch {
      // not JSON: nothing to keep but its size and hash
    }
  return {
    bodyBytes: raw.length,
    bodySha256: sha256Hex(raw),
    // what jsonb refuses (U+0000, unpaired surrogates) is not kept either
    redactedBody: redacted === null || unstorable(redacted) ? null : JSON.stringify(redacted),
  };
}

type InboxBody = ReturnType<typeof inboxBody>;

/**
 * A delivery's body, parsed once (D581): the signature check, the completion and the inbox read the same
 * parse, and what the inbox keeps of it (hash, redacted copy) is made once. `parsed` reads the bytes as
 * Buffer#toString does (a Shunya-profile signature is checked over that text); `strict` is the inbox's
 * reading, refusing what is not UTF-8: on bytes that are UTF-8 and parse, both are the same value (a
 * leading BOM, which the strict decoder drops, makes the lenient parse fail, and so is parsed apart).
 */
interface DeliveryBody {
  parsed(): unknown;
  inbox(authenticated: boolean): InboxBody;
}

function deliveryBody(deps: PipelineDeps, raw: Buffer): DeliveryBody {
  let lenient: { ok: true; value: unknown } | { ok: false } | undefined;
  const kept: Partial<Record<'true' | 'false', InboxBody>> = {};
  const parsed = () => {
    if (lenient === undefined)
      try {
        lenient = { ok: true, value: JSON.parse(raw.toString('utf8')) };
      } catch (e) {
        lenient = { ok: false };
        throw e;
      }
    if (!lenient.ok) throw new Error('invalid JSON');
    return lenient.value;
  };
  const strict = () => {
    const text = decodeUtf8(raw);
    return lenient?.ok ? lenient.value : JSON.parse(text);
  };
  return {
    parsed,
    inbox: (authenticated) => {
      const key = authenticated ? 'true' : 'false';
      kept[key] ??= inboxBody(deps, raw, authenticated, strict);
      return kept[key];
    },
  };
}

const inboxColumns = (b: InboxBody) => ({
  body_bytes: b.bodyBytes,
  body_sha256: b.bodySha256,
  redacted_body: b.redactedBody,
});

const keptHeaders = (d: WebhookDelivery) =>
  Object.fromEntries(KEPT_HEADERS.filter((h) => d.headers[h] !== undefined).map((h) => [h, d.headers[h]]));

export async function receiveWebhook(deps: PipelineDeps, d: WebhookDelivery): Promise<WebhookAnswer> {
  const receivedAt = deps.clock.now();
  const started = performance.now();
  const seen: {
    profile: Profile | null;
    shunyaJobId: string | null;
    op: OperationRow | null;
    error?: string;
  } = {
    profile: null,
    shunyaJobId: null,
    op: null,
  };
  const read = deliveryBody(deps, d.rawBody);
  const inboxFor = (profile: Profile, shunyaJobId: string | null): InboxRow => ({
    receivedAt,
    startedAt: started,
    requestId: d.requestId,
    headers: keptHeaders(d),
    ...read.inbox(true),
    profile,
    shunyaJobId,
    httpStatus: d.statusOf('processed'),
  });
  let result: WebhookAnswer;
  try {
    result = await decide(deps, d, read, inboxFor, (profile, shunyaJobId, op, error) => {
      seen.profile = profile;
      seen.shunyaJobId = shunyaJobId ?? seen.shunyaJobId;
      seen.op = op ?? seen.op;
      if (error) seen.error = error;
    });
  } catch (e) {
    seen.error = e instanceof Error ? e.message : String(e);
    result = { verdict: 'error' };
  }
  if (result.inboxed) {
    const { inboxed: _, ...answered } = result;
    return answered;
  }
  const attributed = result.ack !== undefined && seen.op;
  const authenticated = seen.profile !== null;
  if (!authenticated && d.keepFailedAuthentication === false) return result;
  // the delivery's effects are committed by now: this is "webhook in → readable"
  const durationMs = performance.now() - started;
  try {
    await deps.db('webhook_deliveries').insert({
      received_at: receivedAt,
      duration_ms: durationMs,
      company_id: attributed ? seen.op?.company_id : null,
      request_id: d.requestId,
      headers: JSON.stringify(keptHeaders(d)),
      ...inboxColumns(read.inbox(authenticated)),
      profile: seen.profile,
      shunya_job_id: seen.shunyaJobId,
      operation_id: attributed ? seen.op?.id : null,
      job_id: attributed ? seen.op?.job_id : null,
      verdict: result.verdict,
      http_status: d.statusOf(result.verdict),
      error: seen.error ?? result.error?.message ?? null,
    });
  } catch (e) {
    deps.logger.error({ err: e }, 'could not store the webhook delivery in the inbox');
    if (result.verdict !== 'error') result = { verdict: 'error' };
  }
  return result;
}
