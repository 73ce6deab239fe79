// Stream tickets (D148): a browser's EventSource cannot send Authorization, and the long-lived token in a
// URL is written to every proxy's access log. A ticket is what goes in the URL instead: it names the
// tenant, role and subject of the token that took it, opens a stream within TICKET_TTL_S of its issue,
// and once. Its claims are stateless (an HMAC over them), so any API process of the deployment can check
// one; its key is derived from OTTO_ADMIN_TOKEN, a secret every process shares and whose holder is already
// all-powerful. "Once" holds across the processes (D380): a use is a row keyed by the ticket's nonce in
// stream_ticket_uses, so a second use, on whichever process, conflicts; the rows are pruned once expired.
import { randomBytes } from 'node:crypto';
// The HMAC is wire/'s one primitive, though a ticket is Otto-internal (D211).
import { hmac, safeEqual } from '../../wire/hmac.ts';
import type { Db } from '../db/knex.ts';
import { useTicketOnce } from '../domain/stream-ticket-uses.ts';
import type { AppState } from './context.ts';
import { unauthorized } from './errors.ts';

export const TICKET_TTL_S = 60;

type Tenant = NonNullable<AppState['tenant']>;

interface TicketClaims {
  /** company id */
  c: string;
  r: string | undefined;
  s: string | undefined;
  /** expiry, ms since the epoch */
  e: number;
  n: string;
}

export class StreamTickets {
  private readonly key: Buffer;

  /**
   * `purpose` separates the keys of the kinds of ticket: a tenant's ticket is no operator's ticket
   * (D266), though both are derived from the same secret.
   */
  constructor(secret: string, purpose = 'otto stream tickets v1') {
    this.key = hmac('sha256', secret, purpose);
  }

  issue(tenant: Tenant, now = Date.now()): { ticket: string; expiresAt: Date } {
    const claims: TicketClaims = {
      c: tenant.companyId,
      r: tenant.role,
      s: tenant.subject,
      e: now + TICKET_TTL_S * 1000,
      n: randomBytes(12).toString('base64url'),
    };
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return { ticket: `${body}.${this.sign(body)}`, expiresAt: new Date(claims.e) };
  }

  /** The tenant a ticket names; 401 STREAM_TICKET_INVALID for a forged, expired or used one. */
  async redeem(db: Db, ticket: string, now = Date.now()): Promise<Tenant> {
    const claims = this.read(ticket);
    if (!claims || claims.e <= now)
      throw unauthorized('STREAM_TICKET_INVALID', 'The stream ticket is invalid or expired');
    if (!(await useTicketOnce(db, claims.n, claims.e)))
      throw unauthorized('STREAM_TICKET_INVALID', 'The stream ticket has been used already');
    return { companyId: claims.c, role: claims.r, subject: claims.s };
  }

  private sign(body: string): string {
    return hmac('sha256', this.key, body).toString('base64url');
  }

  private read(ticket: string): TicketClaims | null {
    const [body, mac, extra] = ticket.split('.');
    if (!body || !mac || extra !== undefined) return null;
    if (!safeEqual(this.sign(body), mac)) return null;
    try {
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TicketClaims;
      return typeof claims.c === 'string' && typeof claims.e === 'number' && typeof claims.n === 'string'
        ? claims
        : null;
    } catch {
      return null;
    }
  }
}
