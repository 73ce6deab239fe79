// Loaded into the sim-soak's simulator (node --import, D440): on SIGUSR2 it writes SIMMEM_FILE with where
// the process's memory is, once as it is and once after two full collections (when node runs with
// --expose-gc): process.memoryUsage(), V8's heap spaces, the kernel's split of the RSS (anonymous, file,
// threads). Plain JavaScript, so that it loads before tsx; the soak reads the RSS itself before signalling.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import v8 from 'node:v8';

const file = process.env.SIMMEM_FILE;
const mb = (n) => +(n / 1048576).toFixed(1);
const kernel = () => {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
  return {
    rssMb: mb(kb('VmRSS') * 1024),
    rssAnonMb: mb(kb('RssAnon') * 1024),
    rssFileMb: mb(kb('RssFile') * 1024),
    threads: kb('Threads'),
  };
};
const reading = () => {
  const u = process.memoryUsage();
  return {
    ...kernel(),
    heapUsedMb: mb(u.heapUsed),
    heapTotalMb: mb(u.heapTotal),
    externalMb: mb(u.external),
    arrayBuffersMb: mb(u.arrayBuffers),
    heapSpaces: Object.fromEntries(
      v8
        .getHeapSpaceStatistics()
        .map((s) => [s.space_name, { sizeMb: mb(s.space_size), usedMb: mb(s.space_used_size) }]),
    ),
    mallocedMb: mb(v8.getHeapStatistics().malloced_memory),
  };
};
if (file)
  process.on('SIGUSR2', () => {
    const before = reading();
    const gc = globalThis.gc;
    if (gc) {
      gc();
      gc();
    }
    const out = { before, afterGc: gc ? reading() : null };
    // written whole, then renamed: the soak never reads half a reading
    writeFileSync(`${file}.part`, JSON.stringify(out));
    renameSync(`${file}.part`, file);
  });
