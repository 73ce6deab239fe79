// junit.xml for a CI: one testsuite per §13 section, one testcase per check, named "<item> <title>:
// <check>" so it begins with the §13 item number (e.g. "13.2.1 JWT Verification: an expired token is
// refused"). A failure carries the evidence; "needs confirmation" is a skipped testcase.

import { SECTIONS, sectionOf } from '../items.ts';
import type { Check } from '../ledger.ts';
import type { ItemResult, Report } from '../results.ts';

const esc = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 forbids these characters
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '?');

function body(c: Check): string {
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

function testcase(i: ItemResult, c: Check, classname: string): string {
  const name = esc(`${i.id} ${i.title}: ${c.name}`);
  const head = `    <testcase classname="${esc(classname)}" name="${name}" time="0">`;
  if (c.verdict === 'pass') return `${head}</testcase>`;
  if (c.verdict === 'needs-confirmation')
    return `${head}<skipped message="${esc(`needs confirmation: ${c.detail}`)}"/></testcase>`;
  if (c.verdict === 'not-checked') return `${head}<skipped message="${esc(c.detail)}"/></testcase>`;
  return `${head}<failure message="${esc(c.detail)}" type="nonconformance">${esc(body(c))}</failure></testcase>`;
}

export function renderJunit(r: Report): { xml: string; cases: number } {
  const bySection = new Map<string, ItemResult[]>();
  for (const i of r.items) bySection.set(sectionOf(i.id), [...(bySection.get(sectionOf(i.id)) ?? []), i]);
  let total = 0;
  let failures = 0;
  let skipped = 0;
  const suites: string[] = [];
  for (const [section, items] of bySection) {
    const cases = items.flatMap((i) => i.checks.map((c) => ({ i, c })));
    const f = cases.filter((x) => x.c.verdict === 'fail').length;
    const sk = cases.filter((x) => ['needs-confirmation', 'not-checked'].includes(x.c.verdict)).length;
    total += cases.length;
    failures += f;
    skipped += sk;
    const name = `${section} ${SECTIONS[section] ?? ''}`;
    suites.push(
      `  <testsuite name="${esc(name)}" tests="${cases.length}" failures="${f}" errors="0" skipped="${sk}">\n` +
        cases.map((x) => testcase(x.i, x.c, `${r.target}-conformance.${section}`)).join('\n') +
        '\n  </testsuite>',
    );
  }
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="${esc(r.title)}" tests="${total}" failures="${failures}" errors="0" skipped="${skipped}" time="${r.durationS.toFixed(1)}">\n` +
    `${suites.join('\n')}\n</testsuites>\n`;
  return { xml, cases: total };
}
