// `npm start` seeds one demo tenant (idempotently) so that the system can be driven at once (decision D90).
// Its CallRail signing key is published in the README, so it exists only where that cannot hurt: in
// development with the published key; in test with a generated key (a demo tenant left with the
// published key by an earlier development run gets a new one); in production never.
import type { Config } from '../config.ts';
import type { Db } from '../db/knex.ts';
import {
  type CompanyRow,
  findCompanyByCallRailId,
  generateSigningKey,
  insertCompany,
} from '../domain/companies.ts';

export const DEMO = {
  name: 'Demo Roofing & HVAC',
  callrailCompanyId: '100000001',
  /** Published in the README: valid only in development. */
  signingKey: 'demo-callrail-signing-key-0001',
} as const;

/** The demo tenant for this environment, or null in production (where none is created). */
export async function seedDemoCompany(db: Db, env: Config['env']): Promise<CompanyRow | null> {
  if (env === 'production') return null;
  const published = env === 'development';
  const existing = await findCompanyByCallRailId(db, DEMO.callrailCompanyId);
  if (existing && (published || existing.callrail_signing_key !== DEMO.signingKey)) return existing;
  if (existing) {
    const [rotated] = await db<CompanyRow>('companies')
      .where({ id: existing.id })
      .update({ callrail_signing_key: generateSigningKey(), updated_at: db.fn.now() })
      .returning('*');
    return rotated as CompanyRow;
  }
  return insertCompany(db, {
    name: DEMO.name,
    callrail_company_id: DEMO.callrailCompanyId,
    // without a key, insertCompany generates one
    ...(published ? { callrail_signing_key: DEMO.signingKey } : {}),
  });
}
