// The front door, as a new user runs it: `npm start` (embedded Postgres in a fresh data directory,
// migrations, Otto and the simulator) and then `npm run demo` against it, as separate processes; then a
// graceful SIGTERM. Ports and the data directory are private to this test.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/util/net.ts';
import { TEST_ADMIN, TEST_SECRETS } from '../helpers/secrets.ts';
import { type Proc, ROOT, start } from '../helpers/spawn.ts';

const run = promisify(execFile);
let dataDir: string;
let env: NodeJS.ProcessEnv;
let system: Proc;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'otto-npm-start-'));
  await chmod(dataDir, 0o755); // as root, Postgres runs as another OS user that must enter it
  env = {
    ...TEST_SECRETS, // vitest's NODE_ENV=test reaches npm start: not development, so it sets its secrets
    PORT: String(await freePort()),
    SIMULATOR_PORT: String(await freePort()),
    EMBEDDED_PG_PORT: String(await freePort()),
    OTTO_DATA_DIR: dataDir,
    SIM_TIME_SCALE: '600',
    LOG_LEVEL: 'warn',
    DATABASE_URL: undefined, // the embedded default, whatever the environment running the tests says
  };
  system = await start('npm', ['start'], /Try it: npm run demo/, { env, timeoutMs: 90_000 });
}, 120_000);

afterAll(async () => {
  await system?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('npm start, then npm run demo', () => {
  it('prints the URLs and the demo tenant', () => {
    const out = system.output();
    expect(out).toContain(`http://127.0.0.1:${env.PORT}`);
    expect(out).toContain(`http://127.0.0.1:${env.SIMULATOR_PORT}`);
    expect(out).toMatch(/company id\s+[0-9a-f-]{36}/);
    expect(out).toMatch(/bearer token\s+ey/);
    expect(out).toMatch(new RegExp(`Console\\s+http://127.0.0.1:${env.PORT}/console/`));
  });

  it('drives a CSR call and a sales visit through the running system, step by step', async () => {
    const { stdout } = await run('npm', ['run', 'demo'], {
      cwd: ROOT,
      env: { ...process.env, ...env, NO_COLOR: '1' },
      timeout: 120_000,
    });
    expect(stdout).not.toContain('Starting the whole system');
    for (const step of [
      /POST \/webhooks\/callrail\/call\.completed .*\n.*→ 202 \{"status":"queued"/,
      /Shunya transcription: completed \(Shunya job /,
      /webhook \w+ from Shunya \(handoff profile\): processed, HTTP 200/,
      /event #\d+ call\.analyzed/,
      /status complete/,
      /→ 202 \{"session_id"/,
      /Shunya segmentation: completed/,
      /event #\d+ recording_session\.analyzed/,
      /CSR call job [0-9a-f-]{36}: succeeded; sales visit job [0-9a-f-]{36}: succeeded/,
    ])
      expect(stdout).toMatch(step);

    // the console (issue 13's "done when"): the page, and both demo jobs with their journeys (vitest's
    // NODE_ENV=test reaches npm start: not development, so the operator token is needed)
    const base = `http://127.0.0.1:${env.PORT}`;
    expect((await fetch(`${base}/console/`)).status).toBe(200);
    const ids = [...stdout.matchAll(/(?:CSR call|sales visit) job ([0-9a-f-]{36}): succeeded/g)].map(
      (m) => m[1],
    );
    expect(ids).toHaveLength(2);
    for (const id of ids) {
      const res = await fetch(`${base}/api/v1/ops/jobs/${id}/journey`, {
        headers: TEST_ADMIN,
      });
      const journey = (await res.json()) as {
        job: { job_status: string };
        timeline: { kind: string }[];
      };
      expect(journey.job.job_status).toBe('succeeded');
      expect(journey.timeline.map((e) => e.kind)).toEqual(
        expect.arrayContaining(['trigger', 'webhook', 'job_finished']),
      );
    }
  }, 150_000);

  it('shuts down gracefully on SIGTERM (as Ctrl-C does, to the whole process group): Postgres stopped too', async () => {
    const pid = system.child.pid as number;
    process.kill(-pid, 'SIGTERM');
    const deadline = Date.now() + 20_000;
    const alive = () => {
      try {
        process.kill(-pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(alive()).toBe(false);
    // the embedded Postgres was shut down cleanly: no postmaster.pid left behind
    expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
    expect(existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);
    expect(system.output()).not.toMatch(/"level":(50|60)/); // no error or fatal log line
  }, 30_000);
});
