// What a finished call costs the simulator while its retention window holds it (D370, D371), and the Node
// flags that size its heap to that (D372). The heap is read by scripts/bench/simheap.ts in a process of its
// own (it needs --expose-gc): whole CSR calls over HTTP, then a full collection as each part is cleared.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { PRODUCTION_COMMANDS, PRODUCTION_SIMULATOR_ENV } from '../../scripts/ci/production-settings.ts';
import { SIMULATOR_ENV, SIMULATOR_NODE_FLAGS } from '../../simulator/options.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

interface Probe {
  calls: number;
  heldBytesPerCall: number;
  bytesPerCallByPart: Record<'retentionQueue' | 'idempotency' | 'webhookLog' | 'jobsAndCalls', number>;
}

function probe(calls: number): Probe {
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', 'scripts/bench/simheap.ts', String(calls)],
    { cwd: ROOT, encoding: 'utf8', timeout: 280_000 },
  );
  if (r.status !== 0) throw new Error(`simheap.ts exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as Probe;
}

describe("the simulator's memory", () => {
  it('holds under 4.5 kB of live heap per finished call (5.9 kB before D370/D371)', () => {
    const p = probe(300);
    expect(p.calls).toBe(300);
    // two jobs and their call, two idempotency keys, two deliveries and six retention entries
    expect(p.heldBytesPerCall).toBeLessThan(4500);
    // one closure per retained record cost ~1.3 kB a call; three flat arrays cost a few hundred bytes
    expect(p.bytesPerCallByPart.retentionQueue).toBeLessThan(600);
  }, 300_000);

  it('starts its own process with the heap flags and the environment everywhere it is started as one (package.json, compose.yaml, the stacks)', () => {
    const env = Object.entries(SIMULATOR_ENV).map(([k, v]) => `${k}=${v}`);
    const scripts = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts;
    expect(scripts['start:simulator']).toBe(
      `${env.join(' ')} node ${SIMULATOR_NODE_FLAGS.join(' ')} --import tsx simulator/main.ts`,
    );
    expect(PRODUCTION_SIMULATOR_ENV).toEqual(SIMULATOR_ENV);
    const compose = YAML.parse(readFileSync(path.join(ROOT, 'compose.yaml'), 'utf8'));
    expect(compose.services.simulator.environment).toMatchObject(SIMULATOR_ENV);
    const stack = readFileSync(path.join(ROOT, 'scripts/lib/stack.ts'), 'utf8');
    expect(stack).toContain('env: { ...SIMULATOR_ENV,');
    // compose.yaml runs this command (test/unit/container-artefacts.test.ts)
    expect(PRODUCTION_COMMANDS.simulator).toEqual([
      'node',
      ...SIMULATOR_NODE_FLAGS,
      'dist/simulator/main.js',
    ]);
  });
});
