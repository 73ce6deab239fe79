// Shunya's webhook (§8): authenticate, find the operation, hand the result to the one completion path, and
// keep every delivery, raw, in the inbox with its verdict.
import type { WebhookVerdict } from '../../generated/otto/types.gen.ts';
import type { OperationKind, WebhookEnvelope } from '../shunya/types.ts';
import { hmacHex, safeEqual } from '../util/crypto.ts';
import { unstorable } from '../util/storable.ts';
import { completeOperation } from './complete.ts';
import type { PipelineDeps } from './deps.ts';
import type { JobRow, OperationRow } from './model.ts';
import { findSubmittingOperation, operationsByShunyaId, pollNow } from './store.ts';

export interface WebhookDelivery {
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
  requestId: string;
}

export interface WebhookAnswer {
  httpStatus: number;
  verdict: WebhookVerdict;
  /** For 2xx: the WebhookAck body. */
  ack?: 'processed' | 'already_processed' | 'acknowledged';
  /** For 4xx: the error code and message of the envelope. */
  error?: { code: string; message: string };
}

type Profile = 'handoff' | 'shunya';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const reject = (
  httpStatus: number,
  verdict: WebhookVerdict,
  code: string,
  message: string,
): WebhookAnswer => ({
  httpStatus,
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
    const message = Buffer.concat([Buffer.from(`${timestamp}.`), raw]);
    if (secrets.some((k) => safeEqual(hmacHex('sha256', k, message), signature))) return 'handoff';
  }
  if (profile !== 'handoff') {
    let canonical: string;
    try {
      parsed(); // not JSON: no Shunya-profile signature can match
      canonical = deps.normalize.pythonJson(raw.toString('utf8'));
    } catch {
      return null;
    }
    const message = `${timestamp}:${canonical}`;
    if (secrets.some((k) => safeEqual(hmacHex('sha256', k, message), signature))) return 'shunya';
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
      401,
      'missing_headers',
      'MISSING_HEADERS',
      'X-Shunya-Signature and X-Shunya-Timestamp are required',
    );
  if (!/^\d{1,16}$/.test(timestamp))
    return reject(
      401,
      'stale_timestamp',
      'MALFORMED_TIMESTAMP',
      'X-Shunya-Timestamp must be epoch milliseconds',
    );
  const skewMs = Math.abs(deps.clock.now().getTime() - Number(timestamp));
  if (skewMs > deps.config.webhook.toleranceSeconds * 1000)
    return reject(
      401,
      'stale_timestamp',
      'STALE_TIMESTAMP',
      'X-Shunya-Timestamp is outside the accepted window',
    );
  if (!/^[0-9a-f]{64}$/.test(signature))
    return reject(401, 'bad_signature', 'INVALID_SIGNATURE', 'Signature does not match');

  let parsedBody: unknown;
  let parseError = false;
  const parsed = () => {
    if (parsedBody === undefined && !parseError) {
      try {
        parsedBody = JSON.parse(d.rawBody.toString('utf8'));
      } catch (e) {
        parseError = true;
        throw e;
      }
    }
    if (parseError) throw new Error('invalid JSON');
    return parsedBody;
  };
  const profile = verifySignature(deps, timestamp, signature, d.rawBody, parsed);
  if (!profile) return reject(401, 'bad_signature', 'INVALID_SIGNATURE', 'Signature does not match');
  note(profile, null, null);

  let body: unknown;
  try {
    body = parsed();
  } catch {
    return reject(400, 'invalid_json', 'INVALID_JSON', 'Request body is not valid JSON');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body))
    return reject(400, 'invalid_payload', 'INVALID_PAYLOAD', 'The body must be a JSON object');
  const bad = unstorable(body);
  if (bad)
    return reject(400, 'invalid_payload', 'INVALID_PAYLOAD', `The body ${bad}, which Otto cannot store`);
  const companyId = (body as Record<string, unknown>).company_id;
  if (typeof companyId !== 'string' || companyId.trim() === '')
    return reject(400, 'missing_company_id', 'MISSING_COMPANY_ID', 'company_id is required');
  const headerId = d.headers['x-shunya-task-id'];
  let normalized = deps.normalize.webhook(body);
  // a body that names no job may still be identified by its X-Shunya-Task-Id header
  if (!normalized.ok && headerId) normalized = deps.normalize.webhook({ ...body, shunya_job_id: headerId });
  if (!normalized.ok) return reject(404, 'unknown_job', 'JOB_NOT_FOUND', 'The webhook names no job');
  const env = { ...normalized.value, company_id: normalized.value.company_id ?? companyId.trim() };
  const shunyaJobId = env.shunya_job_id ?? headerId ?? null;
  note(profile, shunyaJobId, null);

  let found: { op: OperationRow; job: JobRow } | null = null;
  let adopt: { shunyaJobId: string } | undefined;
  if (shunyaJobId) {
    const ops = await operationsByShunyaId(deps.db, shunyaJobId);
    found = ops.find((o) => o.op.company_id === env.company_id) ?? null;
    if (!found && ops.length > 0) {
      note(profile, shunyaJobId, ops[0]?.op ?? null);
      return reject(403, 'company_mismatch', 'COMPANY_MISMATCH', 'company_id does not own this job');
    }
  }
  if (!found && shunyaJobId) {
    // The webhook outran Shunya's answer to the submission: adopt the tenant's submitting operation.
    const kind = inferKind(env);
    const callId = callIdOf(env);
    // a company_id that is not a UUID names no tenant (and Postgres would refuse it as a uuid)
    if (kind && callId !== null && UUID.test(env.company_id)) {
      found = (await findSubmittingOperation(deps.db, env.company_id, callId, kind)) ?? null;
      if (found) adopt = { shunyaJobId };
    }
  }
  if (!found) return reject(404, 'unknown_job', 'JOB_NOT_FOUND', 'No job with this id');
  const { op } = found;
  note(profile, shunyaJobId, op);

  if (env.status === 'processing') return { httpStatus: 200, verdict: 'acknowledged', ack: 'acknowledged' };
  if (env.status === 'failed') {
    const error = env.error ?? deps.normalize.error({}, 500);
    const r = await completeOperation(deps, op.id, { status: 'failed', error }, 'webhook', adopt, found);
    return answer(r.verdict);
  }
  if (env.status !== 'completed')
    return reject(400, 'invalid_payload', 'INVALID_STATUS', 'status must be completed, failed or processing');
  if (env.result === undefined || env.result === null) {
    // a notification without its result: fetch it now through the poller
    if (op.status === 'submitted') await pollNow(deps.db, op.id);
    return { httpStatus: 200, verdict: 'acknowledged', ack: 'acknowledged' };
  }
  const r = await completeOperation(
    deps,
    op.id,
    { status: 'completed', result: env.result },
    'webhook',
    adopt,
    found,
  );
  if (r.conflict) note(profile, shunyaJobId, op, 'a different result than the one applied');
  if (r.verdict === 'incomplete')
    note(profile, shunyaJobId, op, `incomplete result: ${(r.problems ?? []).join(', ')}`);
  return answer(r.verdict);
}

