// Valid inputs to mutate: the contracts' examples and the simulator's generated content (realistic
// transcripts, analyses and segmentations in both payload shapes), and Shunya's two webhook envelopes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import {
  analysisBody,
  ContentCache,
  segmentationBody,
  transcriptBody,
} from '../../simulator/content/index.ts';
import { buildPayload, serialize as simSerialize } from '../../simulator/webhooks/payload.ts';
import type { OperationKind } from '../../src/shunya/types.ts';
import type { Json } from './mutate.ts';

const CONTRACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../contracts');
const load = (file: string) => YAML.parse(readFileSync(path.join(CONTRACTS, file), 'utf8'));

const ottoDoc = load('otto.openapi.yaml');
const examplesOf = (file: string): Record<string, Json> =>
  Object.fromEntries(
    Object.entries(load(file).components.examples as Record<string, { value: Json }>).map(([k, v]) => [
      k,
      v.value,
    ]),
  );

/** `components.examples` of Shunya's contract, strict and tolerant readings, by name. */
export const SHUNYA_EXAMPLES: Record<string, Json> = {
  ...examplesOf('shunya.tolerant.openapi.yaml'),
  ...examplesOf('shunya.openapi.yaml'),
};
const TOLERANT_EXAMPLES = examplesOf('shunya.tolerant.openapi.yaml');

/** The CallRail request examples of Otto's contract (CallRail's own field names, and the handoff seed's). */
export const CALLRAIL_EXAMPLES: Json[] = Object.values(
  ottoDoc.paths['/webhooks/callrail/call.completed'].post.requestBody.content['application/json']
    .examples as Record<string, { value: Json }>,
).map((e) => e.value);

/** Contract examples of each kind's result. */
const EXAMPLE_RESULTS: Record<OperationKind, Json[]> = {
  transcription: [SHUNYA_EXAMPLES.Transcript as Json],
  analysis: [
    SHUNYA_EXAMPLES.CompleteAnalysis as Json,
    TOLERANT_EXAMPLES.CompleteAnalysisHandoff as Json,
    TOLERANT_EXAMPLES.CompleteAnalysisShunya as Json,
  ],
  segmentation: [SHUNYA_EXAMPLES.MeetingSegmentation as Json],
};

const content = new ContentCache(200);

export type Shape = 'handoff' | 'shunya';

/**
 * A result as Shunya would send it for one kind: from the simulator's generator (deterministic per
 * `seed`), or a contract example when `seed` is negative.
 */
export function resultFor(kind: OperationKind, shape: Shape, seed: number, callId: number): Json {
  if (seed < 0) {
    const list = EXAMPLE_RESULTS[kind];
    const v = structuredClone(list[-seed % list.length] as Json) as Record<string, Json>;
    v.call_id = callId;
    return v;
  }
  const callType =
    kind === 'transcription'
      ? seed % 2 === 0
        ? 'csr_call'
        : 'sales_call'
      : kind === 'segmentation'
        ? 'sales_call'
        : 'csr_call';
  const durationS = 60 + (seed % 9) * 60;
  const submittedMs = Date.UTC(2025, 0, 15, 9, 0, 0);
  const c = content.get({
    companyId: 'fuzz',
    callId: seed,
    callType,
    durationS,
    submittedMs,
    scenario: undefined,
  });
  const createdAt = new Date(submittedMs).toISOString();
  const body =
    kind === 'transcription'
      ? transcriptBody(c, shape, {
          callId,
          transcriptId: seed + 1,
          taskId: `task-${seed}`,
          createdAt,
          durationS,
        })
      : kind === 'analysis'
        ? analysisBody(c, shape, {
            callId,
            jobId: `job-${seed}`,
            createdAt,
            completedAt: createdAt,
            targetRole: 'customer_rep',
          })
        : segmentationBody(c, { callId, jobId: `job-${seed}`, createdAt });
  return structuredClone(body) as unknown as Json;
}

/** A failure as Shunya reports it in a webhook (the contract's example error object). */
export function errorFor(seed: number): Json {
  const failed = SHUNYA_EXAMPLES.WebhookAnalysisFailed as { error: Json };
  const e = structuredClone(failed.error) as Record<string, Json>;
  if (seed % 3 === 1) e.retryable = true;
  if (seed % 3 === 2) return 'Audio could not be decoded';
  return e;
}

export type Outcome = 'completed' | 'failed' | 'processing' | 'noResult';

export interface WebhookSubject {
  jobId: string;
  kind: OperationKind;
  companyId: string;
  callId: number;
}

/**
 * A webhook body in one profile, built by the simulator's own payload builder (the handoff's
 * {shunya_job_id, status, company_id, result | error} or Shunya's {event_type, task_id, call_id, data | error}),
 * plus the Python-style text the simulator would send in Shunya's profile.
 */
export function webhookBody(
  profile: Shape,
  s: WebhookSubject,
  outcome: Outcome,
  result: Json,
  seed: number,
): { value: Json; pythonText: string } {
  const timestamp = new Date(Date.UTC(2025, 0, 15, 10, 0, 0)).toISOString();
  const built = buildPayload(
    profile,
    { jobId: s.jobId, kind: s.kind, companyId: s.companyId, callId: s.callId, timestamp },
    outcome === 'failed' ? { error: errorFor(seed) as never } : { result },
  ) as unknown as Record<string, Json>;
  if (outcome === 'processing') {
    built.status = 'processing';
    delete built.result;
    delete built.data;
    if (profile === 'shunya')
      built.event_type = `${String(built.event_type).replace(/\.[a-z]+$/, '')}.processing`;
  }
  if (outcome === 'noResult') {
    delete built.result;
    delete built.data;
  }
  return { value: built, pythonText: simSerialize(profile, built) };
}
