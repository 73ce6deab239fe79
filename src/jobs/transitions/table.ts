// The transitions a job's status may make, mirroring the handoff's §9.2 diagram:
//
//     pending → running → succeeded
//                     ↓
//                   failed → (retry) → pending
//                     ↓
//                   timeout (after 24h)
//
// Otto's reading of it (D34, D35, D37, D97): a failed attempt with attempts left goes back to `pending`
// with a due time (the diagram's "failed → (retry) → pending" without stopping at `failed`, which is
// terminal: only an operator's retry leaves it); `timeout` is reached from `pending` or `running`; a stage
// may complete while its job waits for a retry (a late result is the stage's result all the same), and the
// last stage's result then ends the job from `pending`. Each transition function in this directory
// declares its row here under its own name (D234), and its SQL changes a job only from these statuses
// (test/integration/transitions.test.ts runs every transition from every status). An operation's statuses
// have their own table beside this one (operation-table.ts).
import type { JobStatus } from '../model.ts';

export type From = JobStatus | 'new';

export interface TransitionRow {
  /** the (from, to) status pairs the transition makes; `new`: the job is being created */
  pairs: readonly (readonly [From, JobStatus])[];
  /** in §9.2's words */
  meaning: string;
}

export const TRANSITIONS = {
  createCsrCallJob: {
    pairs: [['new', 'pending']],
    meaning: 'a trigger creates the job, pending (a repeated delivery that brought the recording, D32)',
  },
  createCallWithJob: {
    pairs: [
      ['new', 'pending'],
      ['new', 'running'],
    ],
    meaning:
      'a CallRail trigger creates the job, running at once when the tenant has room, else pending (D341, D400)',
  },
  createSalesVisitJob: { pairs: [['new', 'pending']], meaning: 'a trigger creates the job, pending' },
  admit: { pairs: [['pending', 'running']], meaning: 'pending → running: a slot and the quota allow it' },
  markSubmitted: { pairs: [['running', 'running']], meaning: 'running: the stage is submitted to Shunya' },
  deferStep: {
    pairs: [['running', 'running']],
    meaning: 'running: Shunya asked to wait (rate limit, open breaker)',
  },
  pollAgain: {
    pairs: [
      ['running', 'running'],
      ['pending', 'pending'],
    ],
    meaning: 'waiting for Shunya: the next poll is scheduled, a failed poll noted (D80)',
  },
  completeStage: {
    pairs: [
      ['running', 'running'],
      ['pending', 'pending'],
      ['running', 'succeeded'],
      ['pending', 'succeeded'],
    ],
    meaning: 'a stage completes and the job goes on to its next stage; after the last, running → succeeded',
  },
  failStage: {
    pairs: [
      ['running', 'pending'],
      ['running', 'failed'],
    ],
    meaning:
      'failed → (retry) → pending: attempts are left; running → failed: a permanent failure, or no attempt left',
  },
  timeOutJobs: {
    pairs: [
      ['pending', 'timeout'],
      ['running', 'timeout'],
    ],
    meaning: 'timeout (after 24h)',
  },
  retryByOperator: {
    pairs: [
      ['failed', 'pending'],
      ['timeout', 'pending'],
    ],
    meaning: "failed → (retry) → pending: an operator's retry",
  },
  requeueLost: {
    pairs: [['running', 'pending']],
    meaning: 'running → pending: a job whose step was lost goes back in line',
  },
} as const satisfies Record<string, TransitionRow>;

export type TransitionName = keyof typeof TRANSITIONS;

/** Every "from→to" pair some transition makes. */
export function allowedPairs(): Set<string> {
  return new Set(
    (Object.values(TRANSITIONS) as TransitionRow[]).flatMap((t) => t.pairs.map(([f, to]) => `${f}→${to}`)),
  );
}
