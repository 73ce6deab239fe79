// report.html: the same content as report.md, one self-contained page (no scripts, no external files).

import { SECTIONS, sectionOf } from '../items.ts';
import type { Evidence } from '../ledger.ts';
import { counts, type Report } from '../results.ts';
import { citationOf } from './cite.ts';
import { exitCodeOf, notChecked, whatToFix } from './fix.ts';

const WORD = {
  pass: 'PASS',
  fail: 'FAIL',
  'needs-confirmation': 'NEEDS CONFIRMATION',
  'not-checked': 'NOT CHECKED',
} as const;
const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;color:#222}
h1{margin-bottom:.2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}
.pass{color:#176b2c}.fail{color:#b00020}.needs-confirmation{color:#8a6100}
.badge{font-weight:600}pre{background:#f6f6f6;padding:.5em;overflow:auto;white-space:pre-wrap;font-size:12px}
li{margin:.2em 0}details{margin:.3em 0 .6em 1.5em}`;

function evidence(e: Evidence): string {
  return (
    '<details open><summary>evidence</summary>' +
    (e.note ? `<p><b>What is wrong:</b> ${esc(e.note)}</p>` : '') +
    (e.contract ? `<p><b>The contract says:</b> ${esc(e.contract)}</p>` : '') +
    (e.request ? `<p>Request:</p><pre>${esc(e.request)}</pre>` : '') +
    (e.response ? `<p>Response:</p><pre>${esc(e.response)}</pre>` : '') +
    '</details>'
  );
}

/** What to fix (D176): one line per failing item with its first evidence, then what was not checked. */
function opening(r: Report): string[] {
  const fix = whatToFix(r);
  const unchecked = notChecked(r);
  const h = ['<h2 id="what-to-fix">What to fix</h2>'];
  if (r.unreachable)
    h.push(`<p class="fail">The target never answered: ${esc(r.unreachable)}. Check --base-url.</p>`);
  if (!fix.length) h.push('<p>Nothing: no item failed.</p>');
  else
    h.push(
      `<ol>${fix
        .map(
          (f) =>
            `<li class="fail"><a href="#i${f.id}">${f.id}</a> ${esc(f.title)}: ${esc(f.check)}: ${esc(f.detail)}${f.evidence ? ` <code>${esc(f.evidence)}</code>` : ''}</li>`,
        )
        .join('')}</ol>`,
    );
  if (unchecked.length)
    h.push(
      '<p><b>Not checked</b> (the run could not judge these; nothing wrong was found in them):</p>',
      `<ul>${unchecked.map((u) => `<li><a href="#i${u.id}">${u.id}</a> ${esc(u.title)}: ${esc(u.why)}</li>`).join('')}</ul>`,
    );
  h.push(
    `<p>Exit code ${exitCodeOf(r)} (0 all machine items passed, 1 deviations found, 3 the run was not complete).</p>`,
  );
  return h;
}

export function renderHtml(r: Report): string {
  const c = counts(r.items);
  const h: string[] = [];
  h.push(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(r.title)}</title><style>${STYLE}</style></head><body>`,
  );
  h.push(`<h1>${esc(r.title)}</h1><ul>`);
  h.push(`<li>Target: ${esc(r.baseUrl)}</li>`);
  if (r.contract)
    h.push(
      `<li>Contract: ${esc(r.contract.file)} (version ${esc(r.contract.version)}, sha256 ${r.contract.sha256.slice(0, 12)})</li>`,
    );
  h.push(
    `<li>Run: ${esc(r.startedAt)}, ${r.durationS.toFixed(1)} s, ${esc(r.mode)}; ${r.requests.sent} of ${r.requests.budget} requests</li>`,
  );
  if (r.stopped) h.push(`<li class="fail">Ended early: ${esc(r.stopped)}</li>`);
  h.push(
    `<li><span class="pass">${c.pass} pass</span> · <span class="fail">${c.fail} fail</span> · <span class="needs-confirmation">${c['needs-confirmation']} need confirmation</span> · ${c['not-checked']} not checked (of ${r.items.length} items)</li></ul>`,
  );
  h.push(...opening(r));
  for (const n of r.notes) h.push(`<p>${esc(n)}</p>`);
  h.push('<table><tr><th>item</th><th></th><th>result</th></tr>');
  for (const i of r.items)
    h.push(
      `<tr><td><a href="#i${i.id}">${i.id}</a></td><td>${esc(i.title)}</td><td class="${i.verdict} badge">${WORD[i.verdict]}</td></tr>`,
    );
  h.push('</table>');
  let section = '';
  for (const i of r.items) {
    if (sectionOf(i.id) !== section) {
      section = sectionOf(i.id);
      h.push(`<h2>${section} ${esc(SECTIONS[section] ?? '')}</h2>`);
    }
    h.push(
      `<h3 id="i${i.id}">${i.id} ${esc(i.title)} — <span class="${i.verdict}">${WORD[i.verdict]}</span></h3>`,
    );
    h.push(`<p><i>${esc(i.statement)}</i>${i.also ? ` (also ${esc(i.also)})` : ''}</p>`);
    h.push(`<p class="rule">Rule: ${esc(citationOf(i.id))}</p><ul>`);
    for (const ch of i.checks)
      h.push(
        `<li class="${ch.verdict}">${esc(ch.name)}: ${esc(ch.detail)}${ch.evidence.map(evidence).join('')}</li>`,
      );
    h.push('</ul>');
  }
  if (r.timings.length) {
    h.push(
      '<h2>Observed processing times (§11.4)</h2><p>Seconds (virtual on a time-scaled simulator); at least / at most.</p>',
    );
    h.push(
      '<table><tr><th>job</th><th>stage</th><th>at least</th><th>at most</th><th>target</th><th>maximum</th></tr>',
    );
    for (const t of r.timings)
      h.push(
        `<tr><td>${esc(t.label)}</td><td>${t.stage}</td><td>${t.atLeast.toFixed(1)}</td><td>${t.atMost.toFixed(1)}</td><td>${t.target.toFixed(1)}</td><td>${t.max.toFixed(1)}</td></tr>`,
      );
    h.push('</table>');
  }
  h.push(
    '<h2>Where the expectations came from</h2><table><tr><th>what</th><th>from</th><th>detail</th></tr>',
  );
  for (const p of r.provenance)
    h.push(`<tr><td>${esc(p.what)}</td><td>${p.from}</td><td>${esc(p.detail)}</td></tr>`);
  h.push('</table></body></html>\n');
  return h.join('\n');
}
