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
import type { Worker, WorkerEvents } from 'graphile-worker';

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
  events.on('pool:create', ({ workerPool }) => {
    nudge = (count: number) => {
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
    workerPool.nudge = nudge;
  });
}
