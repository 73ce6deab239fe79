// The control API answers as contracts/simulator-admin.openapi.yaml says, and the CLI
// (`npm run start:simulator`) takes its settings from a scenario file, the environment and flags.
import { writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../simulator/server.ts';
import { freePort } from '../../src/util/net.ts';
import { contractValidator } from '../helpers/contracts.ts';
import { start } from '../helpers/spawn.ts';
import { admin, closedUrl, otto, sim, token } from './helpers.ts';

const validator = contractValidator();
const valid = (schema: string, v: unknown) =>
  validator.validate('simulator-admin.openapi.yaml', `/components/schemas/${schema}`, v);

describe('control API', () => {
  let h: SimulatorHandle;
  let a: ReturnType<typeof admin>;
  beforeAll(async () => {
    h = await sim();
    a = admin(h.url);
  });
  afterAll(() => h.close());

  it('answers every operation with a body its contract allows', async () => {
    const c = otto(h.url, 'acme');
    expect(valid('SimHealth', (await a.call('GET', '/health')).body)).toEqual([]);
    expect(valid('SettingsView', (await a.call('GET', '/config')).body)).toEqual([]);
    expect(
      valid(
        'SettingsView',
        (await a.config({ time_scale: 0, tenants: { acme: { payload_shape: 'shunya' } } })).body,
      ),
    ).toEqual([]);
    expect(valid('PresetApplied', (await a.preset('outage', { seconds: 5 })).body)).toEqual([]);
    expect(valid('AdvanceResult', (await a.advance(6)).body)).toEqual([]);
    const added = await a.fault({
      rules: [
        { kind: 'webhook_duplicate', probability: 1 },
        { kind: 'latency', count: 1, params: { delay: { model: 'fixed', ms: 1 } } },
      ],
    });
    expect(added.status).toBe(201);
    expect(valid('FaultRuleBatchResult', added.body)).toEqual([]);
    expect(
      valid(
        'ScenarioEntry',
        (await a.scenario('acme', 1, { qualification: 'hot', fail: { analysis: true } })).body,
      ),
    ).toEqual([]);
    expect(valid('ScenarioList', (await a.call('GET', '/scenarios')).body)).toEqual([]);
    await c.transcribe(1);
    await a.advance(1);
    await c.post('/api/v1/analysis/start/1');
    await a.advance(1);
    expect(valid('FaultList', (await a.call('GET', '/faults')).body)).toEqual([]);
    const jobs = (await a.jobs('?company_id=acme&state=failed')).body;
    expect(valid('JobList', jobs)).toEqual([]);
    expect(jobs.jobs).toHaveLength(1);
    const hooks = (await a.webhooks('?company_id=acme')).body;
    expect(valid('DeliveryList', hooks)).toEqual([]);
    expect(hooks.deliveries.length).toBe(4);
    expect(valid('Stats', (await a.call('GET', '/stats')).body)).toEqual([]);
    expect(valid('Time', (await a.call('GET', '/time')).body)).toEqual([]);
    expect(valid('Reset', (await a.call('POST', '/reset')).body)).toEqual([]);
    expect((await a.jobs()).body.jobs).toEqual([]);
    const doc = await fetch(`${h.url}/__sim/openapi.yaml`);
    expect(await doc.text()).toMatch(/^openapi: 3\.1\.0/);
  });

  it('refuses invalid input with the AdminError body', async () => {
    for (const r of [
      await a.config({ time_scale: -1 }),
      await a.config({ nonsense: true }),
      await a.scenario('acme', 1, { qualification: 'lukewarm' }),
      await a.call('POST', '/time/advance', { seconds: 'soon' }),
      await a.jobs('?state=sleeping'),
    ]) {
      expect(r.status).toBe(400);
      expect(valid('AdminError', r.body)).toEqual([]);
    }
    const missing = await a.call('DELETE', '/scenarios/acme/999');
    expect(missing.status).toBe(404);
    expect(valid('AdminError', missing.body)).toEqual([]);
  });
});

describe('npm run start:simulator', () => {
  it('runs alone, configured by a scenario file, the environment and flags, and stops on SIGTERM', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sim-cli-'));
    const file = path.join(dir, 'scenario.yaml');
    writeFileSync(
      file,
      [
        'preset: slow',
        'config:',
        '  payload_shape: shunya',
        'faults:',
        '  - kind: webhook_delay',
        '    probability: 0.5',
        'scenarios:',
        '  - company_id: acme',
        '    call_id: 7',
        '    qualification: hot',
        'start_time: "2025-03-10T09:00:00Z"',
      ].join('\n'),
    );
    const port = await freePort();
    const webhook = await closedUrl();
    const proc = await start(
      'npm',
      [
        'run',
        '--silent',
        'start:simulator',
        '--',
        '--preset',
        'happy',
        '--fault',
        '{"kind":"error","operations":["analysis_start"],"count":1}',
        '--webhook-profile',
        'shunya',
      ],
      /listening on/,
      {
        env: {
          SIMULATOR_PORT: String(port),
          SIM_SCENARIO: file,
          SIM_TIME_SCALE: '1000',
          OTTO_WEBHOOK_URL: webhook,
          UWC_JWT_SECRET: 'cli-jwt-secret-0123456789',
          SIM_SIGNATURE_REQUIRED: 'false',
          LOG_LEVEL: 'silent',
        },
      },
    );
    try {
      const base = `http://127.0.0.1:${port}`;
      const cfg = await (await fetch(`${base}/__sim/config`)).json();
      expect(cfg).toMatchObject({
        presets: ['happy'],
        time_scale: 1000,
        webhook_url: webhook,
        webhook_profile: 'shunya',
        payload_shape: 'shunya',
      });
      expect(cfg.latency.analysis).toEqual({ model: 'fixed', seconds: 0.005 });
      const faults = (await (await fetch(`${base}/__sim/faults`)).json()).rules.map(
        (r: { kind: string }) => r.kind,
      );
      expect(faults).toEqual(['webhook_delay', 'error']);
      expect((await (await fetch(`${base}/__sim/scenarios`)).json()).scenarios).toEqual([
        { company_id: 'acme', call_id: 7, qualification: 'hot' },
      ]);
      const tok = await token('acme', { secret: 'cli-jwt-secret-0123456789' });
      const r = await fetch(`${base}/api/v1/transcription/transcribe`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${tok}`,
          'x-company-id': 'acme',
          'content-type': 'application/json',
        },
        body: JSON.stringify({ call_id: 7, audio_url: 'https://r.example/7.mp3' }),
      });
      expect(r.status).toBe(202);
    } finally {
      await proc.stop();
    }
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  }, 60_000);

  it('refuses bad configuration with a message and exit code 2', async () => {
    await expect(
      start('npm', ['run', '--silent', 'start:simulator', '--', '--preset', 'calm'], /listening on/, {
        timeoutMs: 30_000,
      }),
    ).rejects.toThrow(/exited with 2[\s\S]*Usage/);
  }, 60_000);
});
