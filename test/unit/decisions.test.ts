// docs/decisions.md is read by number (code comments cite Dnnn): its entries stand in ascending order, each
// number once. Parallel branches append sections in the order they merge, which put D45 after D124 and
// D135 after D168 (issue 19); this fails when that happens again.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/spawn.ts';

const numbers = [
  ...readFileSync(path.join(ROOT, 'docs/decisions.md'), 'utf8').matchAll(/^### D(\d+)\b/gm),
].map((m) => Number(m[1]));

describe('docs/decisions.md', () => {
  it('has its entries', () => {
    expect(numbers.length).toBeGreaterThan(100);
  });
  it('states each decision once', () => {
    expect(numbers.filter((n, i) => numbers.indexOf(n) !== i)).toEqual([]);
  });
  it('is in numeric order', () => {
    const outOfOrder = numbers.filter((n, i) => i > 0 && n < (numbers[i - 1] as number));
    expect(outOfOrder.map((n) => `D${n}`)).toEqual([]);
  });
});
