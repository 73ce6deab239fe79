// normalizeSegmentation: §6.2 and §10.3 (part1 and part2 required). Given → want.
import { describe, expect, it } from 'vitest';
import { normalizeSegmentation } from '../../../src/shunya/normalize/segmentation.ts';
import type { Segmentation } from '../../../src/shunya/types.ts';
import { handoffBlocks } from './fixtures.ts';

const part = (start: number, end: number, extra: Record<string, unknown> = {}) => ({
  start_time: start,
  end_time: end,
  duration: end - start,
  content: 'text',
  key_points: ['k'],
  ...extra,
});
const base = (over: Record<string, unknown> = {}) => ({
  call_id: 5,
  part1: part(0, 240),
  part2: part(240, 420),
  ...over,
});

const ok: [string, unknown, Partial<Segmentation> | Record<string, unknown>][] = [
  [
    'canonical',
    base({ transition_point: 240, segmentation_confidence: 0.8, meeting_structure_score: 4, outcome: 'won' }),
    {
      call_id: 5,
      transition_point: 240,
      segmentation_confidence: 0.8,
      meeting_structure_score: 4,
      outcome: 'won',
    },
  ],
  [
    'duration computed from the times',
    base({ part1: { start_time: 0, end_time: 300, content: 'a' } }),
    { part1: { start_time: 0, end_time: 300, duration: 300, content: 'a', key_points: [] } },
  ],
  [
    'numbers as strings',
    base({
      part2: { start_time: '240', end_time: '420.5', duration: '180.5', content: 'b' },
      meeting_structure_score: '5',
    }),
    { part2: { start_time: 240, end_time: 420.5, duration: 180.5 }, meeting_structure_score: 5 },
  ],
  [
    '0 is a value',
    base({ transition_point: 0, segmentation_confidence: 0 }),
    { transition_point: 0, segmentation_confidence: 0 },
  ],
  ['confidence → segmentation_confidence', base({ confidence: 92 }), { segmentation_confidence: 0.92 }],
  [
    'structure score outside 1–5 is invalid',
    base({ meeting_structure_score: 7 }),
    { meeting_structure_score: null },
  ],
  [
    'structure score 4.5 is not an integer',
    base({ meeting_structure_score: 4.5 }),
    { meeting_structure_score: null },
  ],
  ['outcome "No Show"', base({ outcome: 'No Show' }), { outcome: 'no_show' }],
  ['outcome "Won "', base({ outcome: 'Won ' }), { outcome: 'won' }],
  ['outcome lost', base({ outcome: 'lost' }), { outcome: 'lost' }],
  ['outcome rescheduled', base({ outcome: 'rescheduled' }), { outcome: 'rescheduled' }],
  ['outcome unknown → null', base({ outcome: 'ghosted' }), { outcome: null }],
  [
    "Shunya's flat database names",
    {
      part1_start_time: 0,
      part1_end_time: 900,
      part1_content: 'one',
      part1_key_points: ['a'],
      part2_start_time: 900,
      part2_end_time: 1800,
      part2_duration: 900,
    },
    {
      part1: { start_time: 0, end_time: 900, duration: 900, content: 'one', key_points: ['a'] },
      part2: { start_time: 900, end_time: 1800, duration: 900, content: null },
    },
  ],
  [
    'wrong types inside a part do not throw',
    base({ part1: { start_time: 'x', end_time: [], content: {}, key_points: 'one' } }),
    { part1: { start_time: null, end_time: null, duration: null, content: null, key_points: ['one'] } },
  ],
];

describe('normalizeSegmentation', () => {
  it.each(ok)('%s', (_name, given, want) => {
    const r = normalizeSegmentation(given);
    if (!r.ok) expect.fail(r.problems.join('; '));
    expect(r.value).toMatchObject(want);
  });

  it.each<[string, unknown, RegExp]>([
    ['no part1', base({ part1: undefined }), /part1 is required/],
    ['no part2', base({ part2: null }), /part2 is required/],
    ['part2 not an object', base({ part2: 'later' }), /part2 is required/],
    ['status failed', base({ status: 'failed' }), /not completed/],
    ['not an object', 42, /not a JSON object/],
  ])('%s → incomplete', (_name, given, problem) => {
    const r = normalizeSegmentation(given);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.join('\n')).toMatch(problem);
  });

  it('notes the computed duration and the invalid score', () => {
    const r = normalizeSegmentation(
      base({ part1: { start_time: 0, end_time: 10 }, meeting_structure_score: 9 }),
    );
    expect(r.defaulted).toContain('part1.duration');
    expect(r.missing).toEqual(expect.arrayContaining(['meeting_structure_score (invalid)', 'part1.content']));
  });

  it("normalises the handoff's §4.4 example", () => {
    const sample = handoffBlocks('4.4').find((b) => typeof b === 'object' && b !== null && 'part1' in b);
    const r = normalizeSegmentation(sample);
    expect(r).toMatchObject({
      ok: true,
      value: {
        call_id: 12345,
        part1: {
          start_time: 0,
          end_time: 240,
          duration: 240,
          key_points: ['Relationship building', 'Agenda set', 'Needs assessment'],
        },
        part2: { start_time: 240, end_time: 420, duration: 180 },
        segmentation_confidence: 0.8,
        transition_point: 240,
        transition_indicators: ["Let's talk about pricing", "Here's our proposal"],
        meeting_structure_score: 4,
        outcome: 'won',
      },
    });
  });
});
