// The operator scripts under a production configuration that is not complete (issue 16, D136): like Otto
// itself, each says what is wrong in one line per problem and exits 1. Before, `npm run db:migrate`,
// `company:create`, `operator` and `token:mint` let loadConfig's ConfigError escape as a stack trace,
// which buries the list of problems an operator has to fix.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/spawn.ts';

const run = promisify(execFile);

const SCRIPTS: [string, string[]][] = [
  ['db-migrate.ts', []],
  ['company-create.ts', ['--name', 'Probe Roofing']],
  ['operator.ts', ['list']],
  ['mint-token.ts', ['--company', '00000000-0000-4000-8000-000000000000']],
];

/** The script run as an operator would, with NODE_ENV=production and none of the settings it needs. */
async function runScript(script: string, args: string[]): Promise<{ code: number; stderr: string }> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production' };
  try {
    await run(process.execPath, ['--import', 'tsx', path.join('scripts', script), ...args], {
      cwd: ROOT,
      env,
      timeout: 60_000,
    });
    return { code: 0, stderr: '' };
  } catch (e) {
    const err = e as { code?: number; stderr?: string };
    return { code: err.code ?? -1, stderr: err.stderr ?? '' };
  }
}

describe('operator scripts with an incomplete production configuration', () => {
  for (const [script, args] of SCRIPTS) {
    it(`${script} lists the problems without a stack trace and exits 1`, async () => {
      const { code, stderr } = await runScript(script, args);
      expect(code).toBe(1);
      expect(stderr).toMatch(/^otto: Invalid configuration:/m);
      expect(stderr).toMatch(/AUTH_ISSUER/);
      expect(stderr).toMatch(/DATABASE_URL/);
      expect(stderr).not.toMatch(/\n\s+at /);
    }, 90_000);
  }
});
