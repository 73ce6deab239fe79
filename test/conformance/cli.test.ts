// The conformance kit as CI runs it (issue 10, part 3): the real CLI (`npm run conformance -- --quick`)
// against a real simulator process in its default configuration (only its port, its webhook URL and a
// time scale of 60 so that lifecycles and webhook retries take seconds). Every checkable §13 item
// passes, the exit code is 0, and the report directory holds report.md, report.html and a JUnit file
// of one testcase per §13 item (D176). The other exit codes: 2 for a usage error, 3 when the kit could
// not run (its listener's port is taken).
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../scripts/conformance/results.ts';
import { freePort } from '../../src/util/net.ts';
import { type Proc, run, start } from '../helpers/spawn.ts';
import { SECRETS } from './kit.ts';

let sim: Proc;
let result: { code: number | null; stdout: string; stderr: string };
const dir = mkdtempSync(path.join(tmpdir(), 'conformance-'));

beforeAll(async () => {
  const [simPort, listen] = [await freePort(), await freePort()];
  sim = await start(
    'node',
    [
      '--import',
      'tsx',
      'simulator/main.ts',
      '--port',
      String(simPort),
      '--time-scale',
      '60',
      '--webhook-url',
      `http://127.0.0.1:${listen}/api/v1/shunya/webhook`,
      '--log-level',
      'warn',
    ],
    /listening on/,
  );
  result = await run('npm', [
    'run',
    'conformance',
    '--',
    '--target',
    'shunya',
    '--base-url',
    `http://127.0.0.1:${simPort}`,
    '--jwt-secret',
    SECRETS.jwt,
    '--hmac-secret',
    SECRETS.hmac,
    '--listen',
    String(listen),
    '--report',
    dir,
    '--quick',
    '--time-scale',
    '60',
    '--deadline',
    '120',
  ]);
}, 180_000);
afterAll(async () => {
  await sim?.stop();
});

describe('npm run conformance -- --quick against the simulator in its default configuration', () => {
  it('exits 0 and says so', () => {
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(/Shunya conformance report: 37 pass, 0 fail, 21 need confirmation/);
  });

  it('passes every machine-checkable item and passes no item it cannot check', () => {
    const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as Report;
    expect(report.items).toHaveLength(58);
    for (const i of report.items)
      expect(i.verdict, `${i.id} ${i.title}`).toBe(i.kind === 'machine' ? 'pass' : 'needs-confirmation');
  });

  it('writes a JUnit file of one testcase per §13 item, each check in its output', () => {
    const xml = readFileSync(path.join(dir, 'junit.xml'), 'utf8');
    const names = [...xml.matchAll(/<testcase [^>]*name="([^"]*)"/g)].map((m) => m[1]!);
    expect(names).toHaveLength(58);
    for (const n of names) expect(n).toMatch(/^13\.\d{1,2}\.\d /);
    expect(names).toContain('13.2.1 JWT Verification');
    expect(xml).toContain('✓ an expired token is refused');
    expect(xml).not.toContain('<failure');
    expect(result.stdout).toMatch(/58 items, 58 JUnit cases/);
  });

  it('writes the report as Markdown and HTML, mirroring §13', () => {
    const md = readFileSync(path.join(dir, 'report.md'), 'utf8');
    const html = readFileSync(path.join(dir, 'report.html'), 'utf8');
    for (const heading of [
      '## 13.1 API & Endpoints',
      '### 13.5.5 Webhook Retry — PASS',
      '## Observed processing times',
    ])
      expect(md).toContain(heading);
    expect(html).toContain('<h3 id="i13.14.3">13.14.3 SLA Response Times');
    expect(md).toContain('## What to fix\n\nNothing: no item failed.');
  });
});

describe('the exit codes besides 0', () => {
  it('is 2 for a usage error, with the usage', async () => {
    const r = await run('npm', [
      'run',
      '--silent',
      'conformance',
      '--',
      '--target',
      'shunya',
      '--report',
      dir,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--base-url is required[\s\S]*Exit codes:/);
  });

  it('is 3 when the kit cannot run: its listener port is taken', async () => {
    const taken: Server = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', resolve));
    try {
      const r = await run('npm', [
        ...['run', '--silent', 'conformance', '--', '--target', 'shunya', '--base-url', 'http://127.0.0.1:9'],
        ...['--jwt-secret', SECRETS.jwt, '--hmac-secret', SECRETS.hmac, '--listen', String(port)],
        ...['--report', path.join(dir, 'not-run')],
      ]);
      expect(r.code, r.stdout + r.stderr).toBe(3);
      expect(r.stderr).toMatch(/the kit could not run: .*EADDRINUSE/);
    } finally {
      taken.close();
    }
  });
});
