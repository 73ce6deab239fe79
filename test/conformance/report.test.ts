// The report for CI and for people (issue 17, item 4; D176): three runs against one simulator with
// different outcomes (no deviation; a deviation; a request budget too small to reach most items) have
// the same JUnit case names, one per §13 item, what could not run is a skipped case; Markdown and HTML
// open with "What to fix", one line per failing item with its first evidence; the exit code tells a
// passing run (0), deviations (1) and a run that could not check everything (3) apart; every item
// cites the contract and the implementer's guide, never a path outside the repository.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../scripts/conformance/report/fix.ts';
import { renderHtml } from '../../scripts/conformance/report/html.ts';
import { renderJunit } from '../../scripts/conformance/report/junit.ts';
import { renderMarkdown } from '../../scripts/conformance/report/markdown.ts';
import type { Report } from '../../scripts/conformance/results.ts';
import { runShunya } from '../../scripts/conformance/run-shunya.ts';
import type { Deviation } from '../../simulator/deviations.ts';
import { type SimulatorHandle, startSimulator } from '../../simulator/server.ts';
import { freePort } from '../../src/util/net.ts';
import { SECRETS } from './kit.ts';

const TIME_SCALE = 60;
let h: SimulatorHandle;
const runs: Record<'control' | 'deviation' | 'starved' | 'unreachable', Report> = {} as never;

async function kit(
  name: string,
  deviations: Deviation[],
  maxRequests: number,
  baseUrl?: string,
): Promise<Report> {
  const port = await freePort();
  const companies: [string, string] = [`rep_${name}_a`, `rep_${name}_b`];
  const webhook_url = `http://127.0.0.1:${port}/api/v1/shunya/webhook`;
  h.sim.configure({ tenants: Object.fromEntries(companies.map((c) => [c, { webhook_url, deviations }])) });
  return runShunya({
    baseUrl: baseUrl ?? h.url,
    jwtSecret: SECRETS.jwt,
    hmacSecret: SECRETS.hmac,
    listenPort: port,
    listenHost: '127.0.0.1',
    publicUrl: undefined,
    reportDir: '',
    companies,
    quick: true,
    timeScale: TIME_SCALE,
    maxRequests,
    deadlineS: 90,
    asyncBudgetMs: 5000,
    contractFile: 'contracts/shunya.openapi.yaml',
    audioUrl: undefined,
    callIdBase: undefined,
    log: () => {},
  });
}

const caseNames = (r: Report) =>
  [...renderJunit(r).xml.matchAll(/<testcase [^>]*name="([^"]*)"/g)].map((m) => m[1]!);

beforeAll(async () => {
  h = await startSimulator({ timeScale: TIME_SCALE });
  const [control, deviation, starved, unreachable] = await Promise.all([
    kit('control', [], 600),
    kit('deviation', ['expired_jwt_accepted'], 600),
    kit('starved', [], 12),
    // a port nothing listens on: every request is refused
    freePort().then((p) => kit('unreachable', [], 600, `http://127.0.0.1:${p}`)),
  ]);
  Object.assign(runs, { control, deviation, starved, unreachable });
}, 180_000);
afterAll(async () => {
  await h?.close();
});

describe('the JUnit file', () => {
  it('has the same case names, one per §13 item, whatever the run reached', () => {
    const names = caseNames(runs.control);
    expect(names).toHaveLength(58);
    expect(new Set(names).size).toBe(58);
    expect(names).toContain('13.2.1 JWT Verification');
    for (const n of names) expect(n).toMatch(/^13\.\d{1,2}\.\d /);
    expect(caseNames(runs.deviation)).toEqual(names);
    expect(caseNames(runs.starved)).toEqual(names);
    expect(caseNames(runs.unreachable)).toEqual(names);
  });

  it('fails the deviating item with its evidence and skips what could not run', () => {
    const dev = renderJunit(runs.deviation).xml;
    expect(dev).toMatch(/name="13\.2\.1 JWT Verification" time="0"><failure message="[^"]*expired/);
    expect(dev.match(/<failure /g)).toHaveLength(1);
    expect(renderJunit(runs.starved).xml).toMatch(
      /name="13\.9\.2 Duplicate Handling" time="0"><skipped message="not checked: the run ended early/,
    );
    const unreachable = renderJunit(runs.unreachable).xml;
    expect(unreachable).not.toContain('<failure ');
    expect(unreachable).toMatch(/name="13\.2\.1 JWT Verification" time="0"><skipped message="not checked: /);
    expect(renderJunit(runs.control).xml).not.toMatch(/<failure |not checked/);
  });
});

describe('Markdown and HTML', () => {
  it('open with What to fix: one line per failing item with its first evidence', () => {
    const md = renderMarkdown(runs.deviation);
    const fix = md.indexOf('## What to fix');
    expect(fix).toBeGreaterThan(0);
    expect(fix).toBeLessThan(md.indexOf('## Summary'));
    const lines = md
      .slice(fix, md.indexOf('## Summary'))
      .split('\n')
      .filter((l) => /^\d+\. /.test(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^1\. \[13\.2\.1\]\(#1321-jwt-verification--fail\) JWT Verification: .*expired.*\(.+\)$/,
    );
    const html = renderHtml(runs.deviation);
    expect(html.indexOf('id="what-to-fix"')).toBeLessThan(html.indexOf('<table>'));
    expect(html).toMatch(/<ol><li class="fail"><a href="#i13\.2\.1">13\.2\.1<\/a> JWT Verification: /);
  });

  it('list what the run could not check apart from what failed', () => {
    const starved = renderMarkdown(runs.starved);
    expect(starved.slice(0, starved.indexOf('## Summary'))).toMatch(
      /\*\*Not checked\*\*[\s\S]*- 13\.9\.2 Duplicate Handling: the run ended early/,
    );
    const md = renderMarkdown(runs.unreachable);
    const head = md.slice(0, md.indexOf('## Summary'));
    expect(head).toContain('Nothing: no item failed.');
    expect(head).toMatch(/The target never answered: none of the kit's \d+ requests got an answer/);
    expect(renderMarkdown(runs.control)).not.toContain('**Not checked**');
  });

  it('cite every rule in the contract and the guide, never a path outside the repository', () => {
    for (const r of Object.values(runs))
      for (const text of [renderMarkdown(r), renderHtml(r), renderJunit(r).xml, JSON.stringify(r)]) {
        expect(text).not.toMatch(/\.\.\/shared|shared\/spec/);
        expect(text).not.toContain('/paths//');
      }
    const md = renderMarkdown(runs.control);
    expect(
      md.match(/^Rule: contracts\/shunya\.openapi\.yaml#\/[^;]*; docs\/implementing-shunya\.md#[a-z-]+$/gm),
    ).toHaveLength(58);
    expect(md).toContain(
      'Rule: contracts/shunya.openapi.yaml#/x-webhook-delivery; docs/implementing-shunya.md#webhooks',
    );
  });
});

describe('the exit code', () => {
  it('is 0 when every machine item passed, 1 on deviations, 3 when the target never answered', () => {
    expect(exitCodeOf(runs.control)).toBe(0);
    expect(exitCodeOf(runs.deviation)).toBe(1);
    expect(exitCodeOf(runs.unreachable)).toBe(3);
  });
});
