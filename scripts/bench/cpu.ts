// CPU seconds used by processes (Linux /proc): Otto, the simulator, every Postgres backend, the load
// generator. Sampled before and after a phase to say where the machine's time went.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS = 100; // USER_HZ on Linux

function procCpu(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime + stime, plus cutime + cstime: the CPU of its children that exited and were waited for (a
    // Postgres backend whose connection closed during a phase would otherwise take its CPU with it)
    return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / TICKS;
  } catch {
    return 0;
  }
}

/** CPU seconds of `pid` and of all its descendants, alive or exited (and waited for). */
export function treeCpu(pid: number): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {}
  }
  let total = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop() as number;
    total += procCpu(p);
    stack.push(...(children.get(p) ?? []));
  }
  return total;
}

/** CPU seconds by name, each name standing for one or more process trees. */
export function cpuSnapshot(pids: Record<string, number[]>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(pids).map(([k, list]) => [k, list.reduce((a, pid) => a + treeCpu(pid), 0)]),
  );
}

export const cpuDelta = (a: Record<string, number>, b: Record<string, number>) =>
  Object.fromEntries(Object.keys(a).map((k) => [k, (b[k] ?? 0) - (a[k] ?? 0)]));
