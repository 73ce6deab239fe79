// Otto's V8 CPU profile per phase (D292): profiler-preload.mjs runs in every Otto process; the bench
// signals it as a phase starts and ends, collects the profiles into the result directory and summarises
// them as the functions with the most self time, over all of Otto's processes.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';

export const PRELOAD = path.join(import.meta.dirname, 'profiler-preload.mjs');

export interface ProfileSummary {
  /** the .cpuprofile files of the phase, relative to the result directory (open in Chrome DevTools) */
  files: string[];
  sampledMs: number;
  /** functions by self time, over every Otto process */
  topSelf: { fn: string; where: string; selfMs: number; share: number }[];
  /** self time by package (node_modules/<name>), Otto's own code (src/), and Node's internals */
  byPackage: { pkg: string; selfMs: number; share: number }[];
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

const signal = (pids: number[]) => {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGUSR2');
    } catch {
      // a process that died mid-phase has no profile to give
    }
  }
};

function packageOf(url: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1] as string;
  if (/\/src\//.test(url)) return 'otto src/';
  if (url === '') return '(V8: gc, idle, program, native)';
  return url.startsWith('node:') ? 'node internals' : 'other';
}

export function summarise(profiles: CpuProfile[], limit = 25): Omit<ProfileSummary, 'files'> {
  const byFn = new Map<string, { fn: string; where: string; selfMs: number }>();
  const byPkg = new Map<string, number>();
  let total = 0;
  for (const p of profiles) {
    const nodes = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
    p.samples.forEach((id, i) => {
      const ms = (p.timeDeltas[i] ?? 0) / 1000;
      const f = nodes.get(id);
      if (!f) return;
      total += ms;
      if (f.functionName === '(idle)') return;
      const where = f.url
        ? `${f.url.replace(/^file:\/\/.*?\/(node_modules|src|scripts)\//, '$1/')}:${f.lineNumber + 1}`
        : '';
      const key = `${f.functionName}\u0000${where}`;
      const e = byFn.get(key) ?? { fn: f.functionName || '(anonymous)', where, selfMs: 0 };
      e.selfMs += ms;
      byFn.set(key, e);
      const pkg = packageOf(f.url);
      byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + ms);
    });
  }
  const share = (ms: number) => ms / Math.max(total, 1e-9);
  return {
    sampledMs: total,
    topSelf: [...byFn.values()]
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, limit)
      .map((e) => ({ ...e, share: share(e.selfMs) })),
    byPackage: [...byPkg.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([pkg, selfMs]) => ({ pkg, selfMs, share: share(selfMs) })),
  };
}

/** Profiles Otto's processes over one phase: `start()` as it begins, `stop(label)` as it ends. */
export class PhaseProfiler {
  private seq = new Map<number, number>();
  private running: number[] = [];

  constructor(
    /** where the preload writes (BENCH_PROFILE_DIR) */
    readonly rawDir: string,
    /** the result directory the phase's profiles go to */
    private readonly resultDir: string,
    private readonly stamp: string,
  ) {}

  start(pids: number[]): void {
    this.running = pids;
    signal(pids);
  }

  async stop(label: string): Promise<ProfileSummary> {
    const pids = this.running;
    signal(pids);
    const slug = label.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
    const outDir = path.join(this.resultDir, `${this.stamp}-profiles`);
    await mkdir(outDir, { recursive: true });
    const files: string[] = [];
    const profiles: CpuProfile[] = [];
    for (const pid of pids) {
      const n = (this.seq.get(pid) ?? 0) + 1;
      const raw = path.join(this.rawDir, `${pid}-${n}.cpuprofile`);
      const deadline = Date.now() + 15_000;
      while (!existsSync(raw) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (!existsSync(raw)) continue;
      this.seq.set(pid, n);
      const name = `${slug}-${pid}.cpuprofile`;
      await rename(raw, path.join(outDir, name));
      files.push(path.join(`${this.stamp}-profiles`, name));
      profiles.push(JSON.parse(await readFile(path.join(outDir, name), 'utf8')) as CpuProfile);
    }
    return { files, ...summarise(profiles) };
  }
}
