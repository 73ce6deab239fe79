// --target otto needs a Shunya job Otto is waiting for, or Otto rightly refuses every webhook with 404
// (D72). Either the user names one (--job-id, --company-id), or, given Otto's operations token
// (--admin-token), the kit makes one through Otto's documented API: it creates a tenant
// (POST /api/v1/ops/companies), posts a signed CallRail call for it (POST /webhooks/callrail/
// call.completed, §3.1), and reads the job (GET /api/v1/ops/jobs/{id}) until Otto has submitted the
// transcription to its Shunya and holds Shunya's id for it.
import { randomBytes } from 'node:crypto';
import { signedCallRailCall } from '../../../wire/traffic.ts';
import type { Kind, Target } from './webhooks.ts';

export interface SetupOptions {
  baseUrl: string;
  adminToken: string;
  recordingUrl: string;
  log: (line: string) => void;
  timeoutMs?: number;
}

async function json(res: Response, what: string): Promise<Record<string, unknown>> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

interface RemoteOperation {
  kind: Kind;
  shunya_job_id: string | null;
  status: string;
}

export async function createJob(o: SetupOptions): Promise<Target> {
  const suffix = randomBytes(4).toString('hex');
  const admin = { authorization: `Bearer ${o.adminToken}`, 'content-type': 'application/json' };
  const company = await json(
    await fetch(`${o.baseUrl}/api/v1/ops/companies`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({
        name: `Conformance kit ${suffix}`,
        callrail_company_id: `conformance-${suffix}`,
      }),
    }),
    'creating a tenant',
  );
  o.log(`otto: tenant ${company.id} created`);
  const call = signedCallRailCall(
    {
      resourceId: `CALconformance${suffix}`,
      callrailCompanyId: String(company.callrail_company_id),
      recordingUrl: o.recordingUrl,
      customerPhone: '+12175550100',
      durationSeconds: 120,
    },
    String(company.callrail_signing_key),
    String(company.callrail_signature_algorithm),
  );
  const accepted = await json(
    await fetch(`${o.baseUrl}/webhooks/callrail/call.completed`, { method: 'POST', ...call }),
    'posting a CallRail call',
  );
  o.log(`otto: call ${accepted.call_id} queued as job ${accepted.job_id}`);
  const until = performance.now() + (o.timeoutMs ?? 60_000);
  while (performance.now() < until) {
    const job = await json(
      await fetch(`${o.baseUrl}/api/v1/ops/jobs/${accepted.job_id}`, { headers: admin }),
      'reading the job',
    );
    const op = (job.operations as RemoteOperation[]).find(
      (x) => x.kind === 'transcription' && x.shunya_job_id,
    );
    const callId = (job.input_payload as { shunya_call_id?: number }).shunya_call_id;
    if (op?.shunya_job_id && typeof callId === 'number')
      return { jobId: op.shunya_job_id, companyId: String(company.id), callId, kind: 'transcription' };
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Otto did not submit job ${accepted.job_id} to its Shunya within the time allowed`);
}
