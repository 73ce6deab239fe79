// junit.xml for a CI: one testsuite per §13 section and one testcase per §13 item, named "<item>
// <title>" (e.g. "13.2.1 JWT Verification"), so every run has the same 58 cases whatever it reached
// and a CI can follow each item from run to run (D176). A failing item is a <failure> listing its
// failing checks with their evidence; an item that needs confirmation, or that the run could not check,
// is <skipped/> with the reason; every check of the item is in its <system-out>.

import { SECTIONS, sectionOf } from '../items.ts';
import type { Check } from '../ledger.ts';
import type { ItemResult, Report } from '../results.ts';
import { citationOf } from './cite.ts';
import { notChecked } from './fix.ts';

const esc = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 forbids these characters
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '?');

const MARK: Record<string, string> = { pass: '✓', fail: '✗', 'needs-confirmation': '?', 'not-checked': '–' };

function evidence(c: Check): string {
  return c.evidence
    .map((e) =>
      [
        e.note && `What is wrong: ${e.note}`,
        e.contract && `The contract says: ${e.contract}`,
        e.request && `Request:\n${e.request}`,
        e.response && `Response:\n${e.response}`,
      ]
        .filter(Boolean)
        .join('\n'),
    )
    .join('\n\n');
}

/** The name of an item's testcase: the same on every run. */
export const caseName = (i: { id: string; title: string }) => `${i.id} ${i.title}`;

function testcase(i: ItemResult, classname: string, unchecked: boolean): string {
  const head = `    <testcase classname="${esc(classname)}" name="${esc(caseName(i))}" time="0">`;
  const out = `<system-out>${esc(
    [
      `${i.statement}`,
      `Rule: ${citationOf(i.id)}`,
      ...i.checks.map((c) => `${MARK[c.verdict] ?? '-'} ${c.name}: ${c.detail}`),
    ].join('\n'),
  )}</system-out>`;
  if (i.verdict === 'pass') return `${head}${out}</testcase>`;
  const failing = i.checks.filter((c) => c.verdict === 'fail');
  if (i.verdict === 'fail' && !unchecked) {
    const message = failing.map((c) => `${c.name}: ${c.detail}`).join('; ');
    const body = failing.map((c) => `${c.name}: ${c.detail}\n${evidence(c)}`).join('\n\n');
    return `${head}<failure message="${esc(message)}" type="nonconformance">${esc(body)}</failure>${out}</testcase>`;
  }
  // A job that failed for a reason the contract allows leaves its items not checked (D165).
  const notCheckedCheck = i.checks.find((c) => c.verdict === 'not-checked');
  const why = notCheckedCheck
    ? notCheckedCheck.detail
    : unchecked
      ? `not checked: ${failing[0]?.detail ?? i.checks[0]?.detail ?? ''}`
      : `needs confirmation: ${i.checks.find((c) => c.verdict !== 'pass')?.detail ?? i.statement}`;
  return `${head}<skipped message="${esc(why)}"/>${out}</testcase>`;
}

export function renderJunit(r: Report): { xml: string; cases: number } {
  const unchecked = new Set(notChecked(r).map((i) => i.id));
  const bySection = new Map<string, ItemResult[]>();
  for (const i of r.items) bySection.set(sectionOf(i.id), [...(bySection.get(sectionOf(i.id)) ?? []), i]);
  let failures = 0;
  let skipped = 0;
  const suites: string[] = [];
  for (const [section, items] of bySection) {
    const f = items.filter((i) => i.verdict === 'fail' && !unchecked.has(i.id)).length;
    const sk = items.filter((i) => i.verdict !== 'pass').length - f;
    failures += f;
    skipped += sk;
    suites.push(
      `  <testsuite name="${esc(`${section} ${SECTIONS[section] ?? ''}`)}" tests="${items.length}" failures="${f}" errors="0" skipped="${sk}">\n` +
        items.map((i) => testcase(i, `${r.target}-conformance.${section}`, unchecked.has(i.id))).join('\n') +
        '\n  </testsuite>',
    );
  }
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="${esc(r.title)}" tests="${r.items.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${r.durationS.toFixed(1)}">\n` +
    `${suites.join('\n')}\n</testsuites>\n`;
  return { xml, cases: r.items.length };
}
