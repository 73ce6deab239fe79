// The result deviations of deviations.ts, applied to a transcript (the same way for the result endpoint
// and the webhook, so the two stay one object).
import type { Simulator } from '../simulator.ts';

type Obj = Record<string, unknown>;

export function deviateTranscript(sim: Simulator, companyId: string, body: unknown): unknown {
  const on = (d: Parameters<Simulator['deviates']>[1]) => sim.deviates(companyId, d);
  if (
    !on('field_alias') &&
    !on('missing_required_field') &&
    !on('confidence_out_of_range') &&
    !on('unordered_speakers')
  )
    return body;
  const t = structuredClone(body) as Obj;
  if (on('field_alias')) {
    t.transcript = t.transcript_text;
    delete t.transcript_text;
  }
  if (on('missing_required_field')) delete t.call_id;
  if (on('confidence_out_of_range')) t.confidence_score = 7.5;
  if (on('unordered_speakers') && Array.isArray(t.speaker_labels))
    t.speaker_labels = [...t.speaker_labels].reverse();
  return t;
}
