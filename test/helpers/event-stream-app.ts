// Otto's HTTP app with a real outbox relay and event hub on a test database, for the suites that read its
// event streams (the tenant's GET /api/v1/events, the operator's GET /api/v1/ops/events): what each of
// them had written again. `open` keeps every stream it opens, and `close` ends them with the rest.
import { loadConfig } from '../../src/config.ts';
import type { Db } from '../../src/db/knex.ts';
import type { NewEvent } from '../../src/domain/outbox.ts';
import { PgListener } from '../../src/events/listener.ts';
import { startRelay } from '../../src/events/relay.ts';
import { EventHub } from '../../src/events/stream.ts';
import { buildApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { type Listening, listen } from './http.ts';
import { TEST_SECRETS } from './secrets.ts';
import { openSse, type SseClient } from './sse.ts';

export interface StreamApp {
  t: TestDatabase;
  otto: Listening;
  /** Opens `path` (with its query) of the app as an event stream, kept until close. */
  open(path: string, headers?: Record<string, string>): Promise<SseClient>;
  close(): Promise<void>;
}

/** `env`: Otto's settings beside the test secrets (not development by default: there, a loopback request
 * needs no operator token at all, D118). */
export async function startStreamApp(env: Record<string, string> = { NODE_ENV: 'test' }): Promise<StreamApp> {
  const t = await createTestDatabase();
  const logger = createLogger('silent');
  const listener = new PgListener(t.url, logger);
  const hub = new EventHub(t.db, listener);
  const relay = startRelay(t.db, listener, logger, { idleMs: 200 });
  await listener.start();
  const otto = await listen(
    buildApp({
      config: loadConfig({ ...TEST_SECRETS, ...env }),
      db: t.db,
      logger,
      workerCheck: async () => 'ok',
      hub,
    }),
  );
  const clients: SseClient[] = [];
  return {
    t,
    otto,
    async open(path, headers = {}) {
      const c = await openSse(`${otto.url}${path}`, headers);
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.close();
      await otto.close();
      await relay.stop();
      await listener.stop();
      await t.drop();
    },
  };
}

/** The `n`th lead.updated event of a lead, told apart by `classification.n`. */
export const leadEvent = (companyId: string, aggregateId: string, n: number): NewEvent => ({
  type: 'lead.updated',
  companyId,
  aggregateType: 'lead',
  aggregateId,
  data: { lead_id: aggregateId, status: 'qualified_unbooked', previous_status: 'new', classification: { n } },
});

/** A new lead of the tenant, its id. */
export const newLead = async (db: Db, companyId: string) =>
  (await db('leads').insert({ company_id: companyId }).returning('id'))[0].id as string;

/** The `n`s of leadEvent's events, in the order received. */
export const ns = (events: { data: string }[]) =>
  events.map((e) => JSON.parse(e.data).data.classification.n as number);
