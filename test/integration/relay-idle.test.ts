// The outbox relay's safety net (D342): its idle tick asks whether an event waits before it opens a
// transaction, and still publishes an event no notification announced.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgListener } from '../../src/events/listener.ts';
import { anyUnpublished, relayOnce, startRelay } from '../../src/events/relay.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildCompany } from '../helpers/factories.ts';

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
});

/** An event inserted without the trigger's notification (the safety net's case). */
async function silentEvent(companyId: string): Promise<string> {
  const [row] = await t
    .db('outbox_events')
    .insert({
      company_id: companyId,
      event_type: 'job.test',
      aggregate_type: 'job',
      aggregate_id: randomUUID(),
      payload: {},
    })
    .returning('id');
  return String(row.id);
}

describe('the outbox relay when idle', () => {
  it('sees whether an event waits for its position', async () => {
    const company = await buildCompany(t.db);
    await relayOnce(t.db);
    expect(await anyUnpublished(t.db)).toBe(false);
    await silentEvent(company.id);
    expect(await anyUnpublished(t.db)).toBe(true);
    expect((await relayOnce(t.db)).published).toBe(1);
    expect(await anyUnpublished(t.db)).toBe(false);
  });

  it('publishes an event no notification announced, on its tick', async () => {
    const company = await buildCompany(t.db);
    const logger = createLogger('silent');
    const listener = new PgListener(t.url, logger);
    const relay = startRelay(t.db, listener, logger, { idleMs: 50 });
    try {
      const id = await silentEvent(company.id);
      let position: unknown = null;
      for (let i = 0; i < 200 && position === null; i++) {
        await new Promise((r) => setTimeout(r, 50));
        position = (await t.db('outbox_events').where({ id }).first('position')).position;
      }
      expect(position).not.toBeNull();
    } finally {
      await relay.stop();
    }
  });
});
