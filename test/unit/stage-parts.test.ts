// The five stage statements share their parts by name, not by copy (D420): settling the operation,
// removing its fallback poll, the webhook's inbox row (D331), the next stage's step, the attempt row and
// the last stages' admission (D332). Each statement must contain each part it needs whole, once.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CALL_ANALYSIS } from '../../src/jobs/transitions/stages/call-analysis.ts';
import { CALL_TRANSCRIPTION } from '../../src/jobs/transitions/stages/call-transcription.ts';
import {
  ADMITTED_STEPS,
  ATTEMPT_SUCCEEDED,
  FREED_SLOT_ADMISSION,
  INBOX,
  NEXT_STEP,
  SETTLED,
  UNPOLLED,
} from '../../src/jobs/transitions/stages/parts.ts';
import { VISIT_ANALYSIS } from '../../src/jobs/transitions/stages/visit-analysis.ts';
import { VISIT_SEGMENTATION } from '../../src/jobs/transitions/stages/visit-segmentation.ts';
import { VISIT_TRANSCRIPTION } from '../../src/jobs/transitions/stages/visit-transcription.ts';

const words = (sql: string) => sql.replace(/\s+/g, ' ').trim();
const occurrences = (sql: string, part: string) => words(sql).split(words(part)).length - 1;

const EVERY = { SETTLED, UNPOLLED, INBOX };
const MIDDLE = { ...EVERY, NEXT_STEP };
const LAST = { ...EVERY, ATTEMPT_SUCCEEDED, FREED_SLOT_ADMISSION, ADMITTED_STEPS };

describe('the stage statements use the shared parts (D420)', () => {
  it.each([
    ['call transcription', CALL_TRANSCRIPTION, MIDDLE],
    ['visit transcription', VISIT_TRANSCRIPTION, MIDDLE],
    ['visit segmentation', VISIT_SEGMENTATION, MIDDLE],
    ['call analysis', CALL_ANALYSIS, LAST],
    ['visit analysis', VISIT_ANALYSIS, LAST],
  ])('%s contains each part it needs once, after the job moved', (_name, sql, parts) => {
    for (const [name, part] of Object.entries(parts)) {
      expect(occurrences(sql, part), name).toBe(1);
      expect(words(sql).indexOf(words(part)), name).toBeGreaterThan(words(sql).indexOf('moved AS ('));
    }
  });

  // a copy would pass the test above: the statements' sources must name the parts they use
  it.each([
    ['call-transcription', MIDDLE],
    ['visit-transcription', MIDDLE],
    ['visit-segmentation', MIDDLE],
    ['call-analysis', LAST],
    ['visit-analysis', LAST],
  ])('stages/%s.ts interpolates each part by its name', (file, parts) => {
    const source = readFileSync(
      new URL(`../../src/jobs/transitions/stages/${file}.ts`, import.meta.url),
      'utf8',
    );
    for (const name of Object.keys(parts)) expect(source, name).toContain(`\${${name}}`);
  });
});
