// Writes a report to its directory: report.md, report.html, junit.xml and report.json (the same model,
// for machines and for the kit's own tests).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Report } from '../results.ts';
import { renderHtml } from './html.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';

export function writeReport(dir: string, r: Report): { files: string[]; junitCases: number } {
  mkdirSync(dir, { recursive: true });
  const junit = renderJunit(r);
  const files = {
    'report.md': renderMarkdown(r),
    'report.html': renderHtml(r),
    'junit.xml': junit.xml,
    'report.json': `${JSON.stringify(r, null, 2)}\n`,
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return { files: Object.keys(files).map((f) => path.join(dir, f)), junitCases: junit.cases };
}
