// The CallRail trigger's tenants, kept in the API process (issue 21 item 1, D412): the company's row (signing
// key, algorithm, disabled_at) was read in a statement of its own on every call. A cached row is only an
// assumption: the trigger's statement re-checks it (CREATE_CALL_WITH_JOB's `tenant`), and a refusal or a
// failed check re-reads the row, so that a tenant disabled or re-keyed by another process is refused at once.
// The bound on entries keeps a flood of CallRail company ids from growing the process; the TTL is a second
// guard, the re-check the first.
import type { Db } from '../db/knex.ts';
import { type CompanyRow, findCompanyByCallRailId } from '../domain/companies.ts';
import { unstorable } from '../util/storable.ts';

export const TENANT_CACHE_MAX = 1_000;
export const TENANT_CACHE_TTL_MS = 10_000;

/** The CallRail company ids a call names: `company_id`, then `company_resource_id` (the handoff's name). */
export interface TenantRef {
  companyId: string;
  resourceId: string | null;
}

export class TenantCache {
  private readonly rows = new Map<string, { row: CompanyRow; until: number }>();

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
    private readonly max = TENANT_CACHE_MAX,
    private readonly ttlMs = TENANT_CACHE_TTL_MS,
  ) {}

  /** The tenant's row from the cache, or read (and kept) when absent, expired or `fresh`. */
  async find(ref: TenantRef, fresh = false): Promise<{ row: CompanyRow | undefined; cached: boolean }> {
    const key = keyOf(ref);
    const hit = fresh ? undefined : this.rows.get(key);
    if (hit && hit.until > this.now()) return { row: hit.row, cached: true };
    const row = await this.read(ref);
    this.keep(key, row);
    return { row, cached: false };
  }

  get size(): number {
    return this.rows.size;
  }

  private async read(ref: TenantRef): Promise<CompanyRow | undefined> {
    // no CallRail company id holds U+0000 (Postgres could not even compare it) or an unpaired surrogate
    const find = (id: string) => (unstorable(id) ? undefined : findCompanyByCallRailId(this.db, id));
    return (await find(ref.companyId)) ?? (ref.resourceId ? await find(ref.resourceId) : undefined);
  }

  // Only an enabled tenant's row is kept: an unknown id must not fill the cache, and a disabled tenant's
  // refusal is read afresh anyway.
  private keep(key: string, row: CompanyRow | undefined): void {
    this.rows.delete(key);
    if (!row || row.disabled_at) return;
    if (this.rows.size >= this.max) this.rows.delete(this.rows.keys().next().value as string);
    this.rows.set(key, { row, until: this.now() + this.ttlMs });
  }
}

const keyOf = (ref: TenantRef) => JSON.stringify([ref.companyId, ref.resourceId]);
