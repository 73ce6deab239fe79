// The kit without Otto's repository (issue 17, item 5; D177): `npm run conformance:pack` builds one
// file that runs with `node` from an empty directory outside the repository against a simulator and
// passes, and a tarball that `npm install -g` turns into the `otto-shunya-conformance` command.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NAME, pack } from '../../scripts/conformance/pack.ts';
import type { Report } from '../../scripts/conformance/results.ts';
import { type SimulatorHandle, startSimulator } from '../../simulator/server.ts';
import { freePort } from '../../src/util/net.ts';
import { ROOT } from '../helpers/spawn.ts';
import { SECRETS } from './kit.ts';

type Ran = { code: number | null; stdout: string; stderr: string };

/** Runs a command in `cwd` (not the repository's) to its end. */
function runIn(cwd: string, cmd: string, args: string[]): Promise<Ran> {
  return new Promise((resolve) =>
    execFile(
      cmd,
      args,
      { cwd, env: { ...process.env, NO_COLOR: '1' }, timeout: 170_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

let built: { bundle: string; tarball: string };
let h: SimulatorHandle;
const empty = mkdtempSync(path.join(tmpdir(), 'kit-pack-run-'));
const prefix = mkdtempSync(path.join(tmpdir(), 'kit-pack-prefix-'));

beforeAll(async () => {
  built = await pack();
  h = await startSimulator({ timeScale: 60 });
}, 120_000);
afterAll(async () => {
  await h?.close();
  for (const d of [empty, prefix]) rmSync(d, { recursive: true, force: true });
});

describe('npm run conformance:pack', () => {
  it('builds one file of a few MB that names nothing of the repository', () => {
    const size = statSync(built.bundle).size;
    expect(size).toBeLessThan(4 * 1_048_576);
    const text = readFileSync(built.bundle, 'utf8');
    expect(text.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(text).not.toContain(ROOT);
    expect(empty.startsWith(ROOT)).toBe(false);
  });

  it('runs from an empty directory with node against the simulator, passes and writes the reports', async () => {
    copyFileSync(built.bundle, path.join(empty, `${NAME}.mjs`));
    const listen = await freePort();
    const companies = ['packed_a', 'packed_b'];
    const webhook_url = `http://127.0.0.1:${listen}/api/v1/shunya/webhook`;
    h.sim.configure({ tenants: Object.fromEntries(companies.map((c) => [c, { webhook_url }])) });
    const r = await runIn(empty, process.execPath, [
      `${NAME}.mjs`,
      ...['--target', 'shunya', '--base-url', h.url, '--listen', String(listen), '--quick'],
      ...['--jwt-secret', SECRETS.jwt, '--hmac-secret', SECRETS.hmac, '--time-scale', '60'],
      ...[
        '--company-id',
        companies[0]!,
        '--company-id',
        companies[1]!,
        '--report',
        'report',
        '--deadline',
        '120',
      ],
    ]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/Shunya conformance report: 37 pass, 0 fail, 21 need confirmation/);
    for (const f of ['report.md', 'report.html', 'junit.xml', 'report.json'])
      expect(existsSync(path.join(empty, 'report', f)), f).toBe(true);
    const report = JSON.parse(readFileSync(path.join(empty, 'report/report.json'), 'utf8')) as Report;
    expect(report.contract?.file).toBe('contracts/shunya.openapi.yaml');
    expect(readFileSync(path.join(empty, 'report/junit.xml'), 'utf8').match(/<testcase /g)).toHaveLength(58);
  }, 180_000);

  it('builds a tarball that npm install -g turns into the otto-shunya-conformance command', async () => {
    const installed = await runIn(prefix, 'npm', [
      'install',
      '-g',
      '--prefix',
      prefix,
      '--no-audit',
      '--no-fund',
      built.tarball,
    ]);
    expect(installed.code, installed.stderr).toBe(0);
    const help = await runIn(prefix, path.join(prefix, 'bin', NAME), ['--help']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain(`${NAME} --target shunya --base-url URL`);
    expect(help.stdout).toMatch(/Exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 .*\n {2}3 /);
    const usage = await runIn(prefix, path.join(prefix, 'bin', NAME), ['--target', 'nowhere']);
    expect(usage.code).toBe(2);
  }, 120_000);
});
