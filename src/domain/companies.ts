// Tenants. A company's CallRail company id resolves CallRail webhooks to it; its signing key verifies them.
import { randomBytes } from 'node:crypto';
import type { Db, Tx } from '../db/knex.ts';

export type SignatureAlgorithm = 'hmac-sha1' | 'hmac-sha256';

export interface CompanyRow {
  id: string;
  name: string;
  callrail_company_id: string | null;
  callrail_signing_key: string;
  callrail_signature_algorithm: SignatureAlgorithm;
  created_at: Date;
  updated_at: Date;
  /** set when an operator disabled the tenant: its triggers are refused (D263) */
  disabled_at: Date | null;
}

export interface NewCompany {
  name: string;
  callrail_company_id?: string | null;
  callrail_signing_key?: string;
  callrail_signature_algorithm?: SignatureAlgorithm;
}

/** A new CallRail signing key: 24 random bytes, hex. */
export const generateSigningKey = (): string => randomBytes(24).toString('hex');

export class DuplicateCompanyError extends Error {
  constructor(readonly callrailCompanyId: string) {
    super(`A company with CallRail company id ${callrailCompanyId} already exists`);
  }
}

export async function insertCompany(db: Db | Tx, c: NewCompany): Promise<CompanyRow> {
  try {
    const [row] = await db<CompanyRow>('companies')
      .insert({
        name: c.name,
        callrail_company_id: c.callrail_company_id ?? null,
        callrail_signing_key: c.callrail_signing_key ?? generateSigningKey(),
        callrail_signature_algorithm: c.callrail_signature_algorithm ?? 'hmac-sha1',
      })
      .returning('*');
    return row as CompanyRow;
  } catch (e) {
    if ((e as { code?: string }).code === '23505' && c.callrail_company_id)
      throw new DuplicateCompanyError(c.callrail_company_id);
    throw e;
  }
}

export async function findCompany(db: Db | Tx, id: string): Promise<CompanyRow | undefined> {
  return db<CompanyRow>('companies').where({ id }).first();
}

export interface CompanyChange {
  name?: string;
  callrail_signature_algorithm?: SignatureAlgorithm;
  disabled?: boolean;
}

/** Applies an operator's change; undefined when there is no such company. Disabling keeps the first time. */
export async function updateCompany(
  db: Db | Tx,
  id: string,
  c: CompanyChange,
): Promise<CompanyRow | undefined> {
  const set: Record<string, unknown> = { updated_at: db.fn.now() };
  if (c.name !== undefined) set.name = c.name;
  if (c.callrail_signature_algorithm !== undefined)
    set.callrail_signature_algorithm = c.callrail_signature_algorithm;
  if (c.disabled !== undefined) set.disabled_at = c.disabled ? db.raw('COALESCE(disabled_at, now())') : null;
  const [row] = await db<CompanyRow>('companies').where({ id }).update(set).returning('*');
  return row as CompanyRow | undefined;
}

/** Whether the tenant is disabled (a trigger for it is refused, D263). */
export async function companyDisabled(db: Db | Tx, id: string): Promise<boolean> {
  const row = await db('companies').where({ id }).first('disabled_at');
  return !!row?.disabled_at;
}

export async function companyExists(db: Db | Tx, id: string): Promise<boolean> {
  return (await db('companies').where({ id }).first('id')) !== undefined;
}

export async function findCompanyByCallRailId(
  db: Db | Tx,
  callrailCompanyId: string,
): Promise<CompanyRow | undefined> {
  return db<CompanyRow>('companies').where({ callrail_company_id: callrailCompanyId }).first();
}

export async function listCompanies(db: Db): Promise<CompanyRow[]> {
  return db<CompanyRow>('companies').orderBy('created_at', 'asc');
}
