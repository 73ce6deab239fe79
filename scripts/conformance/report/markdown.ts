// report.md: first what to fix (one line per failing item with its first evidence) and what the run
// could not check (D176); then the §13 checklist with a verdict per item, where its rule is written
// (D178), every check under it, and for every failure the evidence: the request, an excerpt of the
// answer, what the contract says.

import { SECTIONS, sectionOf } from '../items.ts';
import type { Evidence } from '../ledger.ts';
import { counts, type Report } from '../results.ts';
import { citationOf } from './cite.ts';
import { exitCodeOf, fixText, notChecked, whatToFix } from './fix.ts';

const WORD = {
  pass: 'PASS',
  fail: 'FAIL',
  'needs-confirmation': 'NEEDS CONFIRMATION',
  'not-checked': 'NOT CHECKED',
} as const;
const fence = (label: string, text: string) =>
  `${label}:\n\n\`\`\`\n${text.replace(/```/g, "'''")}\n\`\`\`\n`;

function evidence(e: Evidence): string {
  return [
    e.note ? `- **What is wrong:** ${e.note.replace(/\n/g, '; ')}\n` : '',
    e.contract ? `- **The contract says:** ${e.contract}\n` : '',
    e.request ? fence('  Request', e.request) : '',
    e.response ? fence('  Response', e.response) : '',
  ].join('');
}

/** The anchor GitHub gives a failing item's heading ("### 13.2.1 JWT Verification — FAIL"). */
const anchor = (id: string, title: string) =>
  `#${`${id} ${title} — ${WORD.fail}`
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-')}`;

/** What to fix and what was not checked, before anything else; the exit code they make. */
function opening(r: Report): string[] {
  const fix = whatToFix(r);
  const unchecked = notChecked(r);
  const out = [`\n## What to fix\n\n`];
  if (r.unreachable) out.push(`The target never answered: ${r.unreachable}. Check --base-url.\n\n`);
  if (!fix.length) out.push('Nothing: no item failed.\n');
  fix.forEach((f, n) => {
    out.push(`${n + 1}. [${f.id}](${anchor(f.id, f.title)}) ${fixText(f).slice(f.id.length + 1)}\n`);
  });
  if (unchecked.length) {
    out.push(`\n**Not checked** (the run could not judge these; nothing wrong was found in them):\n\n`);
    for (const u of unchecked) out.push(`- ${u.id} ${u.title}: ${u.why}\n`);
  }
  out.push(
    `\nExit code ${exitCodeOf(r)} (0 all machine items passed, 1 deviations found, 3 the run was not complete).\n`,
  );
  return out;
}

export function renderMarkdown(r: Report): string {
  const c = counts(r.items);
  const out: string[] = [];
  out.push(`# ${r.title}\n`);
  out.push(
    `- **Target:** ${r.baseUrl}\n- **Contract:** ${r.contract ? `${r.contract.file} (version ${r.contract.version}, sha256 ${r.contract.sha256.slice(0, 12)})` : '—'}\n` +
      `- **Run:** ${r.startedAt}, ${r.durationS.toFixed(1)} s, ${r.mode}; ${r.requests.sent} of ${r.requests.budget} requests\n` +
      (r.stopped ? `- **Ended early:** ${r.stopped}\n` : '') +
      `- **Result:** ${c.pass} pass · ${c.fail} fail · ${c['needs-confirmation']} need confirmation · ${c['not-checked']} not checked (of ${r.items.length} items)\n`,
  );
  out.push(...opening(r));
  out.push(
    '\nPASS: the kit checked the item and found nothing wrong. FAIL: the kit found a deviation (evidence below) ' +
      'or could not check it (then it is under "Not checked" above). NEEDS CONFIRMATION: no machine can check it; ' +
      'Shunya confirms it in writing. The kit never passes an item it cannot check.\n',
  );
  for (const n of r.notes) out.push(`\n> ${n}\n`);
  out.push('\n## Summary\n\n| item | | result |\n|---|---|---|\n');
  for (const i of r.items) out.push(`| ${i.id} | ${i.title} | ${WORD[i.verdict]} |\n`);
  let section = '';
  for (const i of r.items) {
    if (sectionOf(i.id) !== section) {
      section = sectionOf(i.id);
      out.push(`\n## ${section} ${SECTIONS[section] ?? ''}\n`);
    }
    out.push(
      `\n### ${i.id} ${i.title} — ${WORD[i.verdict]}\n\n> ${i.statement}${i.also ? ` (also ${i.also})` : ''}\n\n` +
        `Rule: ${citationOf(i.id)}\n\n`,
    );
    for (const ch of i.checks) {
      const mark = ch.verdict === 'pass' ? '✓' : ch.verdict === 'fail' ? '✗' : '?';
      out.push(`- ${mark} ${ch.name}: ${ch.detail}\n`);
      for (const e of ch.evidence) out.push(`\n${evidence(e).replace(/^/gm, '  ')}\n`);
    }
  }
  if (r.timings.length) {
    out.push('\n## Observed processing times (§11.4)\n\n');
    out.push(
      'Seconds (virtual seconds on a time-scaled simulator). The kit observes an interval: at least / at most.\n\n',
    );
    out.push('| job | stage | at least | at most | target | maximum |\n|---|---|---|---|---|---|\n');
    for (const t of r.timings)
      out.push(
        `| ${t.label} | ${t.stage} | ${t.atLeast.toFixed(1)} | ${t.atMost.toFixed(1)} | ${t.target.toFixed(1)} | ${t.max.toFixed(1)} |\n`,
      );
  }
  out.push('\n## Where the expectations came from\n\n| what | from | detail |\n|---|---|---|\n');
  for (const p of r.provenance) out.push(`| ${p.what} | ${p.from} | ${p.detail.replace(/\|/g, '\\|')} |\n`);
  return out.join('');
}
