// GET /api/v1/events: the tenant's domain events as Server-Sent Events, resumable with Last-Event-ID.
// What Otto holds for one connection is bounded (D91): events are written while its reader is less than
// SSE_MAX_BUFFER_BYTES behind, then only once it has drained; a reader that stays that far behind for
// SSE_SLOW_READER_TIMEOUT_MS is dropped, and resumes from the last event it received whole, losing nothing.
// A stream opened without Last-Event-ID starts at the present, and one tenant holds at most
// SSE_MAX_STREAMS_PER_TENANT streams per process (D147). Browsers authenticate with a short-lived ticket
// (POST /api/v1/events/tickets) rather than their token in the URL (D148). Operators have a stream of
// their own, every tenant's events (GET /api/v1/ops/events, D265), with tickets of their own (D266).
import Router from '@koa/router';
import type { ParameterizedContext } from 'koa';
import type { DomainEvent, StreamTicket } from '../../../generated/otto/types.gen.ts';
import { zStreamEventsQuery, zStreamOpsEventsQuery } from '../../../generated/otto/zod.gen.ts';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/knex.ts';
import type { Actor } from '../../domain/audit-log.ts';
import { ALL_TENANTS, type EventHub, presentPosition, type Subscriber } from '../../events/stream.ts';
import type { Metrics } from '../../metrics.ts';
import type { AppState } from '../context.ts';
import { badRequest, HttpError } from '../errors.ts';
import { operatorAuth } from '../middleware/operator-auth.ts';
import { tenantAuth } from '../middleware/tenant-auth.ts';
import { allowRoles, eventVisible } from '../roles.ts';
import { StreamTickets } from '../stream-ticket.ts';
import { validate } from '../validate.ts';

/** Seconds a tenant at its stream limit is asked to wait: about how long a browser tab takes to close. */
const STREAMS_RETRY_AFTER_S = 30;

