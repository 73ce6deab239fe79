// Row factories and request builders for tests: buildX(overrides).
import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Db } from '../../src/db/knex.ts';
import { type CompanyRow, insertCompany } from '../../src/domain/companies.ts';
import { callRailSignature as sign } from '../../wire/callrail.ts';
import { TEST_SECRETS } from './secrets.ts';

export async function buildCompany(
  db: Db,
  overrides: Partial<Parameters<typeof insertCompany>[1]> = {},
): Promise<CompanyRow> {
  return insertCompany(db, {
    name: `Company ${randomBytes(3).toString('hex')}`,
    callrail_company_id: String(100_000_000 + Math.floor(Math.random() * 899_999_999)),
    callrail_signing_key: randomBytes(16).toString('hex'),
    ...overrides,
  });
}

/** A call and its CSR job, written straight to the tables (no trigger, no queue): `pending` unless told. */
export async function buildCallJob(
  db: Db,
  companyId: string,
  job: Record<string, unknown> = {},
): Promise<{ callId: string; jobId: string }> {
  const [call] = await db('calls')
    .insert({ company_id: companyId, callrail_call_id: `CAL${randomUUID()}`, callrail_payload: {} })
    .returning('id');
  const [row] = await db('shunya_jobs')
    .insert({ company_id: companyId, job_type: 'csr_call', call_id: call.id, input_payload: {}, ...job })
    .returning('id');
  return { callId: call.id, jobId: row.id };
}

export function callRailPayload(
  company: CompanyRow,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    resource_id: `CAL${randomUUID().replace(/-/g, '')}`,
    company_id: company.callrail_company_id,
    answered: true,
    direction: 'inbound',
    duration: '312',
    recording: `https://recordings.example.com/${randomUUID()}.mp3`,
    customer_phone_number: `+1217555${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}`,
    customer_name: 'Jane Doe',
    start_time: '2025-01-15T09:54:00.000-06:00',
    ...overrides,
  };
}

/** CallRail's signature: base64 HMAC-SHA1 of the raw body with the company's signing key. */
export function callRailSignature(
  key: string,
  raw: string | Buffer,
  algorithm: 'sha1' | 'sha256' = 'sha1',
): string {
  return sign(key, raw, `hmac-${algorithm}`);
}

export async function postCallRail(
  base: string,
  company: CompanyRow,
  payload: unknown,
  signature?: string | null,
): Promise<Response> {
  const raw = JSON.stringify(payload);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const sig = signature === undefined ? callRailSignature(company.callrail_signing_key, raw) : signature;
  if (sig !== null) headers.signature = sig;
  return fetch(`${base}/webhooks/callrail/call.completed`, { method: 'POST', headers, body: raw });
}

/** A frontend JWT signed with the test suite's HS256 secret; a manager's unless told (any route, D149). */
export async function tenantToken(
  companyId: string,
  opts: { secret?: string; role?: string; expiresIn?: string; claim?: string } = {},
): Promise<string> {
  return new SignJWT({ [opts.claim ?? 'org_id']: companyId, role: opts.role ?? 'manager' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('user_test')
    .setIssuedAt()
    .setExpirationTime(opts.expiresIn ?? '10m')
    .sign(new TextEncoder().encode(opts.secret ?? TEST_SECRETS.AUTH_HS256_SECRET));
}
