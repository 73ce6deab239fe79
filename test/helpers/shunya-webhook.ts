// Shunya webhooks written and signed by a test (the handoff profile, §8), for results the simulator does
// not produce: values outside Otto's vocabularies, visit_actions, repeats without a result, failures.
import type { Db } from '../../src/db/knex.ts';
import { handoffWebhookSignature } from '../../wire/signatures.ts';
import { TEST_SECRETS } from './secrets.ts';
import { waitFor } from './stack.ts';

/** The test suite's webhook secret (UWC_HMAC_SECRET of every Otto the suites start). */
export const TEST_HMAC_SECRET = TEST_SECRETS.UWC_HMAC_SECRET;

/** POSTs `payload` to Otto's webhook receiver, signed as §8 says (hex HMAC-SHA256 of "{ts}.{body}"). */
export async function sendWebhook(
  ottoUrl: string,
  payload: Record<string, unknown>,
  secret = TEST_HMAC_SECRET,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const raw = JSON.stringify(payload);
  const ts = String(Date.now());
  const res = await fetch(`${ottoUrl}/api/v1/shunya/webhook`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-shunya-timestamp': ts,
      'x-shunya-signature': handoffWebhookSignature(secret, ts, raw),
    },
    body: raw,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export interface OpRow {
  id: string;
  job_id: string;
  company_id: string;
  kind: string;
  status: string;
  shunya_job_id: string | null;
}

/** The job's operation of `kind` once Shunya has answered its submission. */
export function submittedOp(db: Db, jobId: string, kind: string, timeoutMs = 20_000): Promise<OpRow> {
  return waitFor(
    async () =>
      (await db('shunya_operations').where({ job_id: jobId, kind, status: 'submitted' }).first()) as
        | OpRow
        | undefined,
    `the ${kind} submission of job ${jobId}`,
    timeoutMs,
  );
}

/** Completes `op` with `result` through a signed webhook (as Shunya would); returns Otto's answer. */
export function complete(ottoUrl: string, op: OpRow, result: unknown) {
  return sendWebhook(ottoUrl, {
    shunya_job_id: op.shunya_job_id,
    status: 'completed',
    company_id: op.company_id,
    result,
  });
}

export const transcriptResult = (callId: number) => ({
  call_id: callId,
  transcript_text: 'Thanks for having me over. Let us look at the windows.',
  speaker_labels: [],
  confidence_score: 0.93,
});

export const segmentationResult = (callId: number) => ({
  call_id: callId,
  part1: { start_time: 0, end_time: 600, duration: 600, content: 'Rapport.', key_points: [] },
  part2: { start_time: 600, end_time: 1200, duration: 600, content: 'Proposal.', key_points: [] },
  transition_point: 600,
  outcome: 'won',
});

/** The smallest complete analysis (§10.3), with `over` merged at the top level. */
export const analysisResult = (callId: number, over: Record<string, unknown> = {}) => ({
  call_id: callId,
  qualification: { qualification_status: 'hot', booking_status: 'not_booked' },
  objections: { objections: [{ objection_text: 'That is a lot', category_text: 'Price/Budget' }] },
  compliance: { compliance_score: 8 },
  summary: { summary: 'The customer wants new windows.' },
  sentiment_score: 0.6,
  ...over,
});
