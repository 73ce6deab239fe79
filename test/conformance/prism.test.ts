// The kit against `prism mock` (issue 10, part 3): of our Shunya contract, and of the OpenAPI document
// Shunya published (its copy test/fixtures/shunya-published/shunya-openapi.json, D185). A mock answers with examples: it verifies
// no token, completes no job and sends no webhook. The kit must finish without crashing, within its
// deadline, and say what fails, with evidence. (The published document's report is kept in
// docs/conformance/published-shunya-api.md as the list to discuss with Shunya.)
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failedItems, type Report } from '../../scripts/conformance/results.ts';
import { runShunya } from '../../scripts/conformance/run-shunya.ts';
import { freePort } from '../../src/util/net.ts';
import { bin, type Proc, ROOT, start } from '../helpers/spawn.ts';
import { SECRETS } from './kit.ts';

const DOCUMENTS = {
  ours: 'contracts/shunya.openapi.yaml',
  published: path.join(ROOT, 'test/fixtures/shunya-published/shunya-openapi.json'),
};
const mocks: Proc[] = [];
const reports: Record<string, Report> = {};

async function mockAndRun(name: keyof typeof DOCUMENTS): Promise<void> {
  const port = await freePort();
  const prism = await start(
    bin('prism'),
    ['mock', DOCUMENTS[name], '-h', '127.0.0.1', '-p', String(port)],
    /Prism is listening/,
    { timeoutMs: 90_000 },
  );
  mocks.push(prism);
  reports[name] = await runShunya({
    baseUrl: `http://127.0.0.1:${port}`,
    jwtSecret: SECRETS.jwt,
    hmacSecret: SECRETS.hmac,
    listenPort: await freePort(),
    listenHost: '127.0.0.1',
    publicUrl: undefined,
    reportDir: '',
    companies: [`prism_${name}_a`, `prism_${name}_b`],
    quick: true,
    timeScale: 1,
    maxRequests: 300,
    deadlineS: 10,
    asyncBudgetMs: 5000,
    contractFile: path.join(ROOT, 'contracts/shunya.openapi.yaml'),
    audioUrl: undefined,
    callIdBase: undefined,
    log: () => {},
  });
}

beforeAll(async () => {
  await Promise.all([mockAndRun('ours'), mockAndRun('published')]);
}, 180_000);
afterAll(async () => {
  await Promise.all(mocks.map((m) => m.stop()));
});

describe.each(['ours', 'published'] as const)('the kit against prism mock of %s Shunya document', (name) => {
  it('finishes within its deadline and says what fails, with evidence', () => {
    const r = reports[name]!;
    expect(r.stopped).toMatch(/deadline/);
    expect(r.durationS).toBeLessThan(30);
    expect(r.items).toHaveLength(58);
    // a mock verifies no token, completes no job and sends no webhook
    expect(failedItems(r)).toEqual(
      expect.arrayContaining(['13.2.1', '13.3.3', '13.5.1', '13.5.4', '13.5.5']),
    );
    for (const i of r.items.filter((x) => x.verdict === 'fail'))
      for (const c of i.checks.filter((x) => x.verdict === 'fail'))
        expect(c.evidence.length + (c.name === 'not checked' ? 1 : 0), `${i.id} ${c.name}`).toBeGreaterThan(
          0,
        );
  });
});

it("reports how Shunya's published document differs from the contract (errors, ids, health)", () => {
  const published = failedItems(reports.published!);
  const ours = failedItems(reports.ours!);
  // FastAPI's 422 {detail} and untyped bodies: what the contract decided against (D57 and others)
  expect(published).toEqual(expect.arrayContaining(['13.1.3', '13.6.1', '13.13.4']));
  expect(published.length).toBeGreaterThan(ours.length);
});
