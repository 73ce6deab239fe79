// GET /api/v1/events: the tenant's domain events as Server-Sent Events, resumable with Last-Event-ID.
// What Otto holds for one connection is bounded (D91): events are written while its reader is less than
// SSE_MAX_BUFFER_BYTES behind, then only once it has drained; a reader that stays that far behind for
// SSE_SLOW_READER_TIMEOUT_MS is dropped, and resumes from the last event it received whole, losing nothing.
import Router from '@koa/router';
import type { DomainEvent } from '../../../generated/otto/types.gen.ts';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/knex.ts';
import type { EventHub, Subscriber } from '../../events/stream.ts';
import type { Metrics } from '../../metrics.ts';
import type { AppState } from '../context.ts';
import { badRequest } from '../errors.ts';
import { tenantAuth } from '../middleware/tenant-auth.ts';

const frame = (e: DomainEvent) => `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;

export function eventRoutes(
  config: Config,
  db: Db,
  hub: EventHub,
  metrics?: Metrics,
  heartbeatMs = 15_000,
): Router<AppState> {
  const { maxBufferBytes: limit, slowReaderTimeoutMs: stallMs } = config.events;
  let peak = 0; // the most one connection has held, right after a write
  const router = new Router<AppState>();
  router.get('/api/v1/events', tenantAuth(config, db, { allowQueryToken: true }), (ctx) => {
    const resume =
      ctx.get('last-event-id') || (typeof ctx.query.after === 'string' ? ctx.query.after : '') || '0';
    if (!/^\d{1,18}$/.test(resume))
      throw badRequest('INVALID_LAST_EVENT_ID', 'Last-Event-ID must be an event id');
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    // written straight to the response, so that its buffer is the one to watch (koa does not respond)
    const res = ctx.res;
    ctx.respond = false;
    res.writeHead(200);
    res.write('retry: 2000\n\n');
    let open = true;
    let stalled: NodeJS.Timeout | undefined;
    /** What Otto holds for this reader: the response's buffer and its socket's. */
    const buffered = () => res.writableLength;
    /** Writes unless the reader is `limit` bytes behind (so at most limit + one frame is held). */
    const write = (chunk: string): boolean => {
      if (!open) return false;
      if (buffered() >= limit) {
        waitForReader();
        return false;
      }
      res.write(chunk);
      if (buffered() > peak) {
        peak = buffered();
        metrics?.streamBufferPeak.set(peak);
      }
      return true;
    };
    const subscriber: Subscriber = {
      companyId: ctx.state.tenant?.companyId as string,
      position: Number(resume),
      bufferedBytes: buffered,
      deliver(events) {
        if (!open) return null;
        const taken = events.findIndex((e) => !write(frame(e)));
        return taken < 0 ? events.length : taken;
      },
    };
    /** A full buffer: go on once the reader has drained it; drop a reader that stays stalled. */
    function waitForReader() {
      if (stalled) return;
      stalled = setTimeout(drop, stallMs);
      const goOn = () => {
        clearTimeout(stalled);
        stalled = undefined;
        hub.catchUp(subscriber);
      };
      if (res.writableNeedDrain) res.once('drain', goOn);
      else setTimeout(goOn, 50).unref(); // over the limit without backpressure yet: look again soon
    }
    const unsubscribe = hub.subscribe(subscriber);
    const heartbeat = setInterval(() => {
      if (write(': keep-alive\n\n')) hub.catchUp(subscriber);
    }, heartbeatMs);
    heartbeat.unref();
    const close = () => {
      if (!open) return;
      open = false;
      clearInterval(heartbeat);
      clearTimeout(stalled);
      unsubscribe();
      res.end();
    };
    // Ending would wait for a reader that does not read: discard what it has not taken instead. The
    // client keeps the events it received whole, sees the connection end, and resumes with Last-Event-ID.
    function drop() {
      if (!open) return;
      metrics?.slowReadersDropped.inc();
      ctx.state.log.warn(
        { company_id: subscriber.companyId, position: subscriber.position, buffered_bytes: buffered() },
        'event-stream reader stalled: dropped (it resumes with Last-Event-ID)',
      );
      close();
      res.destroy();
    }
    ctx.req.on('close', close);
    res.on('close', close);
  });
  return router;
}
