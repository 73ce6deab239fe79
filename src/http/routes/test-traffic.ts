// POST /api/v1/ops/companies/{company_id}/test-traffic (issue 13): the console's "send a test call" and
// "send a test visit", doing what `npm run demo` does for one tenant. A test call is a CallRail webhook
// signed with the tenant's key and POSTed to Otto's own route, like a real call (issue 20 item 4, D262); a
// test visit goes through the rep app's upload transaction. Only beside the simulator (D121): real Shunya
// never receives test audio.
import { randomBytes, randomUUID } from 'node:crypto';
import Router from '@koa/router';
import type { TestTrafficAccepted } from '../../../generated/otto/types.gen.ts';
import { zSendTestTrafficBody, zUuid } from '../../../generated/otto/zod.gen.ts';
import { callRailSignature } from '../../../wire/callrail.ts';
import { completeAudit, recordAudit } from '../../domain/audit-log.ts';
import { type CompanyRow, findCompany } from '../../domain/companies.ts';
import { acceptRecordingUpload, type TriggerAudit } from '../../intake/triggers.ts';
import type { PipelineDeps } from '../../jobs/deps.ts';
import { withTrace } from '../../tracing.ts';
import type { AppState } from '../context.ts';
import { conflict, HttpError, notFound } from '../errors.ts';
import { jsonBody } from '../middleware/json-body.ts';
import { operatorAuth } from '../middleware/operator-auth.ts';
import { validate } from '../validate.ts';

/** A CallRail post-call payload like the demo's: a fictitious caller, a recording the simulator "hears". */
function testCallPayload(company: CompanyRow): Record<string, unknown> {
  return {
    resource_id: `CALconsole${Date.now()}${randomBytes(3).toString('hex')}`,
    company_id: company.callrail_company_id,
    recording: 'https://recordings.example.com/console-test-call.mp3',
    customer_phone_number: `+1217555${String(1000 + Math.floor(Math.random() * 9000))}`,
    customer_name: 'Console Test Caller',
    duration: '312',
    direction: 'inbound',
    answered: true,
    start_time: new Date().toISOString(),
  };
}

/** Where this Otto answers the request being served: the address and port it arrived on (D262). */
function ownOrigin(socket: { localAddress?: string; localPort?: number }): string {
  const address = (socket.localAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  return `http://${address.includes(':') ? `[${address}]` : address}:${socket.localPort}`;
}

interface CallRailAnswer {
  call_id: string;
  job_id: string | null;
}

/**
 * A test call as CallRail sends one: the payload signed with the tenant's key and algorithm, POSTed to
 * Otto's own /webhooks/callrail/call.completed, so that the signature check, validation, the tenant gate
 * and the trigger all run as for a real call. Otto's refusal is passed on as it answered.
 */
async function postTestCall(origin: string, company: CompanyRow, payload: Record<string, unknown>) {
  const raw = JSON.stringify(payload);
  const res = await fetch(`${origin}/webhooks/callrail/call.completed`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      signature: callRailSignature(company.callrail_signing_key, raw, company.callrail_signature_algorithm),
    },
    body: raw,
    signal: AbortSignal.timeout(10_000),
  });
  const answer = (await res.json().catch(() => undefined)) as
    | (CallRailAnswer & { error?: { error_code: string; message: string } })
    | undefined;
  if (res.status !== 202 || !answer?.call_id)
    throw new HttpError(
      502,
      'TEST_CALL_REFUSED',
      'server_error',
      `Otto's CallRail webhook refused the test call: ${answer?.error?.error_code ?? `HTTP ${res.status}`}`,
      { status: res.status, error_code: answer?.error?.error_code ?? null },
    );
  return { ...answer, callrail_call_id: payload.resource_id as string };
}

/** Sends the test traffic; a test call's audit entry is written before it is sent (D262). */
async function send(
  pipeline: PipelineDeps,
  company: CompanyRow,
  kind: 'csr_call' | 'sales_visit',
  audit: Omit<TriggerAudit, 'action'>,
  origin: string,
) {
  const deps = { config: pipeline.config, clock: pipeline.clock, trace: pipeline.trace };
  if (kind === 'csr_call') {
    if (!company.callrail_company_id)
      throw conflict(
        'CALLRAIL_NOT_CONFIGURED',
        "The tenant has no CallRail company id, which CallRail's webhook names it by: set one to send a test call",
      );
    const payload = testCallPayload(company);
    // audited before it is sent, so that no call goes without its entry (D150), which then names the job
    // (D262)
    const entry = await recordAudit(pipeline.db, audit.actor, {
      action: 'test_call.sent',
      targetType: 'callrail_call',
      targetId: payload.resource_id as string,
      companyId: company.id,
      details: { callrail_call_id: payload.resource_id },
      requestId: audit.requestId,
    });
    const r = await postTestCall(origin, company, payload);
    if (r.job_id) await completeAudit(pipeline.db, entry.id, 'job', r.job_id);
    return {
      job_id: r.job_id,
      call_id: r.call_id,
      callrail_call_id: r.callrail_call_id,
      recording_session_id: null,
    };
  }
  const sessionId = randomUUID();
  const r = await acceptRecordingUpload(
    pipeline.db,
    company.id,
    sessionId,
    {
      audioUrl: 'https://uploads.example.com/console-test-visit.m4a',
      audioFormat: 'm4a',
      fileSizeBytes: 24_117_248,
      durationSeconds: 1800,
      appointmentId: null,
      ghostMode: false,
    },
    deps,
    { ...audit, action: 'test_visit.sent' },
  );
  return {
    job_id: r.kind === 'accepted' ? r.job_id : null,
    call_id: null,
    callrail_call_id: null,
    recording_session_id: sessionId,
  };
}

export function testTrafficRoutes(pipeline: PipelineDeps): Router<AppState> {
  const { db, config } = pipeline;
  const router = new Router<AppState>();
  router.post(
    '/api/v1/ops/companies/:company_id/test-traffic',
    operatorAuth(config, db),
    jsonBody(),
    async (ctx) => {
      const companyId = validate(zUuid, ctx.params.company_id);
      const { kind } = validate(zSendTestTrafficBody, ctx.request.body);
      if (!config.console.simulatorUrl)
        throw conflict(
          'SIMULATOR_NOT_CONFIGURED',
          'Test traffic is sent only when Otto runs beside the Shunya simulator (SIMULATOR_URL)',
        );
      const company = await findCompany(db, companyId);
      if (!company) throw notFound('Company');
      const sent = await send(
        withTrace(pipeline, ctx.state.trace),
        company,
        kind,
        { actor: ctx.state.operator!, requestId: ctx.state.requestId },
        ownOrigin(ctx.req.socket),
      );
      if (!sent.job_id) throw conflict('TEST_TRAFFIC_NOT_QUEUED', 'The test traffic created no job');
      const body: TestTrafficAccepted = { kind, ...sent, job_id: sent.job_id };
      ctx.status = 202;
      ctx.body = body;
    },
  );
  return router;
}