const frame = (e: DomainEvent) => `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;

export function eventRoutes(
  config: Config,
  db: Db,
  hub: EventHub,
  metrics?: Metrics,
  heartbeatMs = 15_000,
): Router<AppState> {
  const {
    maxBufferBytes: limit,
    slowReaderTimeoutMs: stallMs,
    maxStreamsPerTenant: maxStreams,
  } = config.events;
  let peak = 0; // the most one connection has held, right after a write
  const router = new Router<AppState>();
  const tickets = new StreamTickets(config.auth.adminToken);
  const bearerAuth = tenantAuth(config, db, { allowQueryToken: config.events.queryToken });
  const open = new Map<string, number>(); // company id, or operator → its streams open on this process
  // a key of its own, so that no tenant's ticket opens an operator's stream (D266)
  const opsTickets = new StreamTickets(config.auth.adminToken, 'otto operator stream tickets v1');
  const operatorBearer = operatorAuth(config, db);

  router.post('/api/v1/events/tickets', tenantAuth(config, db), allowRoles('createStreamTicket'), (ctx) => {
    const { ticket, expiresAt } = tickets.issue(ctx.state.tenant as NonNullable<AppState['tenant']>);
    const body: StreamTicket = { ticket, expires_at: expiresAt.toISOString() };
    ctx.set('Cache-Control', 'no-store');
    ctx.status = 201;
    ctx.body = body;
  });

  router.get(
    '/api/v1/events',
    async (ctx, next) => {
      const { ticket } = validate(zStreamEventsQuery, ctx.query);
      if (ticket === undefined) return bearerAuth(ctx, next);
      ctx.state.tenant = await tickets.redeem(db, ticket);
      return next();
    },
    allowRoles('streamEvents'),
    async (ctx) => {
      const companyId = ctx.state.tenant?.companyId as string;
      const role = ctx.state.tenant?.role;
      // an event its role does not read is passed over, and counts as taken (D149)
      await openStream(ctx, companyId, companyId, (e) => eventVisible(role, e));
    },
  );

  // The operator's stream (D265): every tenant's events, whole, as the ops API shows them.
  router.post('/api/v1/ops/events/tickets', operatorAuth(config, db), (ctx) => {
    const operator = ctx.state.operator as Actor;
    const { ticket, expiresAt } = opsTickets.issue({
      companyId: ALL_TENANTS,
      role: operator.kind,
      subject: operator.name,
    });
    const body: StreamTicket = { ticket, expires_at: expiresAt.toISOString() };
    ctx.set('Cache-Control', 'no-store');
    ctx.status = 201;
    ctx.body = body;
  });

  router.get(
    '/api/v1/ops/events',
    async (ctx, next) => {
      const { ticket } = validate(zStreamOpsEventsQuery, ctx.query);
      if (ticket === undefined) return operatorBearer(ctx, next);
      const { role, subject } = await opsTickets.redeem(db, ticket);
      ctx.state.operator = { name: subject as string, kind: role as Actor['kind'] };
      ctx.state.log = ctx.state.log.child({ operator: subject });
      return next();
    },
    async (ctx) => {
      const name = (ctx.state.operator as Actor).name;
      await openStream(ctx, `operator ${name}`, ALL_TENANTS, () => true);
    },
  );

  /**
   * Streams `companyId`'s events (or every tenant's) from Last-Event-ID, or from the present; at most
   * maxStreams open per `holder` (a tenant, or an operator) on this process (D147).
   */
  async function openStream(
    ctx: ParameterizedContext<AppState>,
    holder: string,
    companyId: string,
    visible: (e: DomainEvent) => boolean,
  ) {
    const given = ctx.get('last-event-id') || (typeof ctx.query.after === 'string' ? ctx.query.after : '');
    if (given !== '' && !/^\d{1,18}$/.test(given))
      throw badRequest('INVALID_LAST_EVENT_ID', 'Last-Event-ID must be an event id');
    const streams = open.get(holder) ?? 0;
    if (streams >= maxStreams) {
      ctx.set('Retry-After', String(STREAMS_RETRY_AFTER_S));
      throw new HttpError(
        429,
        'TOO_MANY_STREAMS',
        'rate_limit_error',
        `This ${holder === companyId ? 'tenant' : 'operator'} already holds ${maxStreams} open event streams`,
        { max_streams: maxStreams },
        true,
      );
    }
    open.set(holder, streams + 1); // counted before any await, so concurrent opens see it
    const release = () => {
      const left = (open.get(holder) ?? 1) - 1;
      if (left > 0) open.set(holder, left);
      else open.delete(holder);
    };
    let resume: number;
    try {
      resume = given === '' ? await presentPosition(db) : Number(given);
    } catch (e) {
      release();
      throw e;
    }
    serve(ctx, companyId, resume, visible, release);
  }

  /** Streams the events after `resume` that `visible` lets through; `closed` runs once when it ends. */
  function serve(
    ctx: ParameterizedContext<AppState>,
    companyId: string,
    resume: number,
    visible: (e: DomainEvent) => boolean,
    closed: () => void,
  ) {
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
    let live = true;
    let stalled: NodeJS.Timeout | undefined;
    /** What Otto holds for this reader: the response's buffer and its socket's. */
    const buffered = () => res.writableLength;
    /** Writes unless the reader is `limit` bytes behind (so at most limit + one frame is held). */
    const write = (chunk: string): boolean => {
      if (!live) return false;
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
      companyId,
      position: resume,
      bufferedBytes: buffered,
      deliver(events) {
        if (!live) return null;
        const taken = events.findIndex((e) => visible(e) && !write(frame(e)));
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
      if (!live) return;
      live = false;
      closed();
      clearInterval(heartbeat);
      clearTimeout(stalled);
      unsubscribe();
      res.end();
    };
    // Ending would wait for a reader that does not read: discard what it has not taken instead. The
    // client keeps the events it received whole, sees the connection end, and resumes with Last-Event-ID.
    function drop() {
      if (!live) return;
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
  }
  return router;
}
