// POST /webhooks/callrail/call.completed (§3.1 step 1): CallRail's post-call webhook.
import Router from '@koa/router';
import { zCallRailCallCompleted } from '../../../generated/otto/zod.gen.ts';
import { callRailSignature } from '../../../wire/callrail.ts';
import { safeEqual } from '../../../wire/hmac.ts';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/knex.ts';
import type { IncomingCall } from '../../domain/calls.ts';
import { type CompanyRow, findCompanyByCallRailId } from '../../domain/companies.ts';
import { acceptCallRailCall } from '../../intake/triggers.ts';
import type { Clock } from '../../jobs/deps.ts';
import { redactPersonal } from '../../util/redact.ts';
import { unstorable } from '../../util/storable.ts';
import { checkAudioUrl } from '../audio-url.ts';
import type { AppState } from '../context.ts';
import { badRequest, tenantDisabled, unauthorized } from '../errors.ts';
import { authFailed } from '../middleware/auth-failures.ts';
import { jsonBody } from '../middleware/json-body.ts';
import type { TenantGate } from '../tenant-gate.ts';
import { validate } from '../validate.ts';

type Body = Record<string, unknown>;

const MAX_PAYLOAD_DEPTH = 64;
const MAX_INT4 = 2_147_483_647;

const str = (v: unknown): string | null =>
  typeof v === 'string' && v.trim() !== ''
    ? v.trim()
    : typeof v === 'number' && Number.isFinite(v)
      ? String(v)
      : null;

function seconds(v: unknown): number | null {
  const n =
    typeof v === 'number'
      ? v
      : typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v)
        ? Number(v)
        : Number.NaN;
  const rounded = Math.round(n);
  // calls.duration_seconds is an int4: a duration beyond it is as unreadable as a non-number
  return Number.isFinite(n) && n >= 0 && rounded <= MAX_INT4 ? rounded : null;
}

/**
 * An ISO 8601 date-time as the instant Date reads (UTC), which Postgres reads the same way; null for
 * anything else, as the normaliser does (D17): Date also reads "1" or "85", which Postgres refuses, and
 * Postgres has no year 0 and reads no year beyond 9999 in this form.
 */
function instant(v: unknown): string | null {
  const s = str(v);
  const ms = s && /^\d{4}-\d{2}-\d{2}/.test(s) ? Date.parse(s) : Number.NaN;
  if (Number.isNaN(ms)) return null;
  const year = new Date(ms).getUTCFullYear();
  return year >= 1 && year <= 9999 ? new Date(ms).toISOString() : null;
}

/** CallRail's field names first, the handoff seed's names as fallbacks. */
export function toIncomingCall(b: Body): IncomingCall {
  const callrailCallId = str(b.resource_id) ?? str(b.call_id);
  if (!callrailCallId) throw badRequest('VALIDATION_ERROR', 'resource_id (or call_id) is required');
  const answered = typeof b.answered === 'boolean' ? b.answered : null;
  return {
    callrailCallId,
    recordingUrl: str(b.recording) ?? str(b.recording_url),
    customerPhone: str(b.customer_phone_number) ?? str(b.customer_phone),
    customerName: str(b.customer_name),
    durationSeconds: seconds(b.duration),
    direction: str(b.direction),
    answered,
    startedAt: instant(b.start_time),
    // the caller's number and name live on the call and the lead only (D86): the kept copy is redacted
    payload: redactPersonal(b) as Record<string, unknown>,
  };
}

export function verifyCallRailSignature(company: CompanyRow, raw: Buffer, signature: string): boolean {
  const expected = callRailSignature(company.callrail_signing_key, raw, company.callrail_signature_algorithm);
  return safeEqual(expected, signature.trim());
}

export function callRailRoutes(config: Config, db: Db, clock: Clock, gate: TenantGate): Router<AppState> {
  const router = new Router<AppState>();
  router.post('/webhooks/callrail/call.completed', jsonBody(), async (ctx) => {
    const body = ctx.request.body;
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw badRequest('VALIDATION_ERROR', 'The body must be a JSON object');
    const b = body as Body;
    const companyRef = str(b.company_id) ?? str(b.company_resource_id);
    if (!companyRef) throw badRequest('VALIDATION_ERROR', 'company_id (or company_resource_id) is required');
    // no CallRail company id holds U+0000 (Postgres could not even compare it) or an unpaired surrogate
    const find = (ref: string) => (unstorable(ref) ? undefined : findCompanyByCallRailId(db, ref));
    const company =
      (await find(companyRef)) ??
      (str(b.company_resource_id) ? await find(str(b.company_resource_id) as string) : undefined);
    // An unknown company cannot be authenticated: answered like a bad signature (decision D13).
    // each failure counts against the client's failure limit (D130)
    const refuse = (reason: string, code: string, message: string) =>
      authFailed(ctx, 'callrail', reason, unauthorized(code, message));
    if (!company)
      throw refuse('unknown company', 'INVALID_SIGNATURE', 'Unknown CallRail company or invalid signature');
    const signature = ctx.get('signature');
    if (!signature)
      throw refuse('missing signature', 'MISSING_SIGNATURE', 'The Signature header is required');
    if (!verifyCallRailSignature(company, ctx.state.rawBody ?? Buffer.alloc(0), signature))
      throw refuse('bad signature', 'INVALID_SIGNATURE', 'Unknown CallRail company or invalid signature');

    // after the signature: only the tenant's own sender learns that it is disabled (D263)
    if (company.disabled_at) throw tenantDisabled();
    validate(zCallRailCallCompleted, b);
    // stored as jsonb: no U+0000, and no nesting JSON.stringify cannot write (CallRail's payload is flat)
    const bad = unstorable(b, MAX_PAYLOAD_DEPTH);
    if (bad) throw badRequest('VALIDATION_ERROR', `The body ${bad}, which Otto cannot store`);
    const incoming = toIncomingCall(b);
    if (incoming.recordingUrl) checkAudioUrl(incoming.recordingUrl, config.audio);
    const accepted = await gate.run(company.id, () =>
      acceptCallRailCall(db, company, incoming, { config, clock, trace: ctx.state.trace }),
    );
    ctx.state.log.info(
      {
        company_id: company.id,
        call_id: accepted.call_id,
        job_id: accepted.job_id,
        duplicate: accepted.duplicate,
      },
      'callrail call accepted',
    );
    ctx.status = 202;
    ctx.body = accepted;
  });
  return router;
}
