// Total, throw-free readers from unknown JSON to primitive values. Every normaliser is built on these:
// numbers may arrive as strings ("0.85"), 0 is a value (never "missing"), and a wrong type is reported
// as invalid instead of throwing (§2.1 "Convert types (string → float, etc.)").

export type Rec = Record<string, unknown>;

/** A plain JSON object (not an array, not null). */
export function isRecord(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asRecord(v: unknown): Rec | null {
  return isRecord(v) ? v : null;
}

/** Own property read that never touches the prototype chain (a key named `__proto__` is just a key). */
export function get(r: Rec | null | undefined, key: string): unknown {
  return r && Object.hasOwn(r, key) ? r[key] : undefined;
}

/** The first key of `keys` whose value is neither undefined nor null. */
export function firstPresent(
  r: Rec | null | undefined,
  keys: readonly string[],
): { key: string; value: unknown } | null {
  for (const key of keys) {
    const value = get(r, key);
    if (value !== undefined && value !== null) return { key, value };
  }
  return null;
}

/** A string as sent (numbers and booleans are stringified); objects and arrays are not strings. */
export function str(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return String(v);
  return null;
}

/** A trimmed, non-empty string, else null. */
export function text(v: unknown): string | null {
  const s = str(v);
  if (s === null) return null;
  const t = s.trim();
  return t === '' ? null : t;
}

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A finite number; numeric strings ("0.85", " 12 ") are numbers. Booleans and "" are not. */
export function num(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string') {
    const t = v.trim();
    if (!NUMERIC.test(t)) return null;
    const n = Number(t);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** A non-negative number (times, durations, offsets). */
export function nonNegative(v: unknown): number | null {
  const n = num(v);
  return n !== null && n >= 0 ? n : null;
}

/** An integer (12345, "12345", 12345.0); 12.5 is not. */
export function int(v: unknown): number | null {
  const n = num(v);
  return n !== null && Number.isSafeInteger(n) ? n : null;
}

/** true/false, "true"/"false"/"yes"/"no", 1/0. */
export function bool(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 1 ? true : v === 0 ? false : null;
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (t === 'true' || t === 'yes' || t === '1') return true;
    if (t === 'false' || t === 'no' || t === '0') return false;
  }
  return null;
}

/** An enum token: trimmed, lower-cased, runs of spaces/hyphens → "_" ("Qualified Booked " → "qualified_booked"). */
export function token(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const t = v
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  return t === '' ? null : t;
}

/** Keys tried, in order, when a list item that should be a string is an object. */
const ITEM_TEXT_KEYS = ['text', 'tip', 'description', 'message', 'name', 'title', 'value', 'action'];

/** A list of non-empty strings. A lone string is a one-item list; object items give their text field. */
export function strList(v: unknown): string[] | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return text(v) === null ? [] : [v.trim()];
  if (!Array.isArray(v)) return null;
  const out: string[] = [];
  for (const item of v) {
    const t = isRecord(item) ? text(firstPresent(item, ITEM_TEXT_KEYS)?.value) : text(item);
    if (t !== null) out.push(t);
  }
  return out;
}

/** YYYY-MM-DD, then optionally a time (T or a space, hh:mm[:ss[.fraction]]) and a zone (Z, ±hh:mm, ±hhmm). */
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * An ISO 8601 date-time string that Date can read, and Postgres too (it is stored as sent); kept as sent
 * (trimmed). Date also reads year 0, rolls February 30 over into March and skips text after the date
 * ("2025-01-15 (Wednesday) 10:00"), all of which Postgres refuses.
 */
export function isoDate(v: unknown): string | null {
  const t = text(v);
  const m = t === null ? null : ISO_DATE_TIME.exec(t);
  if (t === null || !m || Number.isNaN(Date.parse(t))) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return year >= 1 && day >= 1 && day <= days ? t : null;
}

/** Longest Shunya job id Otto accepts (the contract's maxLength; decision D43). */
export const MAX_JOB_ID_LENGTH = 255;

/** A Shunya job id (task_id, job_id, shunya_job_id): non-blank text of at most 255 characters (D43). */
export function jobId(v: unknown): string | null {
  const t = text(v);
  return t !== null && t.length <= MAX_JOB_ID_LENGTH ? t : null;
}
