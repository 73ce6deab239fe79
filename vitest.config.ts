import { defineConfig } from 'vitest/config';

/** Files that run alone, after the others (D502): the conformance kit's proof runs 34 kits and a simulator
 * in one process, CPU-bound, and judges real time (a submission answered within 5 s, retries within
 * their lateness tolerance, Shunya's processing maxima at time scale 60): a second file beside it makes
 * its own answers late. */
const ALONE = [
  'test/conformance/mutations.test.ts',
  // the kit run whole against a simulator or Otto, judging the same real-time items (13.5.5 failed here
  // once beside another file on a loaded machine, D502)
  'test/conformance/pack.test.ts',
  'test/conformance/otto-target.test.ts',
  'test/conformance/cli.test.ts',
  'test/conformance/report.test.ts',
];

/** What every project shares. Not `extends: true`: that would hand each project the global setup too,
 * and vitest runs a global setup once per project that has it (three Postgres servers); the root's runs
 * once and its `provide` reaches every project. */
const common = {
  pool: 'forks',
  testTimeout: 30_000,
  hookTimeout: 120_000,
  // Fail on leaked handles rather than hang: every test file closes what it opens.
  teardownTimeout: 20_000,
} as const;

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    projects: [
      {
        test: {
          ...common,
          name: 'parallel',
          include: ['test/**/*.test.ts'],
          exclude: ALONE,
          // Two files at a time (vitest's default on 2 cores is one): most of a file's time is waiting on
          // its own Postgres database, simulator timers and browsers; every file has its own database,
          // ports and directories, and its tests wait for conditions, not fixed windows (D500, D501).
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      { test: { ...common, name: 'alone', include: ALONE, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
