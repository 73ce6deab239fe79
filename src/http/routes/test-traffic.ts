// POST /api/v1/ops/companies/{company_id}/test-traffic (issue 13): the console's "send a test call" and
// "send a test visit", doing what `npm run demo` does for one tenant, through the same trigger
// transactions as CallRail's webhook and the rep app's upload. Only beside the simulator (D121): real
// Shunya never receives test audio.
import { randomBytes, randomUUID } from 'node:crypto';
import Router from '@koa/router';
import type { TestTrafficAccepted } from '../../../generated/otto/types.gen.ts';
import { zSendTestTrafficBody, zUuid } from '../../../generated/otto/zod.gen.ts';
import { type CompanyRow, findCompany } from '../../domain/companies.ts';
import { acceptCallRailCall, acceptRecordingUpload, type TriggerAudit } from '../../intake/triggers.ts';
import type { PipelineDeps } from '../../jobs/deps.ts';
import type { AppState } from '../context.ts';
import { conflict, notFound } from '../errors.ts';
import { jsonBody } from '../middleware/json-body.ts';
import { operatorAuth } from '../middleware/operator-auth.ts';
import { validate } from '../validate.ts';
import { toIncomingCall } from './callrail.ts';

/** A CallRail post-call payload like the demo's: a fictitious caller, a recording the simulator "hears". */
function testCallPayload(company: CompanyRow): Record<string, unknown> {
  return {
    resource_id: `CALconsole${Date.now()}${randomBytes(3).toString('hex')}`,
    company_id: company.callrail_company_id ?? company.id,
    recording: 'https://recordings.example.com/console-test-call.mp3',
    customer_phone_number: `+1217555${String(1000 + Math.floor(Math.random() * 9000))}`,
    customer_name: 'Console Test Caller',
    duration: '312',
    direction: 'inbound',
    answered: true,
    start_time: new Date().toISOString(),
  };
}

/** Sends the test traffic; its audit entry commits in the trigger's own transaction (D150). */
async function send(
  pipeline: PipelineDeps,
  company: CompanyRow,
  kind: 'csr_call' | 'sales_visit',
  audit: Omit<TriggerAudit, 'action'>,
) {
  const deps = { config: pipeline.config, clock: pipeline.clock };
  if (kind === 'csr_call') {
    const incoming = toIncomingCall(testCallPayload(company));
    const r = await acceptCallRailCall(pipeline.db, company, incoming, deps, {
      ...audit,
      action: 'test_call.sent',
    });
    return {
      job_id: r.job_id,
      call_id: r.call_id,
      callrail_call_id: incoming.callrailCallId,
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
      const sent = await send(pipeline, company, kind, {
        actor: ctx.state.operator!,
        requestId: ctx.state.requestId,
      });
      if (!sent.job_id) throw conflict('TEST_TRAFFIC_NOT_QUEUED', 'The test traffic created no job');
      const body: TestTrafficAccepted = { kind, ...sent, job_id: sent.job_id };
      ctx.status = 202;
      ctx.body = body;
    },
  );
  return router;
}
