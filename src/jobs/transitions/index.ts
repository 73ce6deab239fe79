// The job's state transitions, all of them, one file each (in the spirit of graphile-worker's one SQL file
// per state change). Nothing outside this directory writes a job, an operation, an attempt or a tenant's
// slot count (test/unit/architecture.test.ts; D231). Each function is named as its row of table.ts and
// operation-table.ts (D234).
//
// Glossary
//   job        A ShunyaJob (§2.1, §10.1): Otto's unit of work for one CSR call or one sales visit, from the
//              trigger to its terminal status. Its status is one of §9.2's: pending, running, succeeded,
//              failed, timeout (table.ts).
//   stage      The step of a job's work at Shunya: transcription, then analysis (a CSR call), or
//              transcription, segmentation, analysis (a sales visit); `done` after the last.
//   operation  One remote Shunya job for one stage (shunya_operations): submitting → submitted → completed |
//              failed, or superseded when the stage is started again (operation-table.ts). It carries
//              Shunya's id (§4.6).
//   attempt    One job-level try (§9.1: five, with backoff), from admission until the job succeeds,
//              fails, or waits for its next try (shunya_job_attempts, for the ops API).
//   slot       One of a tenant's `TENANT_MAX_CONCURRENT` places for running jobs (§11.2): a running job
//              holds one; tenant_admission.running counts them.
//   admission  pending → running, when a slot is free and the hourly quota allows (admit.ts). Only
//              admitted work is in graphile-worker's queue.
//   step       The graphile-worker job (`otto_advance`) that does a running job's next piece of work
//              (submit its stage), added in the statement that makes it due.
//   poll       The fallback when Shunya's webhook does not come (§9.3): a scheduled `otto_poll` per
//              submitted operation, removed when the operation settles.
//   inbox      webhook_deliveries: every Shunya webhook as received, with its verdict.
//
// Each transition is one statement where it can be (its guard is the status and stage the job was read
// with; when it finds the job moved on, it writes nothing and says so), and everything that goes with it
// is in that statement: the operation, the attempt, the slot, the outbox events, the next step. A
// transition that frees a slot is followed by an admission of the tenant (a statement of its own, D97),
// except a last stage's completion, which admits in its own statement and leaves only a slot it could not
// fill to a separate admission (D332).
export { type AdmissionLimits, admit, limitsOf } from './admit.ts';
export {
  type Applied,
  completeFoldedStage,
  completeStage,
  type DomainRow,
  type FoldedOutcome,
  type FoldedStage,
  type InboxRow,
  OWNER_KEY,
  type StageResult,
} from './complete-stage.ts';
export {
  type CallWithJob,
  CREATE_CALL_WITH_JOB,
  createCallWithJob,
  createCsrCallJob,
  createSalesVisitJob,
  TenantChanged,
  type TenantSeen,
} from './create.ts';
export { deferStep } from './defer-step.ts';
export { type Failed, failStage, type StageFailure } from './fail-stage.ts';
export { markSubmitted } from './mark-submitted.ts';
export {
  allowedOperationPairs,
  OPERATION_TRANSITIONS,
  type OperationTransitionName,
} from './operation-table.ts';
export {
  ensureOperation,
  markSubmittedSynchronously,
  replaceFailedOperation,
  runningJobAndOperation,
  settleFailedOperation,
} from './operations.ts';
export { pollAgain } from './poll-again.ts';
export { reconcileSlots, type SlotCorrection } from './reconcile-slots.ts';
export { type PollAnswer, recordPollAnswer } from './record-poll-answer.ts';
export { requeueLost } from './requeue-lost.ts';
export { type OperatorRetry, retryByOperator } from './retry-by-operator.ts';
export { allowedPairs, TRANSITIONS, type TransitionName } from './table.ts';
export { timeOutJobs } from './time-out-jobs.ts';
