// The console (issue 13) at /console: its built page (console/dist, `npm run build:console`), served with a
// strict Content-Security-Policy; and the simulator's control API forwarded under /console/sim/__sim/
// when Otto runs beside the simulator (D121), with the operator's token, every change audited.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { SimulatorLink } from '../../../generated/otto/types.gen.ts';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/knex.ts';
import { recordAudit } from '../../domain/audit-log.ts';
import { own } from '../../util/own.ts';
import type { AppState } from '../context.ts';
import { badRequest, HttpError, notFound } from '../errors.ts';
import { jsonBody } from '../middleware/json-body.ts';
import { operatorAuth } from '../middleware/operator-auth.ts';

export const CONSOLE_DIST = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../console/dist',
);

const ASSETS: Record<string, string> = {
  'app.js': 'application/javascript; charset=utf-8',
  'app.js.map': 'application/json',
  'app.css': 'text/css; charset=utf-8',
};

// Everything the page loads comes from Otto itself (nothing from the internet at run time).
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const SIM_TIMEOUT_MS = 5000;

const simulatorError = (status: number, code: string, message: string) =>
  new HttpError(status, code, 'external_service_error', message, {}, status >= 500);

function secureHeaders(ctx: Context) {
  ctx.set('Content-Security-Policy', CSP);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'no-referrer');
}

async function simulatorLink(config: Config): Promise<SimulatorLink> {
  const url = config.console.simulatorUrl;
  if (!url) return { configured: false, reachable: false, url: null, control_api: null };
  const reachable = await fetch(`${url}/__sim/health`, { signal: AbortSignal.timeout(2000) })
    .then((r) => r.ok)
    .catch(() => false);
  return { configured: true, reachable, url, control_api: '/console/sim/__sim' };
}

/**
 * The simulator path a request names, normalised as the simulator (and fetch) would read it: percent-
 * decoded, backslashes as slashes, empty and dot segments resolved. Anything that does not stay under
 * /__sim/ is refused (D127, issue 16 #12): `/__sim/../health` would reach the simulator's own API.
 */
export function simulatorPath(requestPath: string): string {
  const refuse = () =>
    badRequest('INVALID_SIMULATOR_PATH', "The path must stay under the simulator's /__sim/ control API");
  let decoded: string;
  try {
    decoded = decodeURIComponent(requestPath.slice('/console/sim'.length));
  } catch {
    throw refuse();
  }
  const segments: string[] = [];
  for (const segment of decoded.replaceAll('\\', '/').split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  if (segments[0] !== '__sim') throw refuse();
  return `/${segments.map(encodeURIComponent).join('/')}`;
}

/** Forwards one control-API request to the simulator and answers with what it answered. */
async function forward(ctx: Context & { state: AppState }, simulatorUrl: string, db: Db) {
  const rest = simulatorPath(ctx.path); // "/__sim/…"
  const method = ctx.method;
  const body = method === 'GET' || method === 'HEAD' ? undefined : ctx.state.rawBody;
  let res: Response;
  try {
    res = await fetch(`${simulatorUrl}${rest}${ctx.querystring ? `?${ctx.querystring}` : ''}`, {
      method,
      headers: body?.length ? { 'content-type': ctx.get('content-type') || 'application/json' } : {},
      body: body?.length ? new Uint8Array(body) : undefined,
      signal: AbortSignal.timeout(SIM_TIMEOUT_MS),
    });
  } catch {
    throw simulatorError(502, 'SIMULATOR_UNREACHABLE', `The simulator at ${simulatorUrl} does not answer`);
  }
  const text = await res.text();
  if (method !== 'GET' && method !== 'HEAD' && res.ok)
    await recordAudit(db, ctx.state.operator!, {
      action: 'simulator.changed',
      targetType: 'simulator',
      targetId: rest,
      details: { method, path: rest, body: body?.length ? body.toString('utf8').slice(0, 2000) : null },
      requestId: ctx.state.requestId,
    });
  ctx.status = res.status;
  ctx.type = res.headers.get('content-type') ?? 'application/json';
  ctx.body = text;
}

export function consoleRoutes(config: Config, db: Db): Router<AppState> {
  const router = new Router<AppState>();
  const auth = operatorAuth(config, db);

  // the router matches /console and /console/ alike; the page's relative links need the slash
  router.get('/console', async (ctx) => {
    if (!ctx.path.endsWith('/')) return ctx.redirect('/console/');
    secureHeaders(ctx);
    ctx.set('Cache-Control', 'no-cache');
    ctx.type = 'html';
    const index = path.join(CONSOLE_DIST, 'index.html');
    if (!existsSync(index)) {
      ctx.status = 503;
      ctx.body =
        '<!doctype html><meta charset="utf-8"><title>Otto console</title><p>The console is not built. ' +
        'Run <code>npm run build:console</code> (npm install and npm start do it).</p>';
      return;
    }
    ctx.body = await readFile(index);
  });
  router.get('/console/assets/:name', async (ctx) => {
    const type = own(ASSETS, ctx.params.name ?? '');
    const file = path.join(CONSOLE_DIST, ctx.params.name ?? '');
    if (!type || !existsSync(file)) throw notFound('Asset');
    secureHeaders(ctx);
    ctx.set('Cache-Control', 'no-cache');
    ctx.type = type;
    ctx.body = await readFile(file);
  });

  router.get('/api/v1/ops/simulator', auth, async (ctx) => {
    ctx.body = await simulatorLink(config);
  });
  router.all(/^\/console\/sim\/__sim(\/.*)?$/, auth, jsonBody(), async (ctx) => {
    if (!config.console.simulatorUrl)
      throw simulatorError(
        404,
        'SIMULATOR_NOT_CONFIGURED',
        'Otto does not run beside a simulator (SIMULATOR_URL)',
      );
    await forward(ctx, config.console.simulatorUrl, db);
  });
  return router;
}
