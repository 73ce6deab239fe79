// What a normaliser noticed while reading a payload: absent fields, fields given a default, and the
// problems that make the payload unusable (§9.3 "Otto does not surface partial/corrupted analysis").
import type { Normalized, UnmappedValue } from '../types.ts';
import { str, strList } from './coerce.ts';

/** Records an enumeration value outside Otto's vocabulary under a fixed field name (D75). */
export type Flag = (field: string, raw: unknown) => void;

/**
 * Conventions (decision D17): `missing` holds the path of every field that was absent (`summary.key_points`)
 * or present but unusable (`qualification.bant_scores.need (invalid)`); `defaulted` holds the path of
 * every field Otto filled in (an absent list became [], `language` became en-US, `word_count` was counted).
 * Items of a list that cannot be read at all are dropped and noted as `objections[2] (invalid)`.
 */
export class Notes {
  readonly missing: string[] = [];
  readonly defaulted: string[] = [];
  readonly problems: string[] = [];
  readonly unmapped: UnmappedValue[] = [];

  absent(path: string): void {
    this.missing.push(path);
  }

  invalid(path: string): void {
    this.missing.push(`${path} (invalid)`);
  }

  filled(path: string): void {
    this.defaulted.push(path);
  }

  problem(message: string): void {
    this.problems.push(message);
  }

  /**
   * A present value outside the vocabulary of `field` (D75): noted invalid at `path`, and kept as received
   * in `unmapped`. Objects and lists are not enumeration values: only noted invalid.
   */
  outside(field: string, path: string, raw: unknown): void {
    this.invalid(path);
    const value = str(raw);
    if (value !== null) this.unmapped.push({ field, path, value: value.slice(0, 200) });
  }

  /** The flag for the fields of list item `path` (e.g. `objections.objections[2]`). */
  flagAt(path: string): Flag {
    return (field, raw) => this.outside(field, `${path}.${field.split('.').pop()}`, raw);
  }

  /** An optional enumeration: absent → null (noted missing); outside the vocabulary → null and flagged. */
  enumOpt<T>(field: string, path: string, raw: unknown, read: (v: unknown) => T | null): T | null {
    if (raw === undefined || raw === null) {
      this.absent(path);
      return null;
    }
    const v = read(raw);
    if (v === null) this.outside(field, path, raw);
    return v;
  }

  /** An optional scalar: absent → null (noted missing); present but unreadable → null (noted invalid). */
  opt<T>(path: string, raw: unknown, read: (v: unknown) => T | null): T | null {
    if (raw === undefined || raw === null) {
      this.absent(path);
      return null;
    }
    const v = read(raw);
    if (v === null) this.invalid(path);
    return v;
  }

  /** A list of strings: absent → [] (noted defaulted); not a list → [] (noted invalid). */
  list(path: string, raw: unknown): string[] {
    if (raw === undefined || raw === null) {
      this.filled(path);
      return [];
    }
    const v = strList(raw);
    if (v === null) {
      this.invalid(path);
      return [];
    }
    return v;
  }

  /** `ok: false` as soon as there is one problem: nothing of the value may be surfaced then. */
  result<T>(value: T): Normalized<T> {
    if (this.problems.length > 0) {
      return { ok: false, missing: this.missing, defaulted: this.defaulted, problems: this.problems };
    }
    return { ok: true, value, missing: this.missing, defaulted: this.defaulted };
  }

  fail<T>(): Normalized<T> {
    return { ok: false, missing: this.missing, defaulted: this.defaulted, problems: this.problems };
  }
}
