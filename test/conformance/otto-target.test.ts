// `npm run conformance -- --target otto`: signed webhooks against a real Otto (API, worker, Postgres)
// whose Shunya is a simulator with a frozen clock, so that only the kit's webhooks complete the job.
// With an operations token the kit makes its own job and every item passes; without one the checks that
// need a job need confirmation; with the wrong secret the kit fails Otto's answers as it should.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from '../../scripts/conformance/args.ts';
import { loadContract } from '../../scripts/conformance/contract/load.ts';
import { run } from '../../scripts/conformance/main.ts';
import { asContractWants, handoffBody } from '../../scripts/conformance/otto/webhooks.ts';
import { failedItems, type Report } from '../../scripts/conformance/results.ts';
import { TEST_SECRETS } from '../helpers/secrets.ts';
import { ROOT } from '../helpers/spawn.ts';
import { type Stack, startStack } from '../helpers/stack.ts';

let s: Stack;

async function kit(...flags: string[]): Promise<Report> {
  const a = parse(['--target', 'otto', '--base-url', s.otto.url, '--report', '.tmp/otto-kit', ...flags], {});
  if (a === 'help') throw new Error('help');
  return run(a, () => {});
}

const verdicts = (r: Report) => Object.fromEntries(r.items.map((i) => [i.id, i.verdict]));

beforeAll(async () => {
  // tolerant: the kit also sends Shunya's event profile, which only the tolerant reading has (D45)
  s = await startStack({
    sim: { timeScale: 0 },
    reading: 'tolerant',
    env: { AUTH_FAILURE_LIMIT: '1000000000' }, // the kit's bad signatures, on purpose (D130)
  });
}, 120_000);
afterAll(async () => {
  await s?.close();
});

describe('the conformance kit against Otto (--target otto)', () => {
  it('makes a job through the ops API, and Otto answers every webhook as §8 and its contract say', async () => {
    const r = await kit(
      '--hmac-secret',
      TEST_SECRETS.UWC_HMAC_SECRET,
      '--admin-token',
      TEST_SECRETS.OTTO_ADMIN_TOKEN,
    );
    expect(failedItems(r), JSON.stringify(r.items, null, 1)).toEqual([]);
    expect(Object.values(verdicts(r)).every((v) => v === 'pass')).toBe(true);
    const names = r.items.flatMap((i) => i.checks.map((c) => `${i.id} ${c.name}`));
    expect(names).toContain('4.6 the same webhook again is already_processed (200)');
    expect(names).toContain("7.3 a webhook naming another tenant's company_id is refused (403)");
    const applied = await s.db('webhook_deliveries').where({ verdict: 'processed' }).count({ n: '*' });
    expect(Number(applied[0]!.n)).toBe(1);
    // every body the kit sent (broken signatures and all) is a webhook body Otto's receiver documents
    expect((await s.proveWebhooks()).violations).toEqual([]);
  });

  it("sends the contract's webhook body (handoff profile)", () => {
    const c = loadContract(`${ROOT}/contracts/shunya.openapi.yaml`);
    const v = (b: unknown) => c.validate(c.webhook!.requestSchema!, b);
    const t = {
      jobId: 'shunya_task_1',
      companyId: 'company_abc123',
      callId: 12345,
      kind: 'transcription' as const,
    };
    expect(v(asContractWants(handoffBody(t), v))).toEqual([]);
    expect(v(asContractWants(handoffBody({ ...t, kind: 'analysis' }), v))).toEqual([]);
  });

  it('without a job, says which checks need one and fails none', async () => {
    const r = await kit('--hmac-secret', TEST_SECRETS.UWC_HMAC_SECRET);
    expect(failedItems(r)).toEqual([]);
    expect(verdicts(r)).toMatchObject({
      '8.1': 'needs-confirmation',
      '7.3': 'needs-confirmation',
      '4.6': 'needs-confirmation',
      '8.2': 'pass',
      '8.4': 'pass',
    });
    expect(r.items.find((i) => i.id === '7.3')!.checks[0]!.detail).toMatch(/needs a job id/);
  });

  it("fails when its secret is not Otto's (Otto refuses what the kit calls valid)", async () => {
    const r = await kit(
      '--hmac-secret',
      'not-the-shared-secret',
      '--admin-token',
      TEST_SECRETS.OTTO_ADMIN_TOKEN,
    );
    expect(failedItems(r)).toEqual(expect.arrayContaining(['8.1', '7.3', '4.6']));
  });
});
