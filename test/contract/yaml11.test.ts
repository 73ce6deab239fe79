// Every document in contracts/ means the same thing to a YAML 1.1 loader as to a YAML 1.2 one (issue 10).
// A Python team loads them with PyYAML's `yaml.safe_load`, which follows YAML 1.1: `on`/`yes`/`no` are
// booleans, `1:30` is a sexagesimal 90, `0777` is octal, unquoted dates become datetimes, and a plain
// scalar in a flow sequence may not contain `?` or `: `. Two loaders are compared with the YAML 1.2 reading
// (the `yaml` package's default, which every tool here uses):
// - the `yaml` package in 1.1 mode (its schema: booleans, sexagesimals, octals, timestamps, merge keys);
// - PyYAML itself (python3), which also applies YAML 1.1's scanner rules. It is required: the check is the
//   point of the test. Install it with `pip install pyyaml`.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { CONTRACTS_DIR, type Json } from '../helpers/contracts.ts';

const FILES = readdirSync(CONTRACTS_DIR)
  .filter((f) => /\.(ya?ml|json)$/.test(f))
  .sort();

/** JSON-comparable form: what JSON cannot hold is spelled out, so a difference shows. */
function comparable(v: Json): Json {
  if (typeof v === 'number' && !Number.isFinite(v)) return { __float__: String(v) };
  if (v instanceof Date) return { __yaml11_type__: 'timestamp', value: v.toISOString() };
  if (v instanceof Uint8Array) return { __yaml11_type__: 'binary' };
  if (v instanceof Map || v instanceof Set) return { __yaml11_type__: v.constructor.name };
  if (Array.isArray(v)) return v.map(comparable);
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, comparable(x)]));
  return v;
}

const yaml12 = (file: string) => comparable(YAML.parse(readFileSync(path.join(CONTRACTS_DIR, file), 'utf8')));

// Prints {file: data} as JSON, with PyYAML's non-JSON values (datetimes, sets, bytes, non-finite floats)
// spelled out as comparable() does, or {__error__: message} when safe_load refuses the file.
const PYTHON = `
import json, math, sys, datetime
import yaml

def comparable(v):
    if isinstance(v, bool) or v is None or isinstance(v, (int, str)):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else {"__float__": "Infinity" if v > 0 else ("-Infinity" if v < 0 else "NaN")}
    if isinstance(v, (datetime.date, datetime.datetime)):
        return {"__yaml11_type__": "timestamp", "value": v.isoformat()}
    if isinstance(v, bytes):
        return {"__yaml11_type__": "binary"}
    if isinstance(v, (set, frozenset)):
        return {"__yaml11_type__": "Set"}
    if isinstance(v, list):
        return [comparable(x) for x in v]
    if isinstance(v, dict):
        return {(k if isinstance(k, str) else json.dumps(k)): comparable(x) for k, x in v.items()}
    return {"__yaml11_type__": type(v).__name__}

out = {}
for f in sys.argv[1:]:
    try:
        with open(f, encoding="utf-8") as fh:
            out[f] = comparable(yaml.safe_load(fh))
    except Exception as e:
        out[f] = {"__error__": str(e)}
print(json.dumps(out))
`;

function pyyaml(files: string[]): Record<string, Json> {
  const r = spawnSync('python3', ['-c', PYTHON, ...files.map((f) => path.join(CONTRACTS_DIR, f))], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error || r.status !== 0)
    throw new Error(
      `python3 with PyYAML is needed for this check (pip install pyyaml): ${r.error?.message ?? r.stderr}`,
    );
  const byPath = JSON.parse(r.stdout) as Record<string, Json>;
  return Object.fromEntries(files.map((f) => [f, byPath[path.join(CONTRACTS_DIR, f)]]));
}

/** JSON keys of YAML 1.1 loaders for non-string keys (PyYAML: json.dumps of the key) are compared as text. */
const normalizeKeys = (v: Json): Json =>
  Array.isArray(v)
    ? v.map(normalizeKeys)
    : v && typeof v === 'object'
      ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replace(/^"(.*)"$/, '$1'), normalizeKeys(x)]))
      : v;

describe('contracts load alike in YAML 1.1 and YAML 1.2', () => {
  it('finds the documents', () => {
    expect(FILES).toEqual(expect.arrayContaining(['shunya.openapi.yaml', 'otto.openapi.yaml']));
  });

  it.each(FILES)('%s: the yaml package in 1.1 mode reads the same data', (file) => {
    const text = readFileSync(path.join(CONTRACTS_DIR, file), 'utf8');
    const doc = YAML.parseDocument(text, { version: '1.1' });
    expect(doc.errors.map((e) => e.message)).toEqual([]);
    expect(comparable(doc.toJS({ maxAliasCount: -1 }))).toEqual(yaml12(file));
  });

  const loaded = pyyaml(FILES);
  it.each(FILES)("%s: PyYAML's yaml.safe_load reads the same data", (file) => {
    const got = loaded[file];
    expect(got?.__error__, 'safe_load refused the document').toBeUndefined();
    expect(normalizeKeys(got)).toEqual(normalizeKeys(yaml12(file)));
  });

  it('the comparison can fail: YAML 1.1 readings that differ are caught', () => {
    const tricky = 'a: on\nb: 1:30\nc: 0777\nd: 2025-01-15\ne: [How much will this cost?]\n';
    const v11 = comparable(YAML.parse(tricky, { version: '1.1' }));
    expect(v11).not.toEqual(comparable(YAML.parse(tricky)));
    const r = spawnSync('python3', ['-c', 'import sys, yaml; yaml.safe_load(sys.stdin.read())'], {
      input: tricky,
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/expected ',' or '\]', but got '\?'/);
  });
});
