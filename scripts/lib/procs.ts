// Node child processes for the benchmark and the chaos run: started from the repository root with tsx,
// resolved once their output shows they are ready, their output kept (the tail in memory, all of it in a
// log file when asked).
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

export function startNode(
  name: string,
  file: string,
  opts: {
    env?: Record<string, string | undefined>;
    argv?: string[];
    ready: RegExp | ((tail: string) => boolean);
    logFile?: string;
    timeoutMs?: number;
    nodeArgs?: string[];
  },
): Promise<NodeProcess> {
  const child = spawn(
    process.execPath,
    [...(opts.nodeArgs ?? []), '--import', 'tsx', file, ...(opts.argv ?? [])],
    { cwd: ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] },
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
  const isReady =
    typeof opts.ready === 'function' ? opts.ready : (t: string) => (opts.ready as RegExp).test(t);
  return new Promise((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(() => {
      if (ready) return;
      child.kill('SIGKILL');
      reject(new Error(`${name} was not ready within ${opts.timeoutMs ?? 60_000} ms:\n${out}`));
    }, opts.timeoutMs ?? 60_000);
    const onData = (d: Buffer) => {
      log?.write(d);
      out = (out + d.toString()).slice(-20_000);
      if (!ready && isReady(out)) {
        ready = true;
        clearTimeout(timer);
        resolve(proc);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${out}`));
    });
  });
}
