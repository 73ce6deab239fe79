// buildSimulator() makes the Koa app and the simulated Shunya behind it, without listening;
// startSimulator() listens on a real socket (Otto's end-to-end tests call it in-process).
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import pino from 'pino';
import { adminRoutes } from './admin/routes.ts';
import { errors } from './errors.ts';
import { DEV_SECRETS, presetList, type SimulatorOptions, settingsFrom } from './options.ts';
import { analysisRoutes } from './routes/analysis.ts';
import { healthRoutes } from './routes/health.ts';
import type { SimContextState } from './routes/pipeline.ts';
import { segmentationRoutes } from './routes/segmentation.ts';
import { transcriptionRoutes } from './routes/transcription.ts';
import { Simulator } from './simulator.ts';

export interface BuiltSimulator {
  app: Koa<SimContextState>;
  sim: Simulator;
}

export function buildSimulator(options: SimulatorOptions = {}): BuiltSimulator {
  const logger = pino({ name: 'shunya-simulator', level: options.logLevel ?? 'silent' });
  const start = options.startTime === undefined ? undefined : new Date(options.startTime).getTime();
  if (start !== undefined && Number.isNaN(start))
    throw new Error(`startTime is not a date: ${options.startTime}`);
  const sim = new Simulator({
    jwtSecret: options.jwtSecret ?? DEV_SECRETS.jwt,
    hmacSecret: options.hmacSecret ?? DEV_SECRETS.hmac,
    settings: settingsFrom(options),
    presets: presetList(options.preset),
    faults: options.faults ?? [],
    scenarios: options.scenarios ?? [],
    ...(start !== undefined ? { startTimeMs: start } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.retentionS !== undefined ? { retentionS: options.retentionS } : {}),
    logger,
  });

  const app = new Koa<SimContextState>();
  app.silent = true;
  // X-Request-ID on every response: echoed, or a new UUID.
  app.use(async (ctx, next) => {
    ctx.state.requestId = ctx.get('x-request-id') || randomUUID();
    const company = ctx.get('x-company-id');
    if (sim.deviates(company, 'request_id_replaced')) ctx.set('X-Request-ID', randomUUID());
    else if (!sim.deviates(company, 'no_request_id')) ctx.set('X-Request-ID', ctx.state.requestId);
    await next();
    if (ctx.status === 404 && ctx.body === undefined) {
      ctx.status = 404;
      ctx.body = errors.notFoundRoute(ctx.path).toEnvelope(sim.clock.nowIso(), ctx.state.requestId);
    }
  });
  for (const router of [
    healthRoutes(sim),
    transcriptionRoutes(sim),
    analysisRoutes(sim),
    segmentationRoutes(sim),
    adminRoutes(sim),
  ]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return { app, sim };
}

export interface SimulatorHandle {
  /** http://host:port, without a trailing slash. */
  url: string;
  port: number;
  sim: Simulator;
  server: Server;
  close(): Promise<void>;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const { app, sim } = buildSimulator(options);
  const server = app.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port, address } = server.address() as AddressInfo;
  const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  sim.logger.info({ url }, 'Shunya simulator listening');
  return {
    url,
    port,
    sim,
    server,
    close: async () => {
      sim.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await sim.webhooks.settle();
    },
  };
}
