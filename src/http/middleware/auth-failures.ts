// Failed authentication, limited per client address (issue 16 #3 and #10, D130). Every surface that
// authenticates a caller (Shunya's and CallRail's signed webhooks, operator and admin tokens, frontend
// tokens) reports its failures here: each is counted (otto_auth_failures_total{surface}) and logged at
// warn with the client address, the surface and the reason, never the credential; past
// AUTH_FAILURE_LIMIT failures in AUTH_FAILURE_WINDOW_S, a client's further failures are answered 429 with
// Retry-After (otto_auth_throttled_total{surface}), logged once per window. A request that authenticates
// is never limited. The count lives in this process's memory, in a bounded map.
import type { Context, Middleware } from 'koa';
import type { Config } from '../../config.ts';
import type { Logger } from '../../logger.ts';
import type { Metrics } from '../../metrics.ts';
import type { AppState } from '../context.ts';
import { HttpError } from '../errors.ts';

export type AuthSurface = 'shunya_webhook' | 'callrail' | 'operator' | 'frontend';

/** Client addresses remembered at most; the oldest window is forgotten first (D130). */
export const MAX_TRACKED_CLIENTS = 10_000;

interface Window {
  failures: number;
  resetAt: number;
}

export const tooManyFailures = (retryAfterS: number) =>
  new HttpError(
    429,
    'TOO_MANY_AUTH_FAILURES',
    'rate_limit_error',
    'Too many failed authentications from this address; retry later',
    { retry_after_s: retryAfterS },
    true,
  );

export class AuthFailureLimiter {
  private readonly clients = new Map<string, Window>();

  constructor(
    private readonly opts: {
      limit: number;
      windowS: number;
      logger: Logger;
      metrics?: Metrics;
      maxClients?: number;
      now?: () => number;
    },
  ) {}

  /** Client addresses currently remembered. */
  get size(): number {
    return this.clients.size;
  }

  /** Whether `client` is past the limit now (its next failure will be answered 429). */
  throttled(client: string): boolean {
    const w = this.current(client);
    return !!w && w.failures >= this.opts.limit;
  }

  /**
   * Records one failed authentication of `client` on `surface`; answers the error to send: `err` itself,
   * or a 429 once the client has used up its failures for the window. `log`: the request's logger, so the
   * warning carries its request id and trace ids (D450); the limiter's own otherwise.
   */
  fail(
    client: string,
    surface: AuthSurface,
    reason: string,
    err: HttpError,
    log: Logger = this.opts.logger,
  ): HttpError {
    const now = this.now();
    const w = this.current(client) ?? this.open(client, now);
    w.failures += 1;
    this.opts.metrics?.authFailures.inc({ surface });
    const retryAfterS = Math.max(1, Math.ceil((w.resetAt - now) / 1000));
    if (w.failures <= this.opts.limit) {
      log.warn({ client, surface, reason, failures: w.failures }, 'authentication failed');
      return err;
    }
    this.opts.metrics?.authThrottled.inc({ surface });
    if (w.failures === this.opts.limit + 1)
      log.warn(
        { client, surface, reason, limit: this.opts.limit, retry_after_s: retryAfterS },
        'authentication failures throttled',
      );
    return tooManyFailures(retryAfterS);
  }

  private now() {
    return this.opts.now?.() ?? Date.now();
  }

  private current(client: string): Window | undefined {
    const w = this.clients.get(client);
    if (w && w.resetAt <= this.now()) {
      this.clients.delete(client);
      return undefined;
    }
    return w;
  }

  private open(client: string, now: number): Window {
    const max = this.opts.maxClients ?? MAX_TRACKED_CLIENTS;
    // a Map iterates in insertion order: the first key holds the oldest window
    while (this.clients.size >= max) this.clients.delete(this.clients.keys().next().value as string);
    const w = { failures: 0, resetAt: now + this.opts.windowS * 1000 };
    this.clients.set(client, w);
    return w;
  }
}

export function authFailureLimiter(config: Config, logger: Logger, metrics?: Metrics) {
  return new AuthFailureLimiter({
    limit: config.auth.failureLimit,
    windowS: config.auth.failureWindowS,
    logger,
    metrics,
  });
}

/** Puts the app's limiter on every request, for the authentication middleware and routes. */
export function provideLimiter(limiter: AuthFailureLimiter): Middleware<AppState> {
  return async (ctx, next) => {
    ctx.state.authFailures = limiter;
    await next();
  };
}

/** The client address the limiter counts: the socket's peer (app.proxy is off: no X-Forwarded-For). */
const clientOf = (ctx: Context) => ctx.req.socket.remoteAddress ?? 'unknown';

/**
 * Reports a failed authentication of this request; throw what it answers. Sets Retry-After when the
 * answer is the 429.
 */
export function authFailed(
  ctx: Context & { state: AppState },
  surface: AuthSurface,
  reason: string,
  err: HttpError,
): HttpError {
  const limiter = ctx.state.authFailures;
  if (!limiter) return err;
  const answer = limiter.fail(clientOf(ctx), surface, reason, err, ctx.state.log);
  if (answer.status === 429) ctx.set('Retry-After', String(answer.details.retry_after_s));
  return answer;
}

/** Whether this request's client is past the limit (a throttled delivery is not kept in the inbox). */
export const isThrottled = (ctx: Context & { state: AppState }) =>
  ctx.state.authFailures?.throttled(clientOf(ctx)) ?? false;

/**
 * Wraps an authentication middleware: a 401 it throws, before it lets the request through, is a failed
 * authentication of `surface` when `attempted` says the request presented a credential at all (a request
 * without one is the console finding out it needs a login, not a guess).
 */
export function countingFailures(
  surface: AuthSurface,
  auth: Middleware<AppState>,
  attempted: (ctx: Context) => boolean = () => true,
): Middleware<AppState> {
  return async (ctx, next) => {
    let through = false;
    try {
      await auth(ctx, async () => {
        through = true;
        await next();
      });
    } catch (e) {
      if (!through && e instanceof HttpError && e.status === 401 && attempted(ctx))
        throw authFailed(ctx, surface, e.code, e);
      throw e;
    }
  };
}

/** A bearer token in Authorization, or (the event stream) in the access_token query parameter. */
export const presentsToken = (ctx: Context) =>
  /^Bearer\s+\S/i.test(ctx.get('authorization')) || typeof ctx.query.access_token === 'string';
