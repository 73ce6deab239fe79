// POST /webhooks/callrail/call.completed (§3.1 step 1): CallRail's post-call webhook.
import Router from '@koa/router';
import type { Context } from 'koa';
import { zCallRailCallCompleted } from '../../../generated/otto/zod.gen.ts';
import { callRailSignature } from '../../../wire/callrail.ts';
import { safeEqual } from '../../../wire/hmac.ts';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/knex.ts';
import type { IncomingCall } from '../../domain/calls.ts';
import type { CompanyRow } from '../../domain/companies.ts';
import { TenantCache } from '../../intake/tenant-cache.ts';
import { acceptCallRailCall, type CallAccepted, TenantChanged } from '../../intake/triggers.ts';
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

/** A refusal, thrown when the call is answered: a failure counts against the client's limit then (D130). */
type Refusal = () => Error;

/**
 * `company` when the call is accepted for it, else why it is refused. An unknown company cannot be
 * authenticated: answered like a bad signature (D13). Disabled only after the signature: only the tenant's
 * own sender learns that it is disabled (D263).
 */
function accepted(
  ctx: Context & { state: AppState },
  company: CompanyRow | undefined,
  signature: string,
  raw: Buffer,
): CompanyRow | Refusal {
  const refuse = (reason: string, code: string, message: string) => () =>
    authFailed(ctx, 'callrail', reason, unauthorized(code, message));
  if (!company)
    return refuse('unknown company', 'INVALID_SIGNATURE', 'Unknown CallRail company or invalid signature');
  if (!signature) return refuse('missing signature', 'MISSING_SIGNATURE', 'The Signature header is required');
  if (!verifyCallRailSignature(company, raw, signature))
    return refuse('bad signature', 'INVALID_SIGNATURE', 'Unknown CallRail company or invalid signature');
  if (company.disabled_at) return tenantDisabled;
  return company;
}

export function callRailRoutes(config: Config, db: Db, clock: Clock, gate: TenantGate): Router<AppState> {
  const router = new Router<AppState>();
  const tenants = new TenantCache(db);
  router.post('/webhooks/callrail/call.completed', jsonBody(), async (ctx) => {
    const body = ctx.request.body;
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw badRequest('VALIDATION_ERROR', 'The body must be a JSON object');
    const b = body as Body;
    const companyRef = str(b.company_id) ?? str(b.company_resource_id);
    if (!companyRef) throw badRequest('VALIDATION_ERROR', 'company_id (or company_resource_id) is required');
    const ref = { companyId: companyRef, resourceId: str(b.company_resource_id) };
    const signature = ctx.get('signature');
    const raw = ctx.state.rawBody ?? Buffer.alloc(0);
    const found = await tenants.find(ref);
    let verdict = accepted(ctx, found.row, signature, raw);
    // a cached row refuses nothing on its own: the tenant may have been re-keyed or enabled since (D412)
    if (typeof verdict === 'function' && found.cached)
      verdict = accepted(ctx, (await tenants.find(ref, true)).row, signature, raw);
    if (typeof verdict === 'function') throw verdict();
    let company = verdict;
    validate(zCallRailCallCompleted, b);
    // stored as jsonb: no U+0000, and no nesting JSON.stringify cannot write (CallRail's payload is flat)
    const bad = unstorable(b, MAX_PAYLOAD_DEPTH);
    if (bad) throw badRequest('VALIDATION_ERROR', `The body ${bad}, which Otto cannot store`);
    const incoming = toIncomingCall(b);
    if (incoming.recordingUrl) checkAudioUrl(incoming.recordingUrl, config.audio);
    const accept = (tenant: CompanyRow) =>
      gate.run(tenant.id, () =>
        acceptCallRailCall(db, tenant, incoming, { config, clock, trace: ctx.state.trace }),
      );
    let done: CallAccepted | undefined;
    for (let tries = 1; !done; tries++) {
      try {
        done = await accept(company);
      } catch (e) {
        // the tenant changed since its row was read (another process disabled or re-keyed it): nothing was
        // written; the call is answered as the row now says (D412)
        if (!(e instanceof TenantChanged) || tries >= 3) throw e;
        const now = accepted(ctx, (await tenants.find(ref, true)).row, signature, raw);
        if (typeof now === 'function') throw now();
        company = now;
      }
    }
    ctx.state.log.info(
      {
        company_id: company.id,
        call_id: done.call_id,
        job_id: done.job_id,
        duplicate: done.duplicate,
      },
      'callrail call accepted',
    );
    ctx.status = 202;
    ctx.body = done;
  });
  return router;
}
