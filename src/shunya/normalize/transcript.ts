// Transcript (§6.1, §10.3): transcript_text is required; speaker labels are ordered by start_time (§6.7).
import type { Normalized, SpeakerLabel, Transcript } from '../types.ts';
import { asRecord, firstPresent, get, int, isRecord, nonNegative, type Rec, str, text } from './coerce.ts';
import { Notes } from './notes.ts';
import { unitScore } from './scores.ts';

const MAX_WORD_COUNT = 2_147_483_647;

/** §6.1 field-name variations, in order of precedence. */
const LABEL_KEYS = ['speaker_labels', 'speakers', 'diarization', 'speaker_segments'] as const;

export function normalizeTranscript(body: unknown): Normalized<Transcript> {
  const n = new Notes();
  const r = asRecord(body);
  if (!r) {
    n.problem('transcript body is not a JSON object');
    return n.fail();
  }
  if (get(r, 'success') === false) n.problem('transcript body is an error envelope (success: false)');

  // transcript_text ← transcript_text ?? transcript (§6.1). The empty string is kept if Shunya sent it.
  const source = firstPresent(r, ['transcript_text', 'transcript']);
  if (source === null) n.problem('transcript_text is required (§10.3)');
  else if (typeof source.value !== 'string') n.problem(`${source.key} is not a string`);
  const fullText = typeof source?.value === 'string' ? source.value : '';

  const speaker_labels = readLabels(r, n);

  const confidence = firstPresent(r, ['confidence_score', 'confidence']);
  const confidence_score = n.opt(confidence?.key ?? 'confidence_score', confidence?.value, unitScore);

  const rawLanguage = get(r, 'language');
  let language = typeof rawLanguage === 'string' ? text(rawLanguage) : null;
  if (language === null) {
    if (get(r, 'language') !== undefined && get(r, 'language') !== null) n.invalid('language');
    n.filled('language');
    language = 'en-US';
  }

  let word_count = int(get(r, 'word_count'));
  // a count Otto cannot store (an int4 column) is as unusable as a negative one
  if (word_count === null || word_count < 0 || word_count > MAX_WORD_COUNT) {
    if (get(r, 'word_count') !== undefined && get(r, 'word_count') !== null) n.invalid('word_count');
    n.filled('word_count');
    word_count = fullText.trim() === '' ? 0 : fullText.trim().split(/\s+/).length;
  }

  const duration = firstPresent(r, ['duration_seconds', 'duration']);
  return n.result<Transcript>({
    call_id: n.opt('call_id', get(r, 'call_id'), int),
    transcript_id: n.opt('transcript_id', get(r, 'transcript_id'), int),
    task_id: text(firstPresent(r, ['task_id', 'job_id'])?.value),
    transcript_text: fullText,
    speaker_labels,
    confidence_score,
    language,
    word_count,
    duration_seconds: n.opt(duration?.key ?? 'duration_seconds', duration?.value, nonNegative),
  });
}

function readLabels(r: Rec, n: Notes): SpeakerLabel[] {
  const found = firstPresent(r, LABEL_KEYS);
  if (!found) {
    n.filled('speaker_labels');
    return [];
  }
  // `diarization` may be an object holding the segments.
  const raw = isRecord(found.value)
    ? firstPresent(found.value, ['segments', 'speaker_labels'])?.value
    : found.value;
  if (!Array.isArray(raw)) {
    n.invalid(found.key);
    return [];
  }
  const labels: SpeakerLabel[] = [];
  raw.forEach((item, i) => {
    const label = readLabel(item, `${found.key}[${i}]`, n);
    if (label) labels.push(label);
  });
  // Stable sort: equal start times keep Shunya's order (§6.7).
  return labels.sort((a, b) => a.start_time - b.start_time);
}

function readLabel(item: unknown, path: string, n: Notes): SpeakerLabel | null {
  const r = asRecord(item);
  const labelText = str(firstPresent(r, ['text', 'content', 'transcript'])?.value);
  const start = nonNegative(firstPresent(r, ['start_time', 'start'])?.value);
  if (!r || labelText === null || start === null) {
    n.invalid(path);
    return null;
  }
  let speaker = text(firstPresent(r, ['speaker', 'speaker_id', 'label'])?.value);
  if (speaker === null) {
    n.filled(`${path}.speaker`);
    speaker = 'unknown';
  }
  let end = nonNegative(firstPresent(r, ['end_time', 'end'])?.value);
  if (end === null || end < start) {
    n.filled(`${path}.end_time`);
    end = start;
  }
  return {
    speaker,
    text: labelText,
    start_time: start,
    end_time: end,
    confidence: unitScore(firstPresent(r, ['confidence', 'confidence_score'])?.value),
  };
}
