// No operation status move but operation-table.ts's can happen (D233): every transition that moves an
// operation's status is run on an operation in every status, on a real Postgres, and the status it leaves
// (and the status of any operation it creates) is checked against its row. From a status its row does not
// list, the operation must stay as it was.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobError } from '../../generated/otto/types.gen.ts';
import type { CompanyRow } from '../../src/domain/companies.ts';
import type { JobRow, JobStatus, OperationRow, OperationStatus } from '../../src/jobs/model.ts';
import * as transitions from '../../src/jobs/transitions/index.ts';
import {
  admit,
  allowedOperationPairs,
  completeStage,
  createCallWithJob,
  deferStep,
  ensureOperation,
  failStage,
  markSubmitted,
  markSubmittedSynchronously,
  OPERATION_TRANSITIONS,
  type OperationTransitionName,
  pollAgain,
  replaceFailedOperation,
  retryByOperator,
  runningJobAndOperation,
  settleFailedOperation,
} from '../../src/jobs/transitions/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildCompany } from '../helpers/factories.ts';

let t: TestDatabase;
let company: CompanyRow;

beforeAll(async () => {
  t = await createTestDatabase();
  company = await buildCompany(t.db);
});
afterAll(async () => {
  await t.drop();
});

const STATUSES: OperationStatus[] = ['submitting', 'submitted', 'completed', 'failed', 'superseded'];
const error: JobError = {
  error_code: 'X',
  error_type: 'server_error',
  message: 'x',
  retryable: true,
  http_status: 500,
  shunya_request_id: null,
  at: new Date().toISOString(),
};
const now = () => new Date();

/** A CSR call's job in `jobStatus` at transcription, with one transcription operation in `status`. */
async function operationIn(
  status: OperationStatus,
  jobStatus: JobStatus,
): Promise<{ job: JobRow; op: OperationRow }> {
  const [call] = await t
    .db('calls')
    .insert({ company_id: company.id, callrail_call_id: randomUUID(), callrail_payload: {} })
    .returning('*');
  const [job] = await t
    .db('shunya_jobs')
    .insert({
      company_id: company.id,
      job_type: 'csr_call',
      call_id: call.id,
      job_status: jobStatus,
      stage: 'transcription',
      attempts: 1,
      input_payload: {
        call_id: call.id,
        shunya_call_id: call.shunya_call_id,
        audio_url: 'https://a/b.mp3',
        call_type: 'csr_call',
      },
    })
    .returning('*');
  await t
    .db('shunya_job_attempts')
    .insert({ company_id: company.id, job_id: job.id, attempt: 1, stage: 'transcription' });
  const [op] = await t
    .db('shunya_operations')
    .insert({ company_id: company.id, job_id: job.id, kind: 'transcription', status })
    .returning('*');
  return { job, op };
}

type Case = {
  /** the job's status the transition expects (a retry waits `pending`; an operator retries a failed job) */
  jobStatus: JobStatus;
  run: (j: { job: JobRow; op: OperationRow }) => Promise<unknown>;
};

const running = (run: Case['run']): Case => ({ jobStatus: 'running', run });

const RUN: Record<OperationTransitionName, Case> = {
  // creates a job and an operation of its own; the operation in hand must stay as it was
  createCallWithJob: running(({ job }) =>
    createCallWithJob(t.db, {
      companyId: job.company_id,
      incoming: {
        callrailCallId: randomUUID(),
        recordingUrl: 'https://a/b.mp3',
        customerPhone: null,
        customerName: null,
        durationSeconds: null,
        direction: null,
        answered: null,
        startedAt: null,
        payload: {},
      },
      newLeadId: randomUUID(),
      maxAttempts: 5,
      limits: { slots: 1000, perHour: 0 },
      now: now(),
      traceparent: null,
      audit: null,
    }),
  ),
  admit: {
    jobStatus: 'pending',
    run: ({ job }) => admit(t.db, job.company_id, { slots: 1000, perHour: 0 }, now()),
  },
  ensureOperation: running(({ job }) => ensureOperation(t.db, job, 'transcription')),
  runningJobAndOperation: running(({ job }) => runningJobAndOperation(t.db, job.id)),
  replaceFailedOperation: running(({ job, op }) => replaceFailedOperation(t.db, job, op)),
  markSubmitted: running(({ job, op }) =>
    markSubmitted(t.db, {
      operationId: op.id,
      companyId: company.id,
      jobId: job.id,
      shunyaJobId: `s-${op.id}`,
      transcriptId: null,
      now: now(),
      firstPoll: now(),
    }),
  ),
  markSubmittedSynchronously: running(({ op }) => markSubmittedSynchronously(t.db, op.id, now())),
  pollAgain: running(({ op }) => pollAgain(t.db, op, now(), null)),
  completeStage: running(({ job, op }) =>
    completeStage(t.db, {
      job,
      op,
      adoptShunyaJobId: null,
      resultHash: 'h',
      output: {},
      domain: [],
      now: now(),
    }),
  ),
  failStage: running(({ job, op }) =>
    failStage(t.db, {
      job,
      op: { row: op, error, adoptShunyaJobId: null },
      error,
      retryAt: null,
      now: now(),
    }),
  ),
  settleFailedOperation: {
    jobStatus: 'pending',
    run: ({ op }) => settleFailedOperation(t.db, op.id, error, now(), null),
  },
  retryByOperator: { jobStatus: 'failed', run: ({ job }) => retryByOperator(t.db, job.id) },
};

