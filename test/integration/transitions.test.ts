// No transition but §9.2's (transitions/table.ts) can happen: every transition function is run on a job in
// every status, on a real Postgres, and the status it leaves is checked against its row of the table. A
// transition from a status its row does not list must change nothing.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobError } from '../../generated/otto/types.gen.ts';
import type { CompanyRow } from '../../src/domain/companies.ts';
import type { JobRow, JobStatus, OperationRow } from '../../src/jobs/model.ts';
import * as transitions from '../../src/jobs/transitions/index.ts';
import {
  admit,
  allowedPairs,
  type CallWithJob,
  completeStage,
  createCallWithJob,
  deferStep,
  failStage,
  markSubmitted,
  pollAgain,
  requeueLost,
  retryByOperator,
  TRANSITIONS,
  type TransitionName,
  timeOutJobs,
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

/** A new CallRail call with a recording through the trigger's statement (D341, D400). */
const newCall = (companyId: string, limits: { slots: number; perHour: number }) =>
  createCallWithJob(t.db, {
    companyId,
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
    limits,
    now: new Date(),
    traceparent: null,
    audit: null,
  }) as Promise<CallWithJob>;

const STATUSES: JobStatus[] = ['pending', 'running', 'succeeded', 'failed', 'timeout'];
const error: JobError = {
  error_code: 'X',
  error_type: 'server_error',
  message: 'x',
  retryable: true,
  http_status: 500,
  shunya_request_id: null,
  at: new Date().toISOString(),
};

/** A CSR call's job in `status` at `stage`, created long ago, with a live operation of that stage. */
async function jobIn(
  status: JobStatus,
  stage: 'transcription' | 'analysis',
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
      job_status: status,
      stage,
      attempts: status === 'pending' ? 0 : 1,
      input_payload: {
        call_id: call.id,
        shunya_call_id: call.shunya_call_id,
        audio_url: 'https://a/b.mp3',
        call_type: 'csr_call',
      },
      created_at: new Date(Date.now() - 3 * 86_400_000),
      updated_at: new Date(Date.now() - 3 * 86_400_000),
    })
    .returning('*');
  await t.db('shunya_job_attempts').insert({ company_id: company.id, job_id: job.id, attempt: 1, stage });
  const [op] = await t
    .db('shunya_operations')
    .insert({ company_id: company.id, job_id: job.id, kind: stage, status: 'submitting' })
    .returning('*');
  return { job, op };
}

const statusOf = async (id: string) =>
  ((await t.db('shunya_jobs').where({ id }).first('job_status')) as { job_status: JobStatus }).job_status;

const now = () => new Date();
const limits = { slots: 1000, perHour: 0 };

type Case = {
  /** the stage the job is at */
  stage: 'transcription' | 'analysis';
  run: (j: { job: JobRow; op: OperationRow }) => Promise<unknown>;
};

const completeCase = (stage: Case['stage']): Case => ({
  stage,
  run: ({ job, op }) =>
    completeStage(t.db, {
      job,
      op,
      adoptShunyaJobId: null,
      resultHash: 'h',
      output: { x: 1 },
      domain: [],
      now: now(),
    }),
});

const failCase = (retryAt: Date | null): Case => ({
  stage: 'transcription',
  run: ({ job, op }) =>
    failStage(t.db, {
      job,
      op: { row: op, error, adoptShunyaJobId: null },
      error,
      retryAt,
      now: now(),
    }),
});

const one = (run: Case['run']): Case[] => [{ stage: 'transcription', run }];

/**
 * Each transition, by its row's name, run on one job (the others are left alone where the function takes a
 * batch); a transition whose row has two outcomes runs once for each.
 */
const RUN: Record<
  Exclude<TransitionName, 'createCsrCallJob' | 'createSalesVisitJob' | 'createCallWithJob'>,
  Case[]
