// The outbox relay as one statement (D460) and its coalesced passes (D461): relays racing on several
// connections while events commit still hand out gap-free, unique positions in commit order per aggregate,
// and notifications close together make one pass.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../src/db/knex.ts';
import { PgListener } from '../../src/events/listener.ts';
import { relayOnce, startRelay } from '../../src/events/relay.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildCompany } from '../helpers/factories.ts';

let t: TestDatabase;
let relays: Db;

beforeAll(async () => {
  t = await createTestDatabase();
  relays = createDb(t.url, 6);
});
afterAll(async () => {
  await relays.destroy();
  await t.drop();
});

/** One event of `aggregate`, committed in a transaction of its own that holds the aggregate's row. */
async function commitEvent(companyId: string, aggregate: string, seq: number): Promise<void> {
  await t.db.transaction(async (tx) => {
    // what a real writer does first (the relay's header): lock the aggregate, so commit order is id order
    await tx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [aggregate]);
    await tx('outbox_events').insert({
      company_id: companyId,
      event_type: 'job.test',
      aggregate_type: 'job',
      aggregate_id: aggregate,
      payload: { seq },
    });
  });
}

describe('the outbox relay pass', () => {
  it('hands out gap-free, unique positions in commit order per aggregate while relays race', async () => {
    const company = await buildCompany(t.db);
    const aggregates = Array.from({ length: 4 }, () => randomUUID());
    let writing = true;
    const writers = aggregates.map(async (a) => {
      for (let seq = 0; seq < 60; seq++) await commitEvent(company.id, a, seq);
    });
    const racing = Array.from({ length: 5 }, async () => {
      while (writing) await relayOnce(relays);
    });
    await Promise.all(writers);
    writing = false;
    await Promise.all(racing);
    await relayOnce(relays);

    const rows = (await t
      .db('outbox_events')
      .orderBy('position')
      .select('position', 'aggregate_id', 'payload')) as {
      position: string | null;
      aggregate_id: string;
      payload: { seq: number };
    }[];
    expect(rows).toHaveLength(240);
    expect(rows.map((r) => Number(r.position))).toEqual(rows.map((_, i) => i + 1));
    const relay = await t.db('outbox_relay').where({ id: 1 }).first('last_position');
    expect(Number(relay.last_position)).toBe(240);
    for (const a of aggregates) {
      const seqs = rows.filter((r) => r.aggregate_id === a).map((r) => r.payload.seq);
      expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => i));
    }
  });

  it('is one statement: the lock, the assignment and the notification in autocommit', async () => {
    const company = await buildCompany(t.db);
    const listener = new PgListener(t.url, createLogger('silent'));
    const heard: string[] = [];
    listener.on('otto_events', (p) => heard.push(p));
    await listener.start();
    try {
      await commitEvent(company.id, randomUUID(), 0);
      const r = await relayOnce(relays);
      expect(r).toEqual({ published: 1, companies: [company.id] });
      for (let i = 0; i < 100 && heard.length === 0; i++) await new Promise((res) => setTimeout(res, 20));
      expect(heard).toEqual([JSON.stringify([company.id])]);
      // nothing waits: a pass publishes nothing and says so
      expect(await relayOnce(relays)).toEqual({ published: 0, companies: [] });
    } finally {
      await listener.stop();
    }
  });

  it('serves notifications that arrive within the coalescing delay with one pass', async () => {
    const company = await buildCompany(t.db);
    await relayOnce(relays);
    const logger = createLogger('silent');
    const listener = new PgListener(t.url, logger);
    const relay = startRelay(relays, listener, logger, { coalesceMs: 2000 });
    await listener.start();
    try {
      // the relay's pass at start has run: the next pass is one a notification asks for
      await new Promise((res) => setTimeout(res, 200));
      const aggregate = randomUUID();
      for (let seq = 0; seq < 5; seq++) await commitEvent(company.id, aggregate, seq);
      let rows: { position: string | null; published_at: Date | null }[] = [];
      for (let i = 0; i < 200; i++) {
        rows = await t
          .db('outbox_events')
          .where({ aggregate_id: aggregate })
          .select('position', 'published_at');
        if (rows.every((r) => r.position !== null)) break;
        await new Promise((res) => setTimeout(res, 50));
      }
      expect(rows.every((r) => r.position !== null)).toBe(true);
      // a pass stamps its events with its transaction's now(): one pass, one stamp
      expect(new Set(rows.map((r) => r.published_at?.toISOString())).size).toBe(1);
    } finally {
      await relay.stop();
      await listener.stop();
    }
  });
  it('starts a pass no sooner than the minimum interval after the previous one (D520)', async () => {
    const company = await buildCompany(t.db);
    await relayOnce(relays);
    const logger = createLogger('silent');
    const listener = new PgListener(t.url, logger);
    // no coalescing: without the interval every notification, 300 ms apart, would have a pass of its own
    const relay = startRelay(relays, listener, logger, { coalesceMs: 0, minIntervalMs: 5000 });
    await listener.start();
    try {
      const aggregate = randomUUID();
      for (let seq = 0; seq < 5; seq++) {
        await commitEvent(company.id, aggregate, seq);
        await new Promise((res) => setTimeout(res, 300));
      }
      let rows: { position: string | null; published_at: Date | null }[] = [];
      for (let i = 0; i < 200; i++) {
        rows = await t
          .db('outbox_events')
          .where({ aggregate_id: aggregate })
          .select('position', 'published_at');
        if (rows.every((r) => r.position !== null)) break;
        await new Promise((res) => setTimeout(res, 50));
      }
      expect(rows.every((r) => r.position !== null)).toBe(true);
      // the start's pass ran just before: the five events wait for the next turn and share it
      expect(new Set(rows.map((r) => r.published_at?.toISOString())).size).toBe(1);
    } finally {
      await relay.stop();
      await listener.stop();
    }
  });
});
