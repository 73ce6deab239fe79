// Payload samples read at test time from the documents beside the repository (CI checks out ../shared):
// Shunya's reference notes and the handoff. Nothing is copied into this repository.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../helpers/spawn.ts';

export const SHARED = path.resolve(ROOT, '../shared');
export const REFERENCE_PAYLOADS = path.join(SHARED, 'reference/shunya-webhooks-and-payloads.md');
export const HANDOFF = path.join(SHARED, 'spec/otto-shunya-handoff.md');

export interface JsonBlock {
  /** 0-based position among the file's ```json blocks. */
  index: number;
  /** The nearest heading above the block. */
  heading: string;
  text: string;
  /** The parsed value, or undefined when the block is schematic (comments, `"a" | "b"` unions). */
  value: unknown;
}

/** Every ```json block of a Markdown file, with the heading it sits under. */
export function jsonBlocks(file: string): JsonBlock[] {
  const md = readFileSync(file, 'utf8');
  const blocks: JsonBlock[] = [];
  let heading = '';
  const re = /^(#{1,6} .*)$|^```json\n([\s\S]*?)^```/gm;
  for (let m = re.exec(md); m; m = re.exec(md)) {
    if (m[1]) {
      heading = m[1].replace(/^#+\s*/, '');
      continue;
    }
    const text = m[2] ?? '';
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    blocks.push({ index: blocks.length, heading, text, value });
  }
  return blocks;
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

/** The ```json blocks of one handoff section (`### 4.1 …` up to the next `### `). */
export function handoffBlocks(section: string): unknown[] {
  const md = readFileSync(HANDOFF, 'utf8');
  const start = md.indexOf(`### ${section} `);
  if (start < 0) throw new Error(`no section ${section} in the handoff`);
  const end = md.indexOf('\n### ', start + 4);
  const part = md.slice(start, end < 0 ? undefined : end);
  return [...part.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1] ?? ''));
}
