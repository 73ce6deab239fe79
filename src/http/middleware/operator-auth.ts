// Operator authentication for the ops API, /metrics and the console (D115). An operator is a named token
// (operator_tokens, stored hashed, revocable), or OTTO_ADMIN_TOKEN as the operator "admin", or, in
// development on loopback only, the local developer without any token (D118): `npm start` opens the
// console at once, as issue 13 asks, and nothing else can reach it.
import type { IncomingMessage } from 'node:http';
import type { Middleware } from 'koa';
import { safeEqual } from '../../../wire/hmac.ts';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/knex.ts';
import type { Actor } from '../../domain/audit-log.ts';
import { findActiveOperatorToken } from '../../domain/operator-tokens.ts';
import type { AppState } from '../context.ts';
import { unauthorized } from '../errors.ts';
import { countingFailures, presentsToken } from './auth-failures.ts';

export const ADMIN_OPERATOR = 'admin';
export const LOCAL_DEV_OPERATOR = 'local developer';

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const IPV4_LOOPBACK =
  /^127\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)$/;
const isLoopbackAddress = (a: string | undefined) =>
  !!a && (a === '::1' || IPV4_LOOPBACK.test(a) || IPV4_LOOPBACK.test(a.replace(/^::ffff:/, '')));

/** Otto itself listens only on loopback in development (the npm start default). */
export const openOnLoopback = (config: Config) =>
  config.env === 'development' &&
  (LOOPBACK_NAMES.has(config.http.host) || IPV4_LOOPBACK.test(config.http.host));

/**
 * The Host names the local developer's browser sends (D125): `localhost`, `127.0.0.1`, `[::1]`, and the
 * loopback literal Otto was told to listen on (HOST), compared whole. No other 127.x literal counts:
 * a prefix match let `127.0.0.1.attacker.example`, a name any page can rebind, pass (issue 16, #1).
 */
function loopbackHostNames(config: Config): Set<string> {
  const own = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
  return new Set(['127.0.0.1', 'localhost', '[::1]', own.toLowerCase()]);
}

/**
 * True when a Host header names this process on loopback exactly: one of the loopback names, and the
 * port the request arrived on (a browser omits it only for port 80).
 */
export function isLoopbackHost(config: Config, req: IncomingMessage): boolean {
  const match = /^(\[[^\]]*\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(req.headers.host ?? '');
  if (!match) return false;
  const [, name = '', port = '80'] = match;
  return loopbackHostNames(config).has(name.toLowerCase()) && Number(port) === req.socket.localPort;
}

/**
 * A request that the local developer made: from a loopback address, to a loopback host name with Otto's
 * port (a page of another site that rebinds its DNS name to 127.0.0.1 still sends its own name in Host,
 * and is refused).
 */
export function isLocalDeveloper(config: Config, req: IncomingMessage): boolean {
  if (!openOnLoopback(config) || !isLoopbackAddress(req.socket.remoteAddress)) return false;
  return isLoopbackHost(config, req);
}

export async function resolveOperator(
  config: Config,
  db: Db,
  req: IncomingMessage,
  authorization: string,
): Promise<Actor | undefined> {
  const token = /^Bearer\s+(.+)$/i.exec(authorization)?.[1]?.trim();
  if (!token)
    return isLocalDeveloper(config, req) ? { name: LOCAL_DEV_OPERATOR, kind: 'local_dev' } : undefined;
  if (safeEqual(token, config.auth.adminToken)) return { name: ADMIN_OPERATOR, kind: 'admin_token' };
  const row = await findActiveOperatorToken(db, token);
  return row ? { name: row.name, kind: 'operator_token' } : undefined;
}

export function operatorAuth(config: Config, db: Db): Middleware<AppState> {
  const authenticate: Middleware<AppState> = async (ctx, next) => {
    const operator = await resolveOperator(config, db, ctx.req, ctx.get('authorization'));
    if (!operator) throw unauthorized('UNAUTHORIZED', 'A valid operator token is required');
    ctx.state.operator = operator;
    ctx.state.log = ctx.state.log.child({ operator: operator.name });
    await next();
  };
  // a wrong operator or admin token counts against the client's failure limit (D130)
  return countingFailures('operator', authenticate, presentsToken);
}
