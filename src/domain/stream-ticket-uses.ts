// A stream ticket's use (D380): one row per ticket redeemed, keyed by its nonce, so that a ticket opens one
// stream on whichever API process, not one on each. Pruned once the ticket has expired (worker/prune.ts).
import type { Db } from '../db/knex.ts';

/**
 * Records the use of the ticket with `nonce`; false when it was used already. One statement: of two
 * processes redeeming the same ticket at once, one inserts and the other conflicts.
 */
export async function useTicketOnce(db: Db, nonce: string, expiresAtMs: number): Promise<boolean> {
  const res = await db.raw(
    `INSERT INTO stream_ticket_uses (nonce, expires_at) VALUES (?, to_timestamp(? / 1000.0))
     ON CONFLICT (nonce) DO NOTHING RETURNING nonce`,
    [nonce, expiresAtMs],
  );
  return res.rows.length > 0;
}
