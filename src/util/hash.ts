import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every level, so equal values hash equally. Written into one string as it
 * walks, without the entry arrays, sorted copies and joined pieces per object a map-and-join form makes:
 * the completion hashes every normalised result with it (D480). Its output is the previous form's, byte
 * for byte (stored result hashes are compared with new ones): undefined members are left out, undefined or
 * a function in an array or at the top is `null`, and an object is read through its own enumerable keys
 * (a Date is `{}`), never through toJSON.
 */
export function stableStringify(value: unknown): string {
  return write(value);
}

function write(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    // a hole stays empty, as map-and-join left it (JSON.parse makes none)
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + (i in value ? write(value[i]) : '');
    return `${out}]`;
  }
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o).sort(byCodeUnits);
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = o[k];
    if (v === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${write(v)}`;
    first = false;
  }
  return `${out}}`;
}

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export const sha256Hex = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
