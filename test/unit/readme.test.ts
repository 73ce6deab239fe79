// README is the front door: it names every environment variable Otto, the simulator and the scripts read,
// and every npm script. After a day of parallel branches each adding settings, nothing else notices when
// a row is missed; this does (a README row can be written wrong, but not forgotten).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/spawn.ts';

const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const README = read('README.md');
const named = (name: string) => new RegExp(`(^|[^A-Z0-9_])${name}([^A-Z0-9_]|$)`).test(README);

/** The keys of Otto's environment schema (src/config.ts `EnvSchema`). */
function ottoVariables(): string[] {
  const text = read('src/config.ts');
  const start = text.indexOf('const EnvSchema = z.object({');
  const end = text.indexOf('\n});', start);
  expect(start).toBeGreaterThan(-1);
  return [...text.slice(start, end).matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1] as string);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(rel) : rel.endsWith('.ts') ? [rel] : [];
  });
}

/** What the simulator reads (simulator/options.ts), the OTEL_* variables tracing reads, and process.env.X
 * anywhere in src/ and scripts/ (but the shell's own). */
function otherVariables(): string[] {
  const sim = [...read('simulator/options.ts').matchAll(/'((?:SIM|SIMULATOR|OTTO|UWC)_[A-Z0-9_]+)'/g)];
  const otel = ['src/tracing.ts', 'src/tracing-sdk.ts', 'src/config.ts'].flatMap((f) => [
    ...read(f).matchAll(/(?:otel\.|env\.|')(OTEL_[A-Z_]+)/g),
  ]);
  const ENV_OF_THE_SHELL = new Set(['PATH', 'HOME', 'TMPDIR']);
  const processEnv = [...sourceFiles('src'), ...sourceFiles('scripts')].flatMap((f) => [
    ...read(f).matchAll(/process\.env\.([A-Z][A-Z0-9_]+)/g),
  ]);
  return [...sim, ...otel, ...processEnv].map((m) => m[1] as string).filter((n) => !ENV_OF_THE_SHELL.has(n));
}

describe('README names', () => {
  it('finds the variables it checks (the schema was read)', () => {
    expect(ottoVariables()).toEqual(expect.arrayContaining(['PORT', 'DATABASE_URL', 'UWC_JWT_SECRET']));
    expect(otherVariables()).toEqual(
      expect.arrayContaining(['SIMULATOR_PORT', 'OTEL_SERVICE_NAME', 'OTTO_SHARED_DIR']),
    );
  });
  it("every variable of Otto's configuration", () => {
    expect(ottoVariables().filter((v) => !named(v))).toEqual([]);
  });
  it('every variable the simulator and the scripts read', () => {
    expect([...new Set(otherVariables())].filter((v) => !named(v))).toEqual([]);
  });
  it('every npm script', () => {
    const scripts = Object.keys(JSON.parse(read('package.json')).scripts as Record<string, string>);
    const missing = scripts.filter(
      (s) => !README.includes(`npm run ${s}`) && !README.includes(`npm ${s}`) && !README.includes(`\`${s}\``),
    );
    expect(missing).toEqual([]);
  });
});