const operationsOf = async (jobId: string) =>
  (await t.db('shunya_operations').where({ job_id: jobId }).select('id', 'status')) as {
    id: string;
    status: OperationStatus;
  }[];

describe("the operation's table", () => {
  it('has no pair but these', () => {
    expect([...allowedOperationPairs()].sort()).toEqual(
      [
        'new→submitting',
        'submitting→submitted',
        'submitted→submitted',
        'submitting→completed',
        'submitted→completed',
        'submitting→failed',
        'submitted→failed',
        'failed→superseded',
        'submitting→superseded',
        'submitted→superseded',
      ].sort(),
    );
  });

  it('names each row after the function that makes it', () => {
    const exported = new Map<string, unknown>(Object.entries(transitions));
    for (const name of Object.keys(OPERATION_TRANSITIONS))
      expect(typeof exported.get(name), name).toBe('function');
  });

  for (const [name, c] of Object.entries(RUN) as [OperationTransitionName, Case][]) {
    it(`${name} makes only its own moves, from every status`, async () => {
      const pairs = new Set<string>(OPERATION_TRANSITIONS[name].pairs.map(([f, to]) => `${f}→${to}`));
      const froms = new Set<string>(OPERATION_TRANSITIONS[name].pairs.map(([f]) => f));
      for (const from of STATUSES) {
        const j = await operationIn(from, c.jobStatus);
        await c.run(j);
        const after = await operationsOf(j.job.id);
        const to = after.find((o) => o.id === j.op.id)?.status;
        if (froms.has(from)) expect(pairs, `${name}: ${from}→${to}`).toContain(`${from}→${to}`);
        else expect(`${from}→${to}`, `${name} from ${from}`).toBe(`${from}→${from}`);
        // an operation it created starts as its row says
        for (const created of after.filter((o) => o.id !== j.op.id))
          expect(pairs, `${name} created one from ${from}`).toContain(`new→${created.status}`);
      }
    });
  }
});

// A fallback poll scheduled ahead is noticed as such after its job's notification (D580), so that Otto's
// worker pools fetch nothing for it before the waker finds it due; a poll due at once is not.
describe('the notice of a job scheduled ahead (a fallback poll, a deferred step)', () => {
  const notices = async (run: () => Promise<unknown>) => {
    const client = new pg.Client({ connectionString: t.url });
    await client.connect();
    const seen: string[] = [];
    client.on('notification', (m) => seen.push(m.payload ?? ''));
    try {
      await client.query('LISTEN "jobs:insert"');
      await run();
      // a round trip after the commit: every notification sent before it has arrived
      await client.query('SELECT 1');
      return seen.map((p) => JSON.parse(p) as { count: number; ahead?: number });
    } finally {
      await client.end();
    }
  };
  const later = () => new Date(Date.now() + 60_000);

  it('follows markSubmitted when the poll is ahead, and not when it is due', async () => {
    for (const [firstPoll, noticed] of [
      [later(), 1],
      [new Date(Date.now() - 1000), 0],
    ] as const) {
      const { job, op } = await operationIn('submitting', 'running');
      const seen = await notices(() =>
        markSubmitted(t.db, {
          operationId: op.id,
          companyId: company.id,
          jobId: job.id,
          shunyaJobId: `s-${op.id}`,
          transcriptId: null,
          now: now(),
          firstPoll,
        }),
      );
      expect(seen.map((n) => n.count)).toEqual(noticed ? [1, 0] : [1]);
      expect(seen.filter((n) => n.ahead === 1)).toHaveLength(noticed);
    }
  });

  it('follows deferStep', async () => {
    const { job } = await operationIn('submitting', 'running');
    const seen = await notices(() => deferStep(t.db, job.id, error, later()));
    expect(seen.map((n) => [n.count, n.ahead ?? null])).toEqual([
      [1, null],
      [0, 1],
    ]);
  });

  it('follows pollAgain', async () => {
    const { op } = await operationIn('submitted', 'running');
    const seen = await notices(() => pollAgain(t.db, op, later(), null));
    expect(seen.map((n) => [n.count, n.ahead ?? null])).toEqual([
      [1, null],
      [0, 1],
    ]);
  });
});
