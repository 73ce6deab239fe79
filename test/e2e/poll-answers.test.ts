// Each poll's answer in the journey (issue 20 item 4, D275–D277): with every webhook dropped, the poller
// finishes the job after "processing" answers, and the journey (the ops API) lists every answer in order,
// its HTTP status and duration, and nothing of the result body; a poll the simulator answers with an
// injected 500 is listed with that status, its error code and Shunya's request id (D382).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zJobJourney } from '../../generated/otto/zod.gen.ts';
import { prune } from '../../src/worker/prune.ts';
import { buildCompany, callRailPayload, postCallRail } from '../helpers/factories.ts';
import { TEST_ADMIN } from '../helpers/secrets.ts';
import { type Stack, startStack, terminalJob } from '../helpers/stack.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
  // 60 virtual seconds of transcription: about 3 s at the stack's time scale, so polls one second apart
  // find it still processing at least once
  await s.admin('PUT', '/config', { latency: { transcription: { model: 'fixed', seconds: 60 } } });
});
afterAll(async () => {
  await s?.close();
});

/** A call whose webhooks are all dropped: the poller finishes it. `faults`: more of the tenant's. */
async function polledJob(faults: Record<string, unknown>[] = []) {
  const company = await buildCompany(s.db);
  await s.admin('POST', '/faults', { kind: 'webhook_drop', company_id: company.id, probability: 1 });
  for (const f of faults) await s.admin('POST', '/faults', { ...f, company_id: company.id });
  const res = await postCallRail(s.otto.url, company, callRailPayload(company));
  expect(res.status).toBe(202);
  const job = await terminalJob(s.db, { call_id: (await res.json()).call_id });
  expect(job.job_status).toBe('succeeded');
  return job;
}

/** The job's journey from the ops API, its transcription and that operation's poll answers in order. */
async function transcriptionAnswers(jobId: string) {
  const got = await fetch(`${s.otto.url}/api/v1/ops/jobs/${jobId}/journey`, { headers: TEST_ADMIN });
  expect(got.status).toBe(200);
  const j = zJobJourney.parse(await got.json());
  const transcription = j.operations.find((o) => o.kind === 'transcription');
  const answers = j.timeline.filter((e) => e.kind === 'poll_answer' && e.operation_id === transcription?.id);
  return { j, transcription, answers };
}

describe("each poll's answer", () => {
  it('is kept and listed in the journey, in order, for a job finished by polling', async () => {
    const job = await polledJob();
    const { j, transcription, answers } = await transcriptionAnswers(job.id);
    const states = answers.map((e) => e.answer);
    // one or more "processing" answers, then the one that found the result, and nothing after it
    expect(states.length).toBeGreaterThanOrEqual(2);
    expect(states.at(-1)).toBe('completed');
    expect(states.slice(0, -1).every((a) => a === 'processing' || a === 'queued')).toBe(true);
    expect(states).toContain('processing');
    expect(answers.map((e) => e.title)).toEqual(states.map((a, i) => `transcription: poll ${i + 1} → ${a}`));
    expect(answers.every((e) => e.http_status === 200 && (e.duration_ms ?? -1) >= 0)).toBe(true);
    // Shunya's X-Request-ID of each successful answer is kept (D382); the simulator echoes Otto's
    expect(answers.map((e) => e.shunya_request_id)).toEqual(answers.map(() => transcription?.request_id));
    expect(answers.length).toBe(transcription?.poll_count !== undefined ? transcription.poll_count + 1 : -1);

    // every poll answer of the job, across its operations, is an entry; the completed one comes before
    // the completion it led to
    const stored = await s.db('shunya_poll_answers').where({ job_id: job.id }).orderBy('id');
    expect(j.timeline.filter((e) => e.kind === 'poll_answer')).toHaveLength(stored.length);
    const kinds = j.timeline
      .filter((e) => e.operation_id === transcription?.id)
      .map((e) => e.kind)
      .filter((k) => k === 'poll_answer' || k === 'operation_completed');
    expect(kinds.at(-1)).toBe('operation_completed');
    // the small part only: no result body, no transcript
    expect(Object.keys(stored[0] ?? {}).sort()).toEqual(
      [
        'answer',
        'answered_at',
        'company_id',
        'duration_ms',
        'error_code',
        'http_status',
        'id',
        'job_id',
        'operation_id',
        'poll_number',
        'shunya_request_id',
      ].sort(),
    );
  });

  it("of a status other than 200 is listed with that status and Shunya's request id (D382)", async () => {
    const job = await polledJob([
      {
        kind: 'error',
        operations: ['transcription_status'],
        count: 1,
        params: { status: 500, retryable: false, error_code: 'PERMANENT_FAILURE' },
      },
    ]);
    const { transcription, answers } = await transcriptionAnswers(job.id);
    const failed = answers.filter((e) => e.answer === 'error');
    expect(failed).toHaveLength(1);
    // Shunya's error envelope names the request it answered: the simulator echoes Otto's X-Request-ID
    expect(failed[0]).toMatchObject({
      http_status: 500,
      error_code: 'PERMANENT_FAILURE',
      shunya_request_id: transcription?.request_id,
    });
    expect(failed[0]?.title).toBe(`transcription: poll ${answers.indexOf(failed[0] as never) + 1} → error`);
    // the next poll found the result: the failed one did not end the job
    expect(answers.at(-1)).toMatchObject({ answer: 'completed', http_status: 200 });
  });

  it('is pruned after 30 days (D277), the newer answers kept', async () => {
    const job = await polledJob();
    const answers = s.db('shunya_poll_answers').where({ job_id: job.id });
    const [first] = await answers.clone().orderBy('id').limit(1);
    await s
      .db('shunya_poll_answers')
      .where({ id: first.id })
      .update({ answered_at: s.db.raw(`now() - interval '31 days'`) });
    const before = (await answers.clone()).map((a) => a.id);
    expect(before.length).toBeGreaterThanOrEqual(2);
    await prune(s.otto.pipeline);
    const after = (await answers.clone()).map((a) => a.id);
    expect(after).not.toContain(first.id);
    // every newer answer is kept (compared by id: on a loaded machine a poll that was in flight when the
    // job ended may still record its answer after \`before\` was read)
    expect(before.filter((id) => id !== first.id).every((id) => after.includes(id))).toBe(true);
  });
});
