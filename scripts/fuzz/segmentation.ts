// A module of its own (no contract is read at import), so the tests' canonical builders can share it.
import type { Segmentation } from '../../src/shunya/types.ts';

/** A finished segmentation, as the completion path leaves it: a visit whose analysis is fuzzed (and the
 * tests' canonical one, test/helpers/canonical.ts) starts from it. */
export const SEGMENTATION: Segmentation = {
  call_id: 12346,
  part1: {
    start_time: 0,
    end_time: 900,
    duration: 900,
    content: 'Rapport and discovery.',
    key_points: ['Rapport'],
  },
  part2: {
    start_time: 900,
    end_time: 1800,
    duration: 900,
    content: 'Proposal and close.',
    key_points: ['Closed'],
  },
  transition_point: 900,
  segmentation_confidence: 0.92,
  transition_indicators: ['How much will this cost?'],
  meeting_structure_score: 4,
  outcome: 'won',
  unmapped_values: [],
};
