// A client that stops reading its event stream (issue 11 item 11, D91): what Otto holds for it stays
// bounded by SSE_MAX_BUFFER_BYTES, Otto drops the connection after SSE_SLOW_READER_TIMEOUT_MS and counts
// it, and the client, reconnecting with Last-Event-ID = the last event it received whole, loses nothing.
// A reader that keeps reading takes a flood far larger than the bound without being dropped. The reader is a raw socket that
// stops reading; the flood is real events through Postgres and the outbox relay.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { insertEvents, type NewEvent } from '../../src/domain/outbox.ts';
import { PgListener } from '../../src/events/listener.ts';
import { startRelay } from '../../src/events/relay.ts';
import { EventHub } from '../../src/events/stream.ts';
import { buildApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';
import { createMetrics, type Metrics } from '../../src/metrics.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildCompany, tenantToken } from '../helpers/factories.ts';
import { type Listening, listen } from '../helpers/http.ts';
import { TEST_SECRETS } from '../helpers/secrets.ts';
import { openSse } from '../helpers/sse.ts';

const LIMIT = 256 * 1024;
const EVENTS = 2000;
const PAD = 'x'.repeat(8 * 1024); // about 8 KB per event: 16 MB in all, far more than the kernel buffers hold

let t: TestDatabase;
let otto: Listening;
let listener: PgListener;
let relay: { stop(): Promise<void> };
let hub: EventHub;
let metrics: Metrics;

beforeAll(async () => {
  t = await createTestDatabase();
  const logger = createLogger('silent');
  listener = new PgListener(t.url, logger);
  hub = new EventHub(t.db, listener);
  metrics = createMetrics(t.db, { subscribers: () => hub.size, streamBuffers: () => hub.bufferedBytes() });
  relay = startRelay(t.db, listener, logger, { idleMs: 200 });
  await listener.start();
  const config = loadConfig({
    ...TEST_SECRETS,
    SSE_MAX_BUFFER_BYTES: String(LIMIT),
    SSE_SLOW_READER_TIMEOUT_MS: '1000',
  });
  otto = await listen(buildApp({ config, db: t.db, logger, workerCheck: async () => 'ok', hub, metrics }));
});
afterAll(async () => {
  await otto.close();
  await relay.stop();
  await listener.stop();
  await t.drop();
});

const metric = async (name: string) =>
  ((await metrics.registry.getSingleMetric(name)?.get())?.values[0]?.value as number | undefined) ?? 0;

/**
 * GET /api/v1/events over a raw socket (HTTP/1.0: the body is the bare event stream, no chunking) that
 * parses whole events as they come and stops reading for good after `readFirst` of them.
 */
async function stallingReader(token: string, readFirst: number) {
  const { port } = new URL(otto.url);
  const socket = connect(Number(port), '127.0.0.1');
  socket.on('error', () => {}); // Otto drops it; what it read before is what counts
  let raw = '';
  const events: { id: number; n: number }[] = [];
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => {
    raw += d;
    let end = raw.indexOf('\n\n');
    while (end >= 0) {
      const frame = raw.slice(0, end);
      raw = raw.slice(end + 2);
      const data = frame.split('\n').find((l) => l.startsWith('data: '));
      const id = frame.split('\n').find((l) => l.startsWith('id: '));
      if (id && data) events.push({ id: Number(id.slice(4)), n: JSON.parse(data.slice(6)).data.n });
      end = raw.indexOf('\n\n');
    }
    if (events.length >= readFirst) socket.pause(); // never reads again
  });
  // from event 0 (its tenant is new): the flood may be published before Otto has read the present (D147)
  socket.write(
    `GET /api/v1/events HTTP/1.0\r\nHost: otto\r\nAuthorization: Bearer ${token}\r\nLast-Event-ID: 0\r\n\r\n`,
  );
  return { socket, events };
}

/** EVENTS events of about 8 KB each for one lead, numbered 0…EVENTS-1, through the outbox. */
async function flood(companyId: string, leadId: string) {
  const event = (n: number): NewEvent => ({
    type: 'lead.updated',
    companyId,
    aggregateType: 'lead',
    aggregateId: leadId,
    data: { lead_id: leadId, status: 'nurturing', previous_status: 'new', n, pad: PAD },
  });
  for (let from = 0; from < EVENTS; from += 200)
    await t.db.transaction((tx) =>
      insertEvents(
        tx,
        Array.from({ length: 200 }, (_, i) => event(from + i)),
      ),
    );
}

describe('a reader that keeps reading', () => {
  it('takes a flood 60 times the bound, in order, without being dropped', async () => {
    const company = await buildCompany(t.db);
    const [lead] = await t.db('leads').insert({ company_id: company.id }).returning('id');
    const sse = await openSse(`${otto.url}/api/v1/events`, {
      authorization: `Bearer ${await tenantToken(company.id)}`,
    });
    await flood(company.id, lead.id);
    const got = await sse.waitFor(EVENTS, 60_000);
    sse.close();
    expect(got.map((e) => JSON.parse(e.data).data.n)).toEqual(Array.from({ length: EVENTS }, (_, i) => i));
    expect(await metric('otto_event_stream_slow_readers_dropped_total')).toBe(0);
    expect(await metric('otto_event_stream_buffered_bytes_peak')).toBeLessThanOrEqual(LIMIT + 16 * 1024);
  }, 90_000);
});

describe('a reader that stops reading its event stream', () => {
  it('is dropped once it holds SSE_MAX_BUFFER_BYTES, with Otto’s buffer bounded, and resumes without a gap', async () => {
    const company = await buildCompany(t.db);
    const [lead] = await t.db('leads').insert({ company_id: company.id }).returning('id');
    const token = await tenantToken(company.id);
    const reader = await stallingReader(token, 50);
    await new Promise((r) => setTimeout(r, 200)); // subscribed

    await flood(company.id, lead.id);

    // sample Otto's buffers until the reader is dropped (or long after the flood was written)
    let sampled = 0;
    const deadline = Date.now() + 30_000;
    while ((await metric('otto_event_stream_slow_readers_dropped_total')) === 0 && Date.now() < deadline) {
      sampled = Math.max(sampled, await metric('otto_event_stream_buffered_bytes_max'));
      await new Promise((r) => setTimeout(r, 20));
    }
    const peak = await metric('otto_event_stream_buffered_bytes_peak'); // measured at every write
    expect(Math.max(sampled, peak), 'bytes Otto held for the stalled reader').toBeLessThanOrEqual(
      LIMIT + 16 * 1024,
    );
    expect(peak, 'the reader did fill its buffer').toBeGreaterThanOrEqual(LIMIT);
    expect(await metric('otto_event_stream_slow_readers_dropped_total')).toBe(1);
    expect(hub.size).toBe(0);

    // it reconnects from the last event it received whole, and gets all the others, each once
    reader.socket.destroy();
    const first = reader.events;
    expect(first.length).toBeGreaterThanOrEqual(50);
    expect(first.length).toBeLessThan(EVENTS);
    const last = first[first.length - 1] as { id: number };
    const again = await openSse(`${otto.url}/api/v1/events`, {
      authorization: `Bearer ${token}`,
      'last-event-id': String(last.id),
    });
    const rest = await again.waitFor(EVENTS - first.length, 30_000);
    again.close();
    const ns = [...first.map((e) => e.n), ...rest.map((e) => JSON.parse(e.data).data.n as number)];
    expect(ns).toEqual(Array.from({ length: EVENTS }, (_, i) => i));
  }, 90_000);
});
