// The soak's reading of where a process's memory is (D440): scripts/bench/simmem-preload.mjs in a plain Node
// process, asked by SIGUSR2, writes the reading as it is and after a full collection; nothing before.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimMemory } from '../../scripts/bench/simsoak.ts';

const PRELOAD = path.resolve(import.meta.dirname, '../../scripts/bench/simmem-preload.mjs');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function until(test: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (test()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} within 30 s`);
}

describe("the soak's memory reading", () => {
  it('writes the process as it is and after a full collection, only when signalled', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'simmem-'));
    dirs.push(dir);
    const file = path.join(dir, 'reading.json');
    // strings kept alive (13 MB of heap as V8 builds them) so the heap holds something to read; "ready" once they are made
    const child = spawn(
      process.execPath,
      [
        '--expose-gc',
        '--import',
        PRELOAD,
        '-e',
        'globalThis.keep = Array.from({ length: 20_000 }, (_, i) => String(i).padEnd(1000, "x")); console.log("ready"); setInterval(() => {}, 1000);',
      ],
      { env: { ...process.env, SIMMEM_FILE: file }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      await until(() => out.includes('ready'), 'the child was not ready');
      expect(existsSync(file)).toBe(false);
      child.kill('SIGUSR2');
      await until(() => existsSync(file), 'no reading was written');
      const m = JSON.parse(readFileSync(file, 'utf8')) as SimMemory;
      for (const r of [m.before, m.afterGc]) {
        expect(r).not.toBeNull();
        if (!r) continue;
        expect(r.heapUsedMb).toBeGreaterThan(8);
        expect(r.heapSpaces.old_space?.usedMb).toBeGreaterThan(0);
        expect(r.rssMb).toBeGreaterThanOrEqual(r.rssAnonMb);
        expect(r.rssFileMb).toBeGreaterThan(0);
        expect(r.threads).toBeGreaterThan(1);
      }
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});
