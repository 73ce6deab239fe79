// Scales (decisions D8 and D17). Confidences, sentiment and BANT scores are 0–1 (§6.4, §6.6); a value
// in (1, 100] is read as a percentage. The compliance score is 0–10 (§10.1); Shunya sends 0–1.
import { num } from './coerce.ts';

const round = (x: number) => Math.round(x * 1e9) / 1e9;

/** A 0–1 score: [0, 1] as is, (1, 100] ÷ 100, anything else (negative, > 100, not a number) → null. */
export function unitScore(v: unknown): number | null {
  const n = num(v);
  if (n === null || n < 0) return null;
  if (n <= 1) return n;
  if (n <= 100) return round(n / 100);
  return null;
}

/**
 * The 0–10 compliance score: a value ≤ 1 is a fraction (Shunya's 0.85) → × 10 (D8); (1, 10] is the
 * handoff's scale (8.5); (10, 100] is a percentage → ÷ 10; anything else → null.
 */
export function complianceScore(v: unknown): number | null {
  const n = num(v);
  if (n === null || n < 0) return null;
  if (n <= 1) return round(n * 10);
  if (n <= 10) return n;
  if (n <= 100) return round(n / 10);
  return null;
}
