// The moves an operation's status may make (shunya_operations.status), beside the job's table (table.ts),
// with the transition that makes each (D233). An operation is one remote Shunya job for one stage:
//
//     (new) → submitting → submitted → completed
//                 │            │
//                 └────────────┴──→ failed → superseded (the stage starts again with a new operation)
//     submitting | submitted | failed → superseded (an operator's retry abandons the stage's work)
//
// `completed` and `superseded` are final. Each transition function that changes an operation's status
// declares its row here under its own name; test/integration/operation-transitions.test.ts runs each from
// every status. deferStep and failStage's `noted` part record an error on an operation that goes on,
// without moving its status.
import type { OperationStatus } from '../model.ts';

export type OperationFrom = OperationStatus | 'new';

export interface OperationTransitionRow {
  /** the (from, to) status pairs the transition makes; `new`: the operation is being created */
  pairs: readonly (readonly [OperationFrom, OperationStatus])[];
  meaning: string;
}

const LIVE_TO = (to: OperationStatus) =>
  [
    ['submitting', to],
    ['submitted', to],
  ] as const;

export const OPERATION_TRANSITIONS = {
  ensureOperation: { pairs: [['new', 'submitting']], meaning: "a job's stage gets its operation" },
  createCallWithJob: {
    pairs: [['new', 'submitting']],
    meaning: "a trigger's job admitted at once gets its stage's operation, for its step's payload (D341)",
  },
  admit: {
    pairs: [['new', 'submitting']],
    meaning: "an admitted job whose stage has no live operation gets one, for its step's payload (D340)",
  },
  runningJobAndOperation: {
    pairs: [['new', 'submitting']],
    meaning: "a running job's step finds (or creates) its stage's operation",
  },
  replaceFailedOperation: {
    pairs: [
      ['failed', 'superseded'],
      ['new', 'submitting'],
    ],
    meaning: 'a retry resubmits a failed stage: a new operation, a new Idempotency-Key (§4.6)',
  },
  markSubmitted: {
    pairs: [['submitting', 'submitted']],
    meaning: 'Shunya accepted the submission, with its id',
  },
  markSubmittedSynchronously: {
    pairs: [['submitting', 'submitted']],
    meaning: 'Shunya answered the submission with its result (segmentation, D3)',
  },
  pollAgain: { pairs: [['submitted', 'submitted']], meaning: 'still at Shunya: the next poll is scheduled' },
  completeStage: {
    pairs: [...LIVE_TO('completed'), ['new', 'submitting']],
    meaning:
      "the stage's result is applied; a running job's next stage gets its operation, for its step's payload (D421)",
  },
  failStage: { pairs: LIVE_TO('failed'), meaning: "the stage failed, and with it the job's attempt" },
  settleFailedOperation: {
    pairs: LIVE_TO('failed'),
    meaning: 'the stage failed while its job waits for a retry: the operation alone is settled',
  },
  retryByOperator: {
    pairs: [...LIVE_TO('superseded'), ['failed', 'superseded']],
    meaning: "an operator's retry abandons what the stopped stage had at Shunya",
  },
} as const satisfies Record<string, OperationTransitionRow>;

export type OperationTransitionName = keyof typeof OPERATION_TRANSITIONS;

/** Every "from→to" pair some transition makes an operation's status take. */
export function allowedOperationPairs(): Set<string> {
  return new Set(
    (Object.values(OPERATION_TRANSITIONS) as OperationTransitionRow[]).flatMap((t) =>
      t.pairs.map(([f, to]) => `${f}→${to}`),
    ),
  );
}
