// Fuzz: CallRail's post-call trigger over real HTTP and Postgres (properties in callrail-target.ts).
// FUZZ_RUNS and FUZZ_SEED choose the size and the seed.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CallRailTarget,
  callRailCaseArb,
  startCallRailTarget,
} from '../../scripts/fuzz/callrail-target.ts';
import { closeHttpAgent, fuzzSettings, Tally } from '../../scripts/fuzz/harness.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const { numRuns, seed } = fuzzSettings(1000);
let t: TestDatabase;
let target: CallRailTarget;
const tally = new Tally('callrail');

beforeAll(async () => {
  t = await createTestDatabase();
  target = await startCallRailTarget(t.db, tally);
});
afterAll(async () => {
  await target?.close();
  closeHttpAgent();
  await t?.drop();
});

describe('fuzz: POST /webhooks/callrail/call.completed', () => {
  it(
    `holds its properties over ${numRuns} mutated deliveries (seed ${seed})`,
    async () => {
      await fc.assert(
        fc.asyncProperty(callRailCaseArb, (c) => target.run(c)),
        { numRuns, seed },
      );
      expect(tally.violationCount).toBe(0);
      expect(tally.outcomes['202:queued']).toBeGreaterThan(0);
      expect(tally.statuses[401]).toBeGreaterThan(0);
    },
    120_000 + numRuns * 100,
  );
});
