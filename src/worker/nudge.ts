// graphile-worker 0.17's nudge (`workerPool.nudge(n)`, which its `jobs:insert` notification and Otto's waker
// call) walks the pool's workers in order, calling each one's `nudge()` until `n` idle ones are woken. Every
// worker it passes that is not idle is marked to fetch `again`: harmless for one running a job (it fetches
// after the job anyway), but one in the middle of a fetch that finds nothing fetches once more at once. So a
// notification that finds few idle workers costs a fetch from every fetching worker, and a notification for
// a job scheduled ahead (a fallback poll: nothing is due) finds nothing at all. Under load most workers are
// fetching at any instant, and most of those fetches find nothing (D521).
//
// Otto's nudge gives each announced job one fresh fetch, not one per worker: an idle worker woken now (its
// fetch starts after the job's commit, so it sees it), else one fetching worker marked `again` (its current
// fetch may predate the job; if it finds nothing it fetches again at once). A marked worker that found some
// other job instead drops the mark, so it is handed on. Jobs left over when every worker runs a job need
// nothing: each worker fetches after its job, after the commit. That is what graphile-worker's walk
// guarantees, with one marked worker where it marked them all.
//
// A job scheduled ahead (a fallback poll) is announced by the same notification as a due one, so the pool
// holds back what notifications announce until the current turn of the event loop ends, by the backend that
// sent them, and takes off what Otto's notices of jobs scheduled ahead (queue.ts aheadNotice, sent after the
// job's notification in the same transaction) say was not due (D580). The waker starts those when they fall
// due, as it starts every scheduled job (wake.ts, D432).
import type { Worker, WorkerEvents } from 'graphile-worker';
import { AHEAD_KEY } from '../jobs/queue.ts';

export function nudgeIdleFirst(events: WorkerEvents): void {
  /** waiting for their poll timer or a nudge: `nudge()` wakes them at once */
  const idle = new Set<Worker>();
  /** in the middle of a fetch */
  const fetching = new Set<Worker>();
  /** fetching workers marked `again` for an announced job */
  const marked = new Set<Worker>();
  /** released workers are never nudged again (graphile-worker asserts it) */
  const released = new WeakSet<Worker>();
  let nudge: (count: number) => void = () => {};

  const stop = (worker: Worker) => {
    fetching.delete(worker);
    // a mark is spent by a fetch that found nothing (the fetch again starts at once); otherwise handed on
    return marked.delete(worker);
  };
  events.on('worker:getJob:start', ({ worker }) => {
    idle.delete(worker);
    fetching.add(worker);
  });
  events.on('worker:getJob:empty', ({ worker }) => {
    stop(worker);
    // a worker marked `again` fetches at once, within this emit: its getJob:start takes it out of `idle`
    if (!released.has(worker)) idle.add(worker);
  });
  events.on('worker:getJob:error', ({ worker }) => {
    const handOn = stop(worker);
    if (!released.has(worker)) idle.add(worker);
    if (handOn) nudge(1);
  });
  events.on('job:start', ({ worker }) => {
    if (stop(worker)) nudge(1);
  });
  events.on('worker:release', ({ worker }) => {
    released.add(worker);
    idle.delete(worker);
    if (stop(worker)) nudge(1);
  });
  const announced = announcements();
  events.on('pool:listen:notification', ({ message }) => {
    if (message.channel === 'jobs:insert') announced.notified(message.processId, message.payload);
  });
  events.on('pool:create', ({ workerPool }) => {
    const wake = (count: number) => {
      if (workerPool._shuttingDown) return;
      let left = count;
      for (const worker of [...idle]) {
        if (left <= 0) return;
        // true: it was idle and is fetching now
        if (worker.nudge()) left--;
      }
      for (const worker of [...fetching]) {
        if (left <= 0) return;
        if (marked.has(worker)) continue;
        // false: not idle, so it is marked to fetch again
        worker.nudge();
        marked.add(worker);
        left--;
      }
    };
    nudge = wake;
    workerPool.nudge = (count: number) => announced.nudged(count, wake);
  });
}

/**
 * What graphile-worker's `jobs:insert` notifications announce, by the backend that sent them (D580). It
 * nudges its pool for a notification right after emitting `pool:listen:notification`, within the same call:
 * that nudge is held back to the end of this turn of the event loop (every notification of one socket read
 * is handled in it), less the jobs Otto's notices from the same backend said were scheduled ahead. A notice
 * only takes off what its backend announced before it, never below 0; one whose notification was already
 * let through (read in an earlier turn) takes nothing off: a fetch too many, as before.
 */
function announcements() {
  const held = new Map<number, number>();
  /** the backend whose notification graphile-worker is about to nudge for */
  let announcing: number | null = null;
  let flushing = false;
  let wake: (count: number) => void = () => {};

  const flush = () => {
    flushing = false;
    let total = 0;
    for (const n of held.values()) total += n;
    held.clear();
    if (total > 0) wake(total);
  };
  return {
    notified(pid: number, payload: string | undefined) {
      const p = parse(payload);
      const ahead = aheadIn(p);
      if (ahead > 0) {
        const n = held.get(pid);
        if (n !== undefined) held.set(pid, Math.max(0, n - ahead));
        return;
      }
      // graphile-worker's rule (main.js handleNotification): a count, 1 when none is given, nudged if positive
      if (Number(p?.count ?? 1) > 0) {
        announcing = pid;
        // it nudges within this call; should it not, no later nudge is taken for this one's
        queueMicrotask(() => {
          announcing = null;
        });
      }
    },
    nudged(count: number, w: (count: number) => void) {
      wake = w;
      const pid = announcing;
      announcing = null;
      if (pid === null) return w(count);
      held.set(pid, (held.get(pid) ?? 0) + count);
      if (!flushing) {
        flushing = true;
        setImmediate(flush);
      }
    },
  };
}

/** How many jobs a `jobs:insert` payload says were scheduled ahead: Otto's notice (D580), else 0. */
export function aheadNotified(payload: string | undefined): number {
  return aheadIn(parse(payload));
}

function aheadIn(p: Record<string, unknown> | null): number {
  const n = Number(p?.[AHEAD_KEY] ?? 0);
  return Number.isFinite(n) ? n : 0;
}

function parse(payload: string | undefined): Record<string, unknown> | null {
  if (!payload) return null;
  try {
    const v: unknown = JSON.parse(payload);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    // graphile-worker reads an unreadable payload as a count of 1, and so does this
    return null;
  }
}
