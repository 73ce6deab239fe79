// Crash recovery must not lose a live worker process (D104). The chaos run with three workers and a
// Postgres restart left ten jobs locked for good: after the restart one worker, back first, declared
// another dead (every heartbeat was old after the outage), released its jobs and marked its heartbeat
// stopped; that process lived on, its beats no longer clearing the mark, so when it was killed later its
// locks were never released. Now a process reaps only after reaching the database for `deadAfterMs`
// without a break, and a live process declared dead takes its heartbeat back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../src/db/knex.ts';
import { createLogger } from '../../src/logger.ts';
import { startHeartbeat } from '../../src/worker/heartbeat.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { type TcpProxy, tcpProxy } from '../helpers/tcp-proxy.ts';

const logger = createLogger('silent');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
});

const stoppedAt = async (processId: string) =>
  (await t.db('worker_heartbeats').where({ process_id: processId }).first())?.stopped_at ?? null;

describe('worker heartbeats', () => {
  it('a live process declared dead takes its heartbeat back, and a graceful stop marks it for good', async () => {
    const beat = await startHeartbeat(t.db, logger, { intervalMs: 100, deadAfterMs: 60_000 });
    try {
      // what another process's reaper does when this one's beats are late
      await t
        .db('worker_heartbeats')
        .where({ process_id: beat.processId })
        .update({ stopped_at: t.db.fn.now() });
      expect(await stoppedAt(beat.processId)).not.toBeNull();
      await sleep(400);
      expect(await stoppedAt(beat.processId)).toBeNull();
    } finally {
      await beat.stop();
    }
    await sleep(300);
    expect(await stoppedAt(beat.processId)).not.toBeNull();
  });

  describe('a process back from a database outage', () => {
    let proxy: TcpProxy;
    let db: Db;
    beforeAll(async () => {
      proxy = await tcpProxy(t.url);
      db = createDb(proxy.url, 4);
    });
    afterAll(async () => {
      await db.destroy();
      await proxy.close();
    });

    it('declares no one dead before the others could beat again, and still reaps the dead', async () => {
      const deadAfterMs = 1500;
      // another live worker process, beating every 200 ms straight to the database (outside the proxy)
      let otherBeats = true;
      await t
        .db('worker_heartbeats')
        .insert({ process_id: 'other', hostname: 'h', pid: 1, graphile_worker_ids: ['w-other'] });
      const other = setInterval(() => {
        if (otherBeats)
          void t
            .db('worker_heartbeats')
            .where({ process_id: 'other' })
            .update({ last_seen_at: t.db.fn.now() })
            .then(() => {}); // a knex query runs when awaited or then'd
      }, 200);
      const beat = await startHeartbeat(db, logger, { intervalMs: 100, deadAfterMs });
      try {
        await sleep(deadAfterMs + 300); // reaping by now; the other process is alive
        expect(await stoppedAt('other')).toBeNull();

        // Postgres unreachable for both for 2 s (the other one's beats stop too) ...
        otherBeats = false;
        proxy.down();
        await sleep(2000);
        proxy.up();
        // ... and the other one reconnects 300 ms after this one
        await sleep(300);
        otherBeats = true;
        await sleep(deadAfterMs + 700);
        expect(await stoppedAt('other')).toBeNull();

        // a process that is really gone is still released, with its jobs
        await t.db.raw(`SELECT graphile_worker.add_job('otto_advance', '{}'::json)`);
        await t.db.raw(`UPDATE graphile_worker._private_jobs SET locked_by = 'w-gone', locked_at = now()`);
        await t.db('worker_heartbeats').insert({
          process_id: 'gone',
          hostname: 'h',
          pid: 2,
          graphile_worker_ids: ['w-gone'],
          last_seen_at: t.db.raw(`now() - interval '1 minute'`),
        });
        await sleep(500);
        expect(await stoppedAt('gone')).not.toBeNull();
        expect(await stoppedAt('other')).toBeNull();
        const locked = await t.db.raw(
          `SELECT count(*)::int AS n FROM graphile_worker._private_jobs WHERE locked_by IS NOT NULL`,
        );
        expect(locked.rows[0].n).toBe(0);
      } finally {
        clearInterval(other);
        await beat.stop();
      }
    });
  });
});