function answer(v: 'processed' | 'already_processed' | 'incomplete' | 'ignored'): WebhookAnswer {
  if (v === 'already_processed')
    return { httpStatus: 200, verdict: 'already_processed', ack: 'already_processed' };
  if (v === 'ignored') return { httpStatus: 200, verdict: 'acknowledged', ack: 'acknowledged' };
  return { httpStatus: 200, verdict: 'processed', ack: 'processed' };
}

const KEPT_HEADERS = [
  'x-shunya-signature',
  'x-shunya-timestamp',
  'x-shunya-task-id',
  'content-type',
  'user-agent',
  'x-request-id',
];

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
  let result: WebhookAnswer;
  try {
    result = await decide(deps, d, (profile, shunyaJobId, op, error) => {
      seen.profile = profile;
      seen.shunyaJobId = shunyaJobId ?? seen.shunyaJobId;
      seen.op = op ?? seen.op;
      if (error) seen.error = error;
    });
  } catch (e) {
    seen.error = e instanceof Error ? e.message : String(e);
    result = { httpStatus: 500, verdict: 'error' };
  }
  const attributed = result.httpStatus < 400 && seen.op;
  // the delivery's effects are committed by now: this is "webhook in → readable"
  const durationMs = performance.now() - started;
  try {
    await deps.db('webhook_deliveries').insert({
      received_at: receivedAt,
      duration_ms: durationMs,
      company_id: attributed ? seen.op?.company_id : null,
      request_id: d.requestId,
      headers: JSON.stringify(
        Object.fromEntries(
          KEPT_HEADERS.filter((h) => d.headers[h] !== undefined).map((h) => [h, d.headers[h]]),
        ),
      ),
      raw_body: d.rawBody,
      profile: seen.profile,
      shunya_job_id: seen.shunyaJobId,
      operation_id: attributed ? seen.op?.id : null,
      job_id: attributed ? seen.op?.job_id : null,
      verdict: result.verdict,
      http_status: result.httpStatus,
      error: seen.error ?? result.error?.message ?? null,
    });
  } catch (e) {
    deps.logger.error({ err: e }, 'could not store the webhook delivery in the inbox');
    if (result.httpStatus < 500) result = { httpStatus: 500, verdict: 'error' };
  }
  return result;
}
