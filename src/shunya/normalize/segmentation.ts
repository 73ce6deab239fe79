// Meeting segmentation (§4.4, §6.2, §10.3): part1 and part2 are required. Shunya's database names
// (part1_start_time, part1_content, … in its enum inventory) are read when the nested parts are absent.
import type { Normalized, Segmentation, SegmentationPart } from '../types.ts';
import { asRecord, firstPresent, get, int, nonNegative, type Rec, text, token } from './coerce.ts';
import { Notes } from './notes.ts';
import { meetingOutcome } from './outcome.ts';
import { unitScore } from './scores.ts';

export function normalizeSegmentation(body: unknown): Normalized<Segmentation> {
  const n = new Notes();
  const r = asRecord(body);
  if (!r) {
    n.problem('segmentation body is not a JSON object');
    return n.fail();
  }
  if (get(r, 'success') === false) n.problem('segmentation body is an error envelope (success: false)');
  const status = token(get(r, 'status'));
  if (status !== null && status !== 'completed' && status !== 'complete') {
    n.problem(`segmentation status is "${status}", not completed`);
  }
  const part1 = readPart(r, 'part1', n);
  const part2 = readPart(r, 'part2', n);

  const score = int(get(r, 'meeting_structure_score'));
  const rawScore = get(r, 'meeting_structure_score');
  let meeting_structure_score: number | null = null;
  if (rawScore === undefined || rawScore === null) n.absent('meeting_structure_score');
  else if (score === null || score < 1 || score > 5) n.invalid('meeting_structure_score');
  else meeting_structure_score = score;

  const confidence = firstPresent(r, ['segmentation_confidence', 'confidence']);
  const outcome = firstPresent(r, ['outcome', 'meeting_outcome']);
  if (!part1 || !part2) return n.fail();
  return n.result<Segmentation>({
    call_id: n.opt('call_id', get(r, 'call_id'), int),
    part1,
    part2,
    transition_point: n.opt('transition_point', get(r, 'transition_point'), nonNegative),
    segmentation_confidence: n.opt(
      confidence?.key ?? 'segmentation_confidence',
      confidence?.value,
      unitScore,
    ),
    transition_indicators: n.list('transition_indicators', get(r, 'transition_indicators')),
    meeting_structure_score,
    outcome: n.enumOpt('outcome', outcome?.key ?? 'outcome', outcome?.value, meetingOutcome),
    unmapped_values: [...n.unmapped],
  });
}

function readPart(r: Rec, name: 'part1' | 'part2', n: Notes): SegmentationPart | null {
  const nested = asRecord(get(r, name));
  const flatKeys = ['start_time', 'end_time', 'duration', 'content', 'key_points'].map((k) => `${name}_${k}`);
  const flat = flatKeys.some((k) => get(r, k) !== undefined && get(r, k) !== null);
  if (!nested && !flat) {
    if (get(r, name) === undefined || get(r, name) === null) n.absent(name);
    else n.invalid(name);
    n.problem(`${name} is required (§10.3)`);
    return null;
  }
  const at = (k: string) => (nested ? get(nested, k) : get(r, `${name}_${k}`));
  const path = (k: string) => (nested ? `${name}.${k}` : `${name}_${k}`);
  const start_time = n.opt(path('start_time'), at('start_time'), nonNegative);
  const end_time = n.opt(path('end_time'), at('end_time'), nonNegative);
  let duration = nonNegative(at('duration'));
  if (duration === null) {
    if (at('duration') !== undefined && at('duration') !== null) n.invalid(path('duration'));
    if (start_time !== null && end_time !== null && end_time >= start_time) {
      duration = end_time - start_time;
      n.filled(path('duration'));
    } else n.absent(path('duration'));
  }
  return {
    start_time,
    end_time,
    duration,
    content: n.opt(path('content'), at('content'), text),
    key_points: n.list(path('key_points'), at('key_points')),
  };
}
