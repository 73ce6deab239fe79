// normalizeTranscript: §6.1 and its field-name variations, given → want.
import { describe, expect, it } from 'vitest';
import { normalizeTranscript } from '../../../src/shunya/normalize/transcript.ts';
import type { Transcript } from '../../../src/shunya/types.ts';
import { handoffBlocks } from './fixtures.ts';

const seg = (
  speaker: string,
  text: string,
  start_time: number,
  end_time: number,
  confidence: number | null = null,
) => ({
  speaker,
  text,
  start_time,
  end_time,
  confidence,
});

const ok: [string, unknown, Partial<Transcript>][] = [
  [
    'canonical fields',
    {
      call_id: 1,
      transcript_text: 'Hi there',
      speaker_labels: [{ speaker: 'rep', text: 'Hi there', start_time: 0, end_time: 1.5 }],
      confidence_score: 0.9,
      language: 'es-MX',
      word_count: 2,
    },
    {
      call_id: 1,
      transcript_text: 'Hi there',
      speaker_labels: [seg('rep', 'Hi there', 0, 1.5)],
      confidence_score: 0.9,
      language: 'es-MX',
      word_count: 2,
    },
  ],
  [
    'transcript → transcript_text (§6.1)',
    { transcript: 'one two three' },
    { transcript_text: 'one two three', word_count: 3 },
  ],
  [
    'speakers → speaker_labels',
    { transcript_text: 'a', speakers: [{ speaker: 'A', text: 'a', start_time: 0, end_time: 1 }] },
    { speaker_labels: [seg('A', 'a', 0, 1)] },
  ],
  [
    'diarization → speaker_labels',
    { transcript_text: 'a', diarization: [{ speaker: 'A', text: 'a', start_time: 0, end_time: 1 }] },
    { speaker_labels: [seg('A', 'a', 0, 1)] },
  ],
  [
    'diarization as an object with segments',
    { transcript_text: 'a', diarization: { segments: [{ speaker: 'A', text: 'a', start: 0, end: 1 }] } },
    { speaker_labels: [seg('A', 'a', 0, 1)] },
  ],
  [
    'speaker_segments with speaker_id/content/start/end',
    {
      transcript_text: 'a',
      speaker_segments: [{ speaker_id: 'SPEAKER_01', content: 'a', start: '0.5', end: '2' }],
    },
    { speaker_labels: [seg('SPEAKER_01', 'a', 0.5, 2)] },
  ],
  [
    'labels ordered by start_time (§6.7), equal starts keep order',
    {
      transcript_text: 'x',
      speaker_labels: [
        { speaker: 'B', text: 'second', start_time: 5, end_time: 6 },
        { speaker: 'A', text: 'first', start_time: 0, end_time: 5 },
        { speaker: 'C', text: 'third', start_time: 5, end_time: 7 },
      ],
    },
    { speaker_labels: [seg('A', 'first', 0, 5), seg('B', 'second', 5, 6), seg('C', 'third', 5, 7)] },
  ],
  ['confidence → confidence_score', { transcript_text: 'a', confidence: 0.8 }, { confidence_score: 0.8 }],
  [
    'a percentage confidence is scaled',
    { transcript_text: 'a', confidence_score: 95 },
    { confidence_score: 0.95 },
  ],
  [
    'numbers as strings',
    { transcript_text: 'a b', call_id: '12345', confidence_score: '0.5', word_count: '2' },
    { call_id: 12345, confidence_score: 0.5, word_count: 2 },
  ],
  [
    '0 is a value, not missing',
    { transcript_text: '', confidence_score: 0, word_count: 0, duration_seconds: 0 },
    { confidence_score: 0, word_count: 0, duration_seconds: 0, transcript_text: '' },
  ],
  ['language defaults to en-US', { transcript_text: 'a' }, { language: 'en-US' }],
  ['word_count computed when absent', { transcript_text: '  Hello,   this is  John. ' }, { word_count: 4 }],
  [
    'nulls are absent',
    { transcript_text: 'a', confidence_score: null, language: null, speaker_labels: null },
    { confidence_score: null, language: 'en-US', speaker_labels: [] },
  ],
  [
    'wrong types do not throw',
    { transcript_text: 'a', confidence_score: 'high', language: 7, word_count: -3, speaker_labels: 'nope' },
    { confidence_score: null, language: 'en-US', word_count: 1, speaker_labels: [] },
  ],
  [
    'unreadable labels are dropped; missing speaker/end filled',
    { transcript_text: 'a', speaker_labels: [null, { text: 'no start' }, { text: 'ok', start_time: 3 }] },
    { speaker_labels: [seg('unknown', 'ok', 3, 3)] },
  ],
];

describe('normalizeTranscript', () => {
  it.each(ok)('%s', (_name, given, want) => {
    const r = normalizeTranscript(given);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value).toMatchObject(want);
  });

  it.each<[string, unknown, RegExp]>([
    ['no transcript text (§10.3)', { speaker_labels: [] }, /transcript_text is required/],
    ['a non-string transcript', { transcript_text: 42 }, /not a string/],
    ['not an object', ['a'], /not a JSON object/],
    ['null', null, /not a JSON object/],
    ['an error envelope', { success: false, transcript_text: 'x' }, /error envelope/],
  ])('%s → incomplete', (_name, given, problem) => {
    const r = normalizeTranscript(given);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.join('\n')).toMatch(problem);
  });

  it('reports what was missing and what was defaulted', () => {
    const r = normalizeTranscript({
      transcript_text: 'a b',
      confidence_score: 'x',
      speaker_labels: [{ text: 't', start_time: 1 }],
    });
    expect(r.missing).toEqual(
      expect.arrayContaining(['call_id', 'confidence_score (invalid)', 'duration_seconds']),
    );
    expect(r.defaulted).toEqual(
      expect.arrayContaining([
        'language',
        'word_count',
        'speaker_labels[0].speaker',
        'speaker_labels[0].end_time',
      ]),
    );
  });

  it("normalises the handoff's §4.1 transcript response", () => {
    const sample = handoffBlocks('4.1').find(
      (b) => typeof b === 'object' && b !== null && 'transcript_text' in b,
    );
    const r = normalizeTranscript(sample);
    expect(r).toMatchObject({
      ok: true,
      value: {
        call_id: 12345,
        transcript_text: 'Hello, this is John from ABC Company. How can I help you today?',
        speaker_labels: [
          seg('rep', 'Hello, this is John from ABC Company. How can I help you today?', 0, 5.2),
          seg('customer', 'Hi, I need a quote for roof repair.', 5.5, 8.1),
        ],
        confidence_score: 0.95,
        language: 'en-US',
        word_count: 15,
      },
    });
  });
});
