// Liveness (/health: the process answers) and readiness (/ready: database and worker reachable).
import Router from '@koa/router';
import { type Db, pingDatabase } from '../../db/knex.ts';
import type { AppState } from '../context.ts';

export type WorkerCheck = () => Promise<'ok' | 'unreachable' | 'disabled'>;

async function databaseCheck(db: Db): Promise<'ok' | 'unreachable'> {
  try {
    await Promise.race([
      pingDatabase(db),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref()),
    ]);
    return 'ok';
  } catch {
    return 'unreachable';
  }
}

export function healthRoutes(db: Db, workerCheck: WorkerCheck): Router<AppState> {
  const router = new Router<AppState>();
  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/ready', async (ctx) => {
    const [database, worker] = await Promise.all([databaseCheck(db), workerCheck()]);
    const ready = database === 'ok' && worker !== 'unreachable';
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'not_ready', checks: { database, worker } };
  });
  return router;
}
