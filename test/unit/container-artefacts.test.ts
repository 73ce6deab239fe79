// The Dockerfile and compose.yaml (D191) cannot be run on this project's machines (no container runtime),
// so they are checked here against what CI proves (scripts/ci/production-proof.sh): the same build, the
// same production install, the same start and migrate commands; a runtime user that is not root; every
// setting production requires passed to every Otto service.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { PRODUCTION_COMMANDS, REQUIRED_SETTINGS } from '../../scripts/ci/production-settings.ts';
import { ROOT } from '../helpers/spawn.ts';

const read = (p: string) => readFileSync(path.join(ROOT, p), 'utf8');

interface Stage {
  name: string;
  from: string;
  instructions: { op: string; args: string }[];
}

/** The Dockerfile's stages and their instructions (continuation lines joined, comments dropped). */
function dockerfileStages(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const line of lines.map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))) {
    const [, op = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (op.toUpperCase() === 'FROM') {
      const [, from = '', name = ''] = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(args) ?? [];
      stages.push({ name, from, instructions: [] });
    } else stages.at(-1)?.instructions.push({ op: op.toUpperCase(), args });
  }
  return stages;
}

const execForm = (args: string): string[] => JSON.parse(args);
const proofScript = read('scripts/ci/production-proof.sh');
const proofDriver = read('scripts/ci/production-proof.ts');

describe('Dockerfile', () => {
  const stages = dockerfileStages(read('Dockerfile'));
  const [build, runtime] = stages;
  const runs = (s: Stage | undefined) =>
    s?.instructions.filter((i) => i.op === 'RUN').map((i) => i.args) ?? [];

  it('builds in one stage with npm ci and npm run build, as CI does, and runs from another', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    expect(
      runs(build)
        .join(' && ')
        .split(/\s*&&\s*/),
    ).toEqual(expect.arrayContaining(['npm ci', 'npm run build']));
    expect(read('.ci/run')).toMatch(/npm run production-proof|scripts\/ci\/production-proof\.sh/);
    expect(proofScript).toContain('npm run build');
  });

  it('installs the production dependencies with the command the proof uses, and copies dist/ from the build', () => {
    expect(proofScript).toContain(PRODUCTION_COMMANDS.install);
    expect(runs(runtime).some((r) => r.startsWith(PRODUCTION_COMMANDS.install))).toBe(true);
    expect(runtime?.instructions).toContainEqual({ op: 'COPY', args: '--from=build /app/dist ./dist' });
    expect(runs(runtime).join(' ')).not.toMatch(/npm run build|tsx/);
  });

  it('runs as a user that is not root, the start command the proof runs, in exec form (SIGTERM reaches node)', () => {
    const user = runtime?.instructions.filter((i) => i.op === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    const cmd = runtime?.instructions.filter((i) => i.op === 'CMD').at(-1)?.args ?? '';
    expect(execForm(cmd)).toEqual([...PRODUCTION_COMMANDS.otto]);
    expect(proofDriver).toContain('PRODUCTION_COMMANDS.otto');
    expect(runtime?.instructions.find((i) => i.op === 'ENV')?.args).toMatch(/NODE_ENV=production/);
  });

  it('uses the Node major version package.json asks for', () => {
    const major = /\d+/.exec(JSON.parse(read('package.json')).engines.node)?.[0];
    for (const s of stages) expect(s.from).toMatch(new RegExp(`^node:${major}[-.]`));
  });
});

describe('compose.yaml', () => {
  const compose = YAML.parse(read('compose.yaml'), { merge: true });
  const services = compose.services as Record<string, Record<string, unknown>>;
  const env = (name: string) => services[name]?.environment as Record<string, string>;

  it('has Postgres, a one-shot migration, the API and the worker, and the simulator behind a profile', () => {
    expect(Object.keys(services).sort()).toEqual([
      'migrate',
      'otto-api',
      'otto-worker',
      'postgres',
      'simulator',
    ]);
    expect(services.simulator?.profiles).toEqual(['simulator']);
    for (const name of ['migrate', 'otto-api', 'otto-worker', 'simulator'])
      expect(services[name]?.build).toBe('.');
  });

  it('runs the commands the proof runs: migrate once, then Otto by role', () => {
    expect(services.migrate?.command).toEqual([...PRODUCTION_COMMANDS.migrate]);
    expect(services.migrate?.restart).toBe('no');
    expect(proofDriver).toContain('PRODUCTION_COMMANDS.migrate');
    expect(services['otto-api']?.command).toEqual([...PRODUCTION_COMMANDS.otto]);
    expect(services['otto-worker']?.command).toEqual([...PRODUCTION_COMMANDS.otto]);
    expect(env('otto-api').OTTO_ROLE).toBe('api');
    expect(env('otto-worker').OTTO_ROLE).toBe('worker');
    expect(
      (services.simulator?.command as string[] | undefined)?.slice(0, PRODUCTION_COMMANDS.simulator.length),
    ).toEqual([...PRODUCTION_COMMANDS.simulator]);
    for (const name of ['otto-api', 'otto-worker'])
      expect(services[name]?.depends_on).toEqual({
        migrate: { condition: 'service_completed_successfully' },
      });
    expect(services.migrate?.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
  });

  it('passes every required setting to every Otto service, secrets from the environment, never a default', () => {
    for (const name of ['migrate', 'otto-api', 'otto-worker']) {
      const e = env(name);
      expect(Object.keys(e)).toEqual(expect.arrayContaining([...REQUIRED_SETTINGS]));
      expect(e.NODE_ENV).toBe('production');
      expect(e.OTTO_MIGRATE_ON_START).toBe('false');
      for (const secret of ['UWC_JWT_SECRET', 'UWC_HMAC_SECRET', 'OTTO_ADMIN_TOKEN', 'AUTH_HS256_SECRET'])
        expect(e[secret]).toBe(`\${${secret}:?set ${secret}}`);
    }
  });

  it('runs two API and two worker processes, as the proof does', () => {
    expect(services['otto-api']?.deploy).toEqual({ replicas: 2 });
    expect(services['otto-worker']?.deploy).toEqual({ replicas: 2 });
    expect(proofDriver).toMatch(/apiPorts = \[await freePort\(\), await freePort\(\)\]/);
    expect(proofDriver).toMatch(/\[1, 2\]\.map\(async \(n\) => otto\(`worker-\$\{n\}`/);
  });
});
