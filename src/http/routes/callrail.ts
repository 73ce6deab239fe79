// POST /webhooks/callrail/call.completed (§3.1 step 1): CallRail's post-call webhook.
import Router from '@koa/router';
import { zCallRailCallCompleted } from '../../../generated/otto/zod.gen.ts';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/knex.ts';
import type { IncomingCall } from '../../domain/calls.ts';
import { type CompanyRow, findCompanyByCallRailId } from '../../domain/companies.ts';
import type { Clock } from '../../pipeline/deps.ts';
import { acceptCallRailCall } from '../../pipeline/triggers.ts';
import { hmacBase64, safeEqual } from '../../util/crypto.ts';
import type { AppState } from '../context.ts';
import { badRequest, unauthorized, unprocessable } from '../errors.ts';
import { jsonBody } from '../middleware/json-body.ts';
import { validate } from '../validate.ts';

type Body = Record<string, unknown>;

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
  return Number.isFinite(n) && n >= 0 ? Math.round(n) : null;
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
    startedAt:
      str(b.start_time) && !Number.isNaN(Date.parse(String(b.start_time))) ? String(b.start_time) : null,
    payload: b,
  };
}

export function checkAudioUrl(url: string, requireHttps: boolean): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw unprocessable('INVALID_AUDIO_URL', 'The audio URL is not a valid URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw unprocessable('INVALID_AUDIO_URL', 'The audio URL must be http(s)');
  if (requireHttps && parsed.protocol !== 'https:')
    throw unprocessable('AUDIO_URL_NOT_HTTPS', 'The audio URL must use https');
}

export function verifyCallRailSignature(company: CompanyRow, raw: Buffer, signature: string): boolean {
  const algorithm = company.callrail_signature_algorithm === 'hmac-sha256' ? 'sha256' : 'sha1';
  return safeEqual(hmacBase64(algorithm, company.callrail_signing_key, raw), signature.trim());
}

export function callRailRoutes(config: Config, db: Db, clock: Clock): Router<AppState> {
  const router = new Router<AppState>();
  router.post('/webhooks/callrail/call.completed', jsonBody(), async (ctx) => {
    const body = ctx.request.body;
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw badRequest('VALIDATION_ERROR', 'The body must be a JSON object');
    const b = body as Body;
    const companyRef = str(b.company_id) ?? str(b.company_resource_id);
    if (!companyRef) throw badRequest('VALIDATION_ERROR', 'company_id (or company_resource_id) is required');
    const company =
      (await findCompanyByCallRailId(db, companyRef)) ??
      (str(b.company_resource_id)
        ? await findCompanyByCallRailId(db, str(b.company_resource_id) as string)
        : undefined);
    // An unknown company cannot be authenticated: answered like a bad signature (decision D13).
    if (!company) throw unauthorized('INVALID_SIGNATURE', 'Unknown CallRail company or invalid signature');
    const signature = ctx.get('signature');
    if (!signature) throw unauthorized('MISSING_SIGNATURE', 'The Signature header is required');
    if (!verifyCallRailSignature(company, ctx.state.rawBody ?? Buffer.alloc(0), signature))
      throw unauthorized('INVALID_SIGNATURE', 'Unknown CallRail company or invalid signature');

    validate(zCallRailCallCompleted, b);
    const incoming = toIncomingCall(b);
    if (incoming.recordingUrl) checkAudioUrl(incoming.recordingUrl, config.audio.requireHttps);
    const accepted = await acceptCallRailCall(db, company, incoming, { config, clock });
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
