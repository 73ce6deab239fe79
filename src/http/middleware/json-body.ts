// Reads the raw request body once (kept as bytes for signature checks) and parses it as JSON.
// Wrong media type → 415, too large → 413, malformed or not UTF-8 → 400 INVALID_JSON.
import type { Middleware } from 'koa';
import getRawBody from 'raw-body';
import { decodeUtf8 } from '../../util/utf8.ts';
import type { AppState } from '../context.ts';
import { badRequest, payloadTooLarge, unsupportedMediaType } from '../errors.ts';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** The raw bytes only (any media type): for receivers that must authenticate before they parse. */
export function rawBody(limit = DEFAULT_BODY_LIMIT): Middleware<AppState> {
  return async (ctx, next) => {
    ctx.state.rawBody = await read(ctx.req, ctx.request.length, limit);
    await next();
  };
}

async function read(
  req: import('node:http').IncomingMessage,
  length: number | undefined,
  limit: number,
): Promise<Buffer> {
  try {
    return await getRawBody(req, { limit, length });
  } catch (e) {
    const type = (e as { type?: string }).type;
    if (type === 'entity.too.large') throw payloadTooLarge(limit);
    throw badRequest('INVALID_BODY', 'Request body could not be read');
  }
}

export function jsonBody(limit = DEFAULT_BODY_LIMIT): Middleware<AppState> {
  return async (ctx, next) => {
    if (!ctx.is('application/json', 'application/*+json')) {
      // An empty body without a content type is allowed and parses as undefined.
      if (ctx.request.length || ctx.get('transfer-encoding')) throw unsupportedMediaType();
      await next();
      return;
    }
    const raw = await read(ctx.req, ctx.request.length, limit);
    ctx.state.rawBody = raw;
    if (raw.length > 0) ctx.request.body = parseJson(raw);
    await next();
  };
}

/** JSON text, strictly UTF-8 (D129): bytes that are not are a 400, never replaced by U+FFFD. */
function parseJson(raw: Buffer): unknown {
  let text: string;
  try {
    text = decodeUtf8(raw);
  } catch {
    throw badRequest('INVALID_JSON', 'Request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('INVALID_JSON', 'Request body is not valid JSON');
  }
}

declare module 'koa' {
  interface Request {
    body?: unknown;
  }
}
