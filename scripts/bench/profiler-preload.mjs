// Loaded into every Otto process by `npm run bench -- --profile` (node --import): a V8 CPU profile per
// phase (D292). The bench sends SIGUSR2 as a phase starts (the profiler starts) and again as it ends (the
// profiler stops and writes BENCH_PROFILE_DIR/<pid>-<n>.cpuprofile, n counting from 1). Plain JavaScript,
// so that it loads before tsx; it profiles the thread that runs Otto, through node:inspector.
import { renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

const dir = process.env.BENCH_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  const post = (method, params = {}) =>
    new Promise((resolve, reject) =>
      session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
    );
  let running = false;
  let n = 0;
  const toggle = async () => {
    if (!running) {
      running = true;
      await post('Profiler.enable');
      await post('Profiler.start');
      return;
    }
    running = false;
    const { profile } = await post('Profiler.stop');
    const file = path.join(dir, `${process.pid}-${++n}.cpuprofile`);
    // written whole, then renamed: the bench never reads half a profile
    writeFileSync(`${file}.part`, JSON.stringify(profile));
    renameSync(`${file}.part`, file);
  };
  process.on('SIGUSR2', () => {
    toggle().catch((e) => console.error('bench profiler:', e));
  });
}
