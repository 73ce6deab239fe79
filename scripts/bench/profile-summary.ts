// `node --import tsx scripts/bench/profile-summary.ts <dir A> <dir B> [--top 25]`: where two sets of V8 CPU
// profiles (the bench's --profile output: two directories, or two phases' file prefixes such as
// bench/results/<stamp>-profiles/tracing-off-round-1 and …/tracing-on-round-1) spend
// their time, as markdown: self time by package or Node subsystem, then the functions whose self time grew
// most from A to B. Used to find what tracing costs (D280); idle time is left out.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's self time is counted: a package, a Node subsystem, a directory of Otto's, or V8. */
export function categoryOf(url: string, functionName: string): string {
  if (!url) return functionName || '(anonymous native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1] as string;
  const node = /^node:(?:internal\/)?([^/]+)/.exec(url);
  if (node) return `node:${(node[1] as string).replace(/\.js$/, '')}`;
  const own = /\/(src|simulator|scripts)\/([^/]+)/.exec(url);
  if (own) return `${own[1]}/${(own[2] as string).replace(/\.ts$/, '')}`;
  return url;
}

const IDLE = new Set(['(idle)', '(root)']);

/**
 * Who a sample is spent for: the first frame from the leaf up that is neither Node's nor native (Node's
 * and V8's work counts for the package that asked for it), except async_hooks, counted as itself (its
 * promise hooks run for every promise, on nobody's behalf), and the garbage collector.
 */
function ownerOf(leaf: number, nodes: Map<number, ProfileNode>, parent: Map<number, number>): string {
  for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
    const { url, functionName } = (nodes.get(id) as ProfileNode).callFrame;
    if (url.includes('async_hooks')) return 'node:async_hooks';
    if (functionName === '(garbage collector)') return '(garbage collector)';
    if (url && !url.startsWith('node:')) return categoryOf(url, functionName);
  }
  return '(Node or V8, no package)';
}

/**
 * The part of tracing a frame belongs to, for issue 20's split of what tracing costs (D361), or null when
 * it is not tracing's: the context manager's hooks, the batch processor and OTLP exporter (encoding and
 * HTTP), the log mixin, or the SDK's, API's and src/tracing's span creation and attributes.
 */
export function tracingPartOf(url: string, functionName: string): string | null {
  if (
    /tracing-context|async_hooks|context-async-hooks|@opentelemetry\/api\/build\/src\/(api\/context|context\/)/.test(
      url,
    )
  )
    return 'context propagation';
  if (functionName === 'traceFields' || functionName === 'mixin') return 'log mixin';
  if (/otlp-transformer|otlp-exporter-base|exporter-trace-otlp|BatchSpanProcessor/.test(url))
    return 'batch processor and OTLP exporter';
  if (url.includes('@opentelemetry/') || /\/src\/tracing(-sdk)?\.ts/.test(url))
    return 'span creation and attributes';
  return null;
}

/** Tracing's part of a sample: the first frame from the leaf up that is not Node's or native decides. */
function tracingPartAt(leaf: number, nodes: Map<number, ProfileNode>, parent: Map<number, number>) {
  for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
    const { url, functionName } = (nodes.get(id) as ProfileNode).callFrame;
    const part = tracingPartOf(url, functionName);
    if (part) return part;
    if (functionName === '(garbage collector)') return '(garbage collector)';
    if (url && !url.startsWith('node:')) return 'not tracing';
  }
  return 'not tracing';
}

/** Self milliseconds by category and by function over every .cpuprofile in `dir`. */
/** The profiles of `where`: every .cpuprofile of a directory, or, for a path that is not one, those of its
 * directory whose names start with its last part (the bench's per-phase files, `<stamp>-profiles/tracing-on-round-1`). */
export function profileFiles(where: string): string[] {
  const isDir = existsSync(where) && statSync(where).isDirectory();
  const dir = isDir ? where : path.dirname(where);
  const prefix = isDir ? '' : path.basename(where);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile') && f.startsWith(prefix))
    .map((f) => path.join(dir, f));
}

export function summarise(dir: string) {
  const byCategory = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const byOwner = new Map<string, number>();
  const byTracingPart = new Map<string, number>();
  let total = 0;
  for (const file of profileFiles(dir)) {
    const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const nodes = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map(p.nodes.flatMap((n) => (n.children ?? []).map((c) => [c, n.id] as const)));
    p.samples.forEach((id, i) => {
      const frame = nodes.get(id)?.callFrame;
      if (!frame || IDLE.has(frame.functionName)) return;
      const ms = (p.timeDeltas[i] ?? 0) / 1000;
      const category = categoryOf(frame.url, frame.functionName);
      const fn = `${frame.functionName || '(anonymous)'} ${category}:${frame.lineNumber + 1}`;
      byCategory.set(category, (byCategory.get(category) ?? 0) + ms);
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
      const owner = ownerOf(id, nodes, parent);
      byOwner.set(owner, (byOwner.get(owner) ?? 0) + ms);
      const part = tracingPartAt(id, nodes, parent);
      byTracingPart.set(part, (byTracingPart.get(part) ?? 0) + ms);
      total += ms;
    });
  }
  return { total, byCategory, byFunction, byOwner, byTracingPart };
}

function table(a: Map<string, number>, b: Map<string, number>, top: number): string[] {
  const keys = [...new Set([...a.keys(), ...b.keys()])];
  const rows = keys
    .map((k) => ({ k, a: a.get(k) ?? 0, b: b.get(k) ?? 0 }))
    .sort((x, y) => y.b - y.a - (x.b - x.a))
    .slice(0, top);
  return rows.map((r) => `| ${r.k} | ${r.a.toFixed(0)} | ${r.b.toFixed(0)} | ${(r.b - r.a).toFixed(0)} |`);
}

function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '25' } },
  });
  const [dirA, dirB] = positionals;
  if (!dirA || !dirB) throw new Error('usage: profile-summary.ts <dir A> <dir B> [--top N]');
  const top = Number(values.top);
  const a = summarise(dirA);
  const b = summarise(dirB);
  const head = `| | ${path.basename(dirA)} ms | ${path.basename(dirB)} ms | difference ms |`;
  console.log(
    [
      `Busy (non-idle) CPU in the profiles: ${a.total.toFixed(0)} ms (${dirA}), ${b.total.toFixed(0)} ms (${dirB}).`,
      '',
      '### Time by the package it was spent for (Node and V8 work counted for their caller), largest growth first',
      '',
      head.replace('| |', '| package |'),
      '|---|---|---|---|',
      ...table(a.byOwner, b.byOwner, top),
      '',
      "### Tracing's work by part (D361: the garbage collector apart, the rest is everything else)",
      '',
      head.replace('| |', '| part |'),
      '|---|---|---|---|',
      ...table(a.byTracingPart, b.byTracingPart, top),
      '',
      '### Self time by package or subsystem, largest growth first',
      '',
      head.replace('| |', '| package or subsystem |'),
      '|---|---|---|---|',
      ...table(a.byCategory, b.byCategory, top),
      '',
      '### Functions whose self time grew most',
      '',
      head.replace('| |', '| function |'),
      '|---|---|---|---|',
      ...table(a.byFunction, b.byFunction, top),
    ].join('\n'),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) main();