> = {
  admit: one(() => admit(t.db, company.id, limits, now())),
  markSubmitted: one(({ job, op }) =>
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
  deferStep: one(({ job }) => deferStep(t.db, job.id, error, now())),
  pollAgain: one(async ({ op }) => {
    await t.db('shunya_operations').where({ id: op.id }).update({ status: 'submitted' });
    return pollAgain(t.db, op, now(), { error, unreadable: true });
  }),
  // the next stage; and the last stage, which ends the job
  completeStage: [completeCase('transcription'), completeCase('analysis')],
  // attempts left; and none
  failStage: [failCase(new Date(Date.now() + 60_000)), failCase(null)],
  timeOutJobs: one(() => timeOutJobs(t.db, new Date(Date.now() - 86_400_000), error)),
  retryByOperator: one(({ job }) => retryByOperator(t.db, job.id)),
  requeueLost: one(() => requeueLost(t.db, 0, error)),
};

describe('the transition table', () => {
  it("mirrors §9.2 (Otto's reading of it, D97): no other pair", () => {
    expect([...allowedPairs()].sort()).toEqual(
      [
        'new→pending',
        'new→running',
        'pending→running',
        'running→running',
        'pending→pending',
        'running→succeeded',
        'pending→succeeded',
        'running→pending',
        'running→failed',
        'pending→timeout',
        'running→timeout',
        'failed→pending',
        'timeout→pending',
      ].sort(),
    );
  });

  it('create makes a pending job (the tenant has no free slot)', async () => {
    const { job } = await newCall(company.id, { slots: 0, perHour: 0 });
    expect(job?.job_status).toBe('pending');
  });

  describe("a CallRail trigger's job, admitted in the trigger's statement (D341)", () => {
    const slots = { slots: 2, perHour: 0 };
    const trigger = async (companyId: string, limits = slots) => {
      const { job, stepped } = await newCall(companyId, limits);
      return { job: job as JobRow, stepped: stepped as number };
    };
    const runningOf = async (companyId: string) =>
      (await t.db('tenant_admission').where({ company_id: companyId }).first()).running as number;

    it('starts the job when the tenant has a free slot: attempt, operation, step with its payload', async () => {
      const c = await buildCompany(t.db);
      const { job, stepped } = await trigger(c.id);
      expect(job).toMatchObject({ job_status: 'running', attempts: 1, stage: 'transcription' });
      expect(job.admitted_at).not.toBeNull();
      expect(stepped).toBe(1);
      expect(await runningOf(c.id)).toBe(1);
      expect(await t.db('shunya_job_attempts').where({ job_id: job.id }).first()).toMatchObject({
        attempt: 1,
      });
      const op = await t.db('shunya_operations').where({ job_id: job.id }).first();
      expect(op).toMatchObject({ kind: 'transcription', status: 'submitting' });
      const step = await t.db.raw('SELECT payload FROM graphile_worker._private_jobs WHERE key = ?', [
        `advance:${job.id}`,
      ]);
      expect(step.rows[0].payload.op.id).toBe(op.id);
      expect(step.rows[0].payload.job).toMatchObject({ id: job.id, job_status: 'running' });
    });

    it('leaves it pending, and the slot count alone, when the slots are taken', async () => {
      const c = await buildCompany(t.db);
      await trigger(c.id);
      await trigger(c.id);
      const { job, stepped } = await trigger(c.id);
      expect(job).toMatchObject({ job_status: 'pending', attempts: 0, admitted_at: null });
      expect(stepped).toBe(0);
      expect(await runningOf(c.id)).toBe(2);
      expect(await t.db('shunya_operations').where({ job_id: job.id })).toEqual([]);
    });

    it('leaves it pending behind a due job of the tenant that waits, and when the hourly quota is used', async () => {
      const c = await buildCompany(t.db);
      const waiting = await trigger(c.id, { slots: 0, perHour: 0 });
      expect(waiting.job.job_status).toBe('pending');
      expect((await trigger(c.id)).job.job_status).toBe('pending');
      const q = await buildCompany(t.db);
      expect((await trigger(q.id, { slots: 5, perHour: 1 })).job.job_status).toBe('running');
      expect((await trigger(q.id, { slots: 5, perHour: 1 })).job.job_status).toBe('pending');
    });
  });

  it('names each row after the function that makes it', () => {
    const exported = new Map<string, unknown>(Object.entries(transitions));
    for (const name of Object.keys(TRANSITIONS)) expect(typeof exported.get(name), name).toBe('function');
  });

  for (const [name, cases] of Object.entries(RUN) as [keyof typeof RUN, Case[]][]) {
    it(`${name} makes only its own transitions, from every status`, async () => {
      const pairs = new Set<string>(TRANSITIONS[name].pairs.map(([f, to]) => `${f}→${to}`));
      const froms = new Set<string>(TRANSITIONS[name].pairs.map(([f]) => f));
      for (const c of cases)
        for (const from of STATUSES) {
          // every other job of the tenant ended, so that batch transitions find this one only
          await t.db('shunya_jobs').where({ company_id: company.id }).update({ job_status: 'succeeded' });
          const j = await jobIn(from, c.stage);
          await c.run(j);
          const to = await statusOf(j.job.id);
          // from a status its row lists, the transition happens, and only as the row says; from any other,
          // nothing changes
          if (froms.has(from)) expect(pairs, `${name}: ${from}→${to}`).toContain(`${from}→${to}`);
          else expect(`${from}→${to}`, `${name} from ${from}`).toBe(`${from}→${from}`);
        }
    });
  }
});

describe('markSubmitted', () => {
  // A step admission added submits without reading its job (D340); the job may have stopped running since.
  it('leaves the operation of a job that is no longer running as it was, and schedules no poll', async () => {
    for (const from of STATUSES.filter((s) => s !== 'running')) {
      const { job, op } = await jobIn(from, 'transcription');
      const marked = await markSubmitted(t.db, {
        operationId: op.id,
        companyId: company.id,
        jobId: job.id,
        shunyaJobId: `stale-${op.id}`,
        transcriptId: null,
        now: now(),
        firstPoll: now(),
      });
      expect(marked, from).toBe(false);
      const after = await t.db('shunya_operations').where({ id: op.id }).first();
      expect(after, from).toMatchObject({ status: 'submitting', shunya_job_id: null });
      const polls = await t.db.raw(
        'SELECT count(*)::int AS n FROM graphile_worker._private_jobs WHERE key = ?',
        [`poll:${op.id}`],
      );
      expect(polls.rows[0].n, from).toBe(0);
    }
  });
});
