// GET /api/v1/events: the tenant's domain events as Server-Sent Events, resumable with Last-Event-ID.
import { PassThrough } from 'node:stream';
import Router from '@koa/router';
import type { DomainEvent } from '../../../generated/otto/types.gen.ts';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/knex.ts';
import type { EventHub, Subscriber } from '../../events/stream.ts';
import type { AppState } from '../context.ts';
import { badRequest } from '../errors.ts';
import { tenantAuth } from '../middleware/tenant-auth.ts';

const frame = (e: DomainEvent) => `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;

export function eventRoutes(config: Config, db: Db, hub: EventHub, heartbeatMs = 15_000): Router<AppState> {
  const router = new Router<AppState>();
  router.get('/api/v1/events', tenantAuth(config, db, { allowQueryToken: true }), (ctx) => {
    const resume =
      ctx.get('last-event-id') || (typeof ctx.query.after === 'string' ? ctx.query.after : '') || '0';
    if (!/^\d{1,18}$/.test(resume))
      throw badRequest('INVALID_LAST_EVENT_ID', 'Last-Event-ID must be an event id');
    const stream = new PassThrough();
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.status = 200;
    ctx.set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    ctx.body = stream;
    stream.write(`retry: 2000\n\n`);
    let open = true;
    const subscriber: Subscriber = {
      companyId: ctx.state.tenant?.companyId as string,
      position: Number(resume),
      deliver(events) {
        if (!open) return false;
        stream.write(events.map(frame).join(''));
        return true;
      },
    };
    const unsubscribe = hub.subscribe(subscriber);
    const heartbeat = setInterval(() => {
      if (!open) return;
      stream.write(': keep-alive\n\n');
      hub.catchUp(subscriber);
    }, heartbeatMs);
    heartbeat.unref();
    const close = () => {
      if (!open) return;
      open = false;
      clearInterval(heartbeat);
      unsubscribe();
      stream.end();
    };
    ctx.req.on('close', close);
    ctx.res.on('close', close);
  });
  return router;
}
