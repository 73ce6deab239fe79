// Operator authentication for the ops API, /metrics and the console (D115). An operator is a named token
// (operator_tokens, stored hashed, revocable), or OTTO_ADMIN_TOKEN as the operator "admin", or, in
// development on loopback only, the local developer without any token (D118): `npm start` opens the
// console at once, as issue 13 asks, and nothing else can reach it.
import type { IncomingMessage } from 'node:http';
import type { Middleware } from 'koa';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/knex.ts';
import type { Actor } from '../../domain/audit-log.ts';
import { findActiveOperatorToken } from '../../domain/operator-tokens.ts';
import { safeEqual } from '../../util/crypto.ts';
import type { AppState } from '../context.ts';
import { unauthorized } from '../errors.ts';

export const ADMIN_OPERATOR = 'admin';
export const LOCAL_DEV_OPERATOR = 'local developer';

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const isLoopbackAddress = (a: string | undefined) =>
  !!a && (a === '::1' || a.startsWith('127.') || a.startsWith('::ffff:127.'));

/** Otto itself listens only on loopback in development (the npm start default). */
export const openOnLoopback = (config: Config) =>
  config.env === 'development' &&
  (LOOPBACK_NAMES.has(config.http.host) || config.http.host.startsWith('127.'));

/**
 * A request that the local developer made: from a loopback address, to a loopback host name (a page of
 * another site that rebinds its DNS name to 127.0.0.1 still sends its own name in Host, and is refused).
 */
export function isLocalDeveloper(config: Config, req: IncomingMessage): boolean {
  if (!openOnLoopback(config) || !isLoopbackAddress(req.socket.remoteAddress)) return false;
  const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
  return LOOPBACK_NAMES.has(host) || host.startsWith('127.');
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
  return async (ctx, next) => {
    const operator = await resolveOperator(config, db, ctx.req, ctx.get('authorization'));
    if (!operator) throw unauthorized('UNAUTHORIZED', 'A valid operator token is required');
    ctx.state.operator = operator;
    ctx.state.log = ctx.state.log.child({ operator: operator.name });
    await next();
  };
}
