// The result deviations and variations of deviations.ts, applied to a finished result (the same way for
// the result endpoint and the webhook, so the two stay one object, unless the deviation is that they
// differ: `webhook_result_differs`).

import type { JobKind } from '../faults/rules.ts';
import type { Simulator } from '../simulator.ts';

type Obj = Record<string, unknown>;
type On = (d: Parameters<Simulator['deviates']>[1]) => boolean;

const TRANSCRIPT_DEVIATIONS = [
  'field_alias',
  'missing_required_field',
  'confidence_out_of_range',
  'unordered_speakers',
  'extra_field',
  'timestamp_with_offset',
] as const;
const ANALYSIS_DEVIATIONS = [
  'total_objections_wrong',
  'category_id_mismatch',
  'severity_breakdown_wrong',
  'enum_value_wrong',
  'unordered_objections',
] as const;

/**
 * Whether deviateResult would answer something other than the body it is given (the same conditions, read
 * before the body is built): a result it leaves alone may be serialised once for its webhook and its GET
 * (D590).
 */
export function resultDeviates(sim: Simulator, kind: JobKind, companyId: string, webhook: boolean): boolean {
  const on: On = (d) => sim.deviates(companyId, d);
  if (kind === 'transcription')
    return (
      TRANSCRIPT_DEVIATIONS.some(on) ||
      sim.varies(companyId, 'empty_transcript') ||
      sim.varies(companyId, 'null_confidences') ||
      (webhook && on('webhook_result_differs'))
    );
  if (kind === 'analysis') return ANALYSIS_DEVIATIONS.some(on) || sim.varies(companyId, 'no_objections');
  return false;
}

export function deviateResult(
  sim: Simulator,
  kind: JobKind,
  companyId: string,
  body: unknown,
  webhook = false,
): unknown {
  const on: On = (d) => sim.deviates(companyId, d);
  const varies = (v: Parameters<Simulator['varies']>[1]) => sim.varies(companyId, v);
  if (kind === 'transcription') {
    const t = deviateTranscript(on, varies, body);
    if (webhook && on('webhook_result_differs') && typeof (t as Obj).word_count === 'number') {
      const c = structuredClone(t) as Obj;
      c.word_count = (c.word_count as number) + 1;
      return c;
    }
    return t;
  }
  if (kind === 'analysis') return deviateAnalysis(on, varies, body);
  return body;
}

function deviateTranscript(
  on: On,
  varies: (v: 'empty_transcript' | 'null_confidences') => boolean,
  body: unknown,
) {
  if (!TRANSCRIPT_DEVIATIONS.some(on) && !varies('empty_transcript') && !varies('null_confidences'))
    return body;
  const t = structuredClone(body) as Obj;
  if (varies('empty_transcript')) {
    t.transcript_text = '';
    t.speaker_labels = [];
    t.word_count = 0;
  }
  if (varies('null_confidences')) t.confidence_score = null;
  if (on('field_alias')) {
    t.transcript = t.transcript_text;
    delete t.transcript_text;
  }
  if (on('missing_required_field')) delete t.call_id;
  if (on('confidence_out_of_range')) t.confidence_score = 7.5;
  if (on('unordered_speakers') && Array.isArray(t.speaker_labels))
    t.speaker_labels = [...t.speaker_labels].reverse();
  if (on('extra_field')) t.debug_info = { model: 'whisper-large-v3', worker: 'gpu-7' };
  if (on('timestamp_with_offset') && typeof t.created_at === 'string')
    t.created_at = t.created_at.replace(/Z$/, '+00:00');
  return t;
}

const SYNTHETIC = (timestamp: number): Obj => ({
  objection_text: 'We need to think about the price.',
  category_id: 1,
  category_text: 'Price/Budget',
  severity: 'medium',
  overcome: false,
  timestamp,
  speaker_id: 'customer',
  response_suggestions: [],
  confidence_score: 0.8,
});

/** Objections enough for a deviation to show (two with distinct timestamps), the totals recounted. */
function withObjections(o: Obj, n: number): Obj[] {
  const list = Array.isArray(o.objections) ? (o.objections as Obj[]) : [];
  while (list.length < n) list.push(SYNTHETIC(((list.at(-1)?.timestamp as number | undefined) ?? 10) + 30));
  o.objections = list;
  o.total_objections = list.length;
  o.severity_breakdown = Object.fromEntries(
    ['high', 'medium', 'low'].map((s) => [s, list.filter((x) => x.severity === s).length]),
  );
  return list;
}

function deviateAnalysis(on: On, varies: (v: 'no_objections') => boolean, body: unknown): unknown {
  if (!ANALYSIS_DEVIATIONS.some(on) && !varies('no_objections')) return body;
  const a = structuredClone(body) as Obj;
  const o = a.objections as Obj | null | undefined;
  if (!o || typeof o !== 'object') return a;
  if (varies('no_objections')) {
    o.objections = [];
    o.total_objections = 0;
    o.severity_breakdown = { high: 0, medium: 0, low: 0 };
  }
  if (on('category_id_mismatch')) {
    const first = withObjections(o, 1)[0]!;
    first.category_id = ((first.category_id as number) % 10) + 1;
  }
  if (on('enum_value_wrong')) {
    const first = withObjections(o, 1)[0]!;
    (o.severity_breakdown as Obj)[first.severity as string] =
      ((o.severity_breakdown as Obj)[first.severity as string] as number) - 1;
    first.severity = 'critical';
  }
  if (on('unordered_objections')) {
    const list = withObjections(o, 2);
    list.forEach((x, i) => {
      x.timestamp = 10 + 30 * i;
    });
    o.objections = [...list].reverse();
  }
  if (on('total_objections_wrong')) o.total_objections = (o.total_objections as number) + 1;
  if (on('severity_breakdown_wrong'))
    (o.severity_breakdown as Obj).high = ((o.severity_breakdown as Obj).high as number) + 1;
  return a;
}
