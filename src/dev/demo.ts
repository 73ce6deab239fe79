// `npm start` seeds one demo tenant (idempotently) so that the system can be driven at once.
import type { Db } from '../db/knex.ts';
import { type CompanyRow, findCompanyByCallRailId, insertCompany } from '../domain/companies.ts';

export const DEMO = {
  name: 'Demo Roofing & HVAC',
  callrailCompanyId: '100000001',
  signingKey: 'demo-callrail-signing-key-0001',
} as const;

export async function seedDemoCompany(db: Db): Promise<CompanyRow> {
  const existing = await findCompanyByCallRailId(db, DEMO.callrailCompanyId);
  if (existing) return existing;
  return insertCompany(db, {
    name: DEMO.name,
    callrail_company_id: DEMO.callrailCompanyId,
    callrail_signing_key: DEMO.signingKey,
  });
}
