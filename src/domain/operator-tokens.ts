// Named operator tokens (D115): created by `npm run operator` or the ops API, shown once, stored as their
// SHA-256, revocable. OTTO_ADMIN_TOKEN is not stored here: it is configured, and stays one operator ("admin").
import { randomBytes } from 'node:crypto';
import type { Db, Tx } from '../db/knex.ts';
import { sha256Hex } from '../util/hash.ts';

export interface OperatorTokenRow {
  id: string;
  name: string;
  token_prefix: string;
  created_at: Date;
  created_by: string;
  last_used_at: Date | null;
  revoked_at: Date | null;
  revoked_by: string | null;
}

const COLUMNS = [
  'id',
  'name',
  'token_prefix',
  'created_at',
  'created_by',
  'last_used_at',
  'revoked_at',
  'revoked_by',
] as const;

/** Tokens look like `otto_op_<43 base64url characters>`: 256 random bits, recognisable in a leaked log. */
export const TOKEN_PREFIX = 'otto_op_';
const PREFIX_SHOWN = TOKEN_PREFIX.length + 6;

export class DuplicateOperatorError extends Error {
  constructor(readonly operatorName: string) {
    super(`An active operator token named "${operatorName}" already exists`);
  }
}

export async function createOperatorToken(
  db: Db | Tx,
  name: string,
  createdBy: string,
): Promise<{ row: OperatorTokenRow; token: string }> {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  try {
    const [row] = await db('operator_tokens')
      .insert({
        name,
        token_hash: sha256Hex(token),
        token_prefix: token.slice(0, PREFIX_SHOWN),
        created_by: createdBy,
      })
      .returning(COLUMNS);
    return { row: row as OperatorTokenRow, token };
  } catch (e) {
    if ((e as { code?: string }).code === '23505') throw new DuplicateOperatorError(name);
    throw e;
  }
}

/** The active token with this value, if any; notes its use at most once a minute (one write, not one per request). */
export async function findActiveOperatorToken(db: Db, token: string): Promise<OperatorTokenRow | undefined> {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  const row = (await db('operator_tokens')
    .where({ token_hash: sha256Hex(token) })
    .whereNull('revoked_at')
    .first(COLUMNS)) as OperatorTokenRow | undefined;
  if (row && (!row.last_used_at || Date.now() - new Date(row.last_used_at).getTime() > 60_000))
    await db('operator_tokens').where({ id: row.id }).update({ last_used_at: db.fn.now() });
  return row;
}

export async function listOperatorTokens(db: Db): Promise<OperatorTokenRow[]> {
  return db('operator_tokens')
    .select(COLUMNS)
    .orderBy([
      { column: 'created_at', order: 'asc' },
      { column: 'id', order: 'asc' },
    ]);
}

/** Revokes the token; an already revoked token is returned as it is (`revokedNow: false`). */
export async function revokeOperatorToken(
  db: Db | Tx,
  where: { id: string } | { name: string },
  revokedBy: string,
): Promise<{ row: OperatorTokenRow; revokedNow: boolean } | undefined> {
  const q = () => db('operator_tokens').where(where);
  const [row] = await q()
    .whereNull('revoked_at')
    .update({ revoked_at: db.fn.now(), revoked_by: revokedBy })
    .returning(COLUMNS);
  if (row) return { row: row as OperatorTokenRow, revokedNow: true };
  const old = (await q().orderBy('revoked_at', 'desc').first(COLUMNS)) as OperatorTokenRow | undefined;
  return old ? { row: old, revokedNow: false } : undefined;
}
