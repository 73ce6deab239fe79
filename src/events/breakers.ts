// Circuit breakers across Otto's processes (§9.1 "per endpoint per tenant"; D101): when a breaker opens in
// one process, it says so on the `otto_breakers` channel, with the instant until which it is open; every
// other process (workers, and API processes for the ops API) marks its own breaker for that endpoint and
// tenant open until then. One notification per opening, nothing per call.
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/knex.ts';
import type { Logger } from '../logger.ts';
import type { ShunyaClient } from '../shunya/types.ts';
import type { PgListener } from './listener.ts';

export const BREAKERS_CHANNEL = 'otto_breakers';

interface Opened {
  endpoint: string;
  company_id: string;
  until: number;
  from: string;
}

export interface BreakerSharing {
  /** Tells the other processes; pass it to the Shunya client as onBreakerOpen. */
  opened(endpoint: string, companyId: string, untilMs: number): void;
  /** Starts applying the other processes' news to `client`. */
  listen(client: ShunyaClient): void;
}

export function shareBreakers(db: Db, listener: PgListener, logger: Logger): BreakerSharing {
  const me = randomUUID();
  return {
    opened(endpoint, companyId, untilMs) {
      const news: Opened = { endpoint, company_id: companyId, until: untilMs, from: me };
      db.raw('SELECT pg_notify(?, ?)', [BREAKERS_CHANNEL, JSON.stringify(news)]).catch((e) =>
        logger.warn(
          { err: e, endpoint, company_id: companyId },
          'could not tell the other processes a breaker opened',
        ),
      );
    },
    listen(client) {
      listener.on(BREAKERS_CHANNEL, (payload) => {
        try {
          const n = JSON.parse(payload) as Opened;
          if (n.from !== me) client.breakerOpenedElsewhere(n.endpoint, n.company_id, n.until);
        } catch {
          logger.warn({ payload }, 'unreadable breaker notification');
        }
      });
    },
  };
}
