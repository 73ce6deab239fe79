// Payload samples the tests take from the handoff and Shunya's reference notes, read from the fixtures
// extracted from them (test/fixtures/, with their provenance in test/fixtures/sources.json; D185):
// the repository stands alone, and `npm run fixtures:check` says when the documents have moved on.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ExtractedBlock } from '../../../scripts/fixtures/extract.ts';
import { ROOT } from '../../helpers/spawn.ts';

export const FIXTURES = path.join(ROOT, 'test/fixtures');
export const REFERENCE_PAYLOADS = path.join(FIXTURES, 'shunya-reference/payload-samples.json');
export const HANDOFF_EXAMPLES = path.join(FIXTURES, 'handoff/json-examples.json');

export interface JsonBlock {
  /** 0-based position among the document's ```json blocks. */
  index: number;
  /** The nearest heading above the block. */
  heading: string;
  text: string;
  /** The parsed value, or undefined when the block is schematic (comments, `"a" | "b"` unions). */
  value: unknown;
}

const readBlocks = (file: string): ExtractedBlock[] => JSON.parse(readFileSync(file, 'utf8'));

/** Every ```json block of a document, as its fixture holds them. */
export function jsonBlocks(file: string): JsonBlock[] {
  return readBlocks(file).map((b) => ({
    index: b.index,
    heading: b.heading,
    text: b.text ?? JSON.stringify(b.value),
    value: b.value,
  }));
}

/**
 * Makes a schematic block JSON: drops // and /* *\/ comments and keeps the first alternative of
 * `"a" | "b"` unions (e.g. `"status": "completed" | "failed"` → "completed").
 */
export function repairSchematic(text: string): unknown {
  const cleaned = text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\s*\/\/[^\n]*/g, '')
    .replace(/("[^"\n]*"|true|false)(\s*\|\s*("[^"\n]*"|true|false))+/g, '$1');
  return JSON.parse(cleaned);
}

/** The ```json blocks of one handoff section (`### 4.1 …`, its subsections included). */
export function handoffBlocks(section: string): unknown[] {
  const blocks = readBlocks(HANDOFF_EXAMPLES).filter((b) => b.section === section);
  if (blocks.length === 0) throw new Error(`no examples of section ${section} in the handoff's fixture`);
  return blocks.map((b) => {
    if (b.text !== undefined) throw new Error(`the handoff's §${section} block ${b.index} is not JSON`);
    return b.value;
  });
}
