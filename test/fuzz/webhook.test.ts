// Fuzz: the Shunya webhook receiver over real HTTP and Postgres (properties in webhook-target.ts).
// FUZZ_RUNS (default 700) and FUZZ_SEED choose the size and the seed; fast-check prints the seed and
// path of a failure, to replay with FUZZ_SEED=… (and fc's `path`).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeHttpAgent, fuzzSettings, Tally } from '../../scripts/fuzz/harness.ts';
import { startWebhookTarget, type WebhookTarget, webhookCaseArb } from '../../scripts/fuzz/webhook-target.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const { numRuns, seed } = fuzzSettings(700);
let t: TestDatabase;
let target: WebhookTarget;
const tally = new Tally('webhook');

beforeAll(async () => {
  t = await createTestDatabase();
  target = await startWebhookTarget(t.db, tally);
});
afterAll(async () => {
  await target?.close();
  closeHttpAgent();
  await t?.drop();
});

describe('fuzz: POST /api/v1/shunya/webhook', () => {
  it(
    `holds its properties over ${numRuns} mutated deliveries (seed ${seed})`,
    async () => {
      await fc.assert(
        fc.asyncProperty(webhookCaseArb, (c) => target.run(c)),
        { numRuns, seed },
      );
      expect(tally.violationCount).toBe(0);
      // the mix reached past the signature check, and refused forgeries
      expect(Object.keys(tally.outcomes).some((o) => o.startsWith('2xx:processed'))).toBe(true);
      expect(tally.statuses[401]).toBeGreaterThan(0);
    },
    120_000 + numRuns * 100,
  );
});
