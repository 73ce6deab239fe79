// Node child processes for the scripts (bench, chaos, demo): started with tsx from a source tree (this
// repository, or a baseline copy of it), resolved once they are ready, their output kept (the tail in
// memory, all of it in a log file when asked).
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface NodeProcess {
  name: string;
  child: ChildProcess;
  /** The last 20 kB of its output. */
  tail(): string;
  /** Settles with the exit code (null when killed by a signal) once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Set by whoever kills it on purpose, so that its death is not reported as a crash. */
  killedOnPurpose?: boolean;
}

export interface StartNodeOptions {
  env?: Record<string, string | undefined>;
  argv?: string[];
  /** A pattern in its output, a test of its output, or an async probe polled every 100 ms. */
  ready: RegExp | ((tail: string) => boolean) | { probe: (child: ChildProcess) => Promise<boolean> };
  logFile?: string;
  timeoutMs?: number;
  nodeArgs?: string[];
  /** The source tree to run from (default: this repository). */
  cwd?: string;
  /** false: `file` is compiled JavaScript, run without tsx's loader (the simulator in the bench, D490). */
  tsx?: boolean;
}

export function startNode(name: string, file: string, opts: StartNodeOptions): Promise<NodeProcess> {
  const child = spawn(
    process.execPath,
    [
      ...(opts.nodeArgs ?? []),
      ...(opts.tsx === false ? [] : ['--import', 'tsx']),
      file,
      ...(opts.argv ?? []),
    ],
    { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log = opts.logFile ? createWriteStream(opts.logFile, { flags: 'a' }) : undefined;
  let out = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      log?.end();
      resolve({ code, signal });
    }),
  );
  const proc: NodeProcess = { name, child, tail: () => out, exited };
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    let ready = false;
    const done = () => {
      if (ready) return;
      ready = true;
      clearTimeout(timer);
      resolve(proc);
    };
    const timer = setTimeout(() => {
      if (ready) return;
      ready = true;
      child.kill('SIGKILL');
      reject(new Error(`${name} was not ready within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const test =
      opts.ready instanceof RegExp
        ? (t: string) => (opts.ready as RegExp).test(t)
        : typeof opts.ready === 'function'
          ? opts.ready
          : null;
    const onData = (d: Buffer) => {
      log?.write(d);
      out = (out + d.toString()).slice(-20_000);
      if (test?.(out)) done();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    if (!test) {
      const { probe } = opts.ready as { probe: (child: ChildProcess) => Promise<boolean> };
      void (async () => {
        while (!ready && child.exitCode === null) {
          if (await probe(child).catch(() => false)) return done();
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
    }
    void exited.then(({ code, signal }) => {
      if (ready) return;
      ready = true;
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${out}`));
    });
  });
}
