// What Postgres cannot store must be refused before it reaches a query, not fail inside one: text and
// jsonb refuse U+0000, jsonb refuses the \uD800-style escape JSON.stringify writes for an unpaired UTF-16
// surrogate, and JSON.stringify (how jsonb values are sent) overflows the stack on very deep nesting,
// which JSON.parse accepts.

const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Nothing a string could be refused for: one scan clears almost every string (D482). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is one of the characters looked for
const SUSPECT = /[\u0000\ud800-\udfff]/;

function unstorableText(s: string): string | null {
  if (!SUSPECT.test(s)) return null;
  if (s.includes('\u0000')) return 'holds U+0000';
  if (UNPAIRED_SURROGATE.test(s)) return 'holds an unpaired UTF-16 surrogate';
  return null;
}

/**
 * Why a parsed JSON value could not be stored, or null when it can: U+0000 or an unpaired surrogate in a
 * string or a key, or nesting deeper than `maxDepth`. Iterative, so any depth JSON.parse produced is fine;
 * values and depths are two parallel stacks, not a pair allocated per value (D482).
 */
export function unstorable(v: unknown, maxDepth = Number.POSITIVE_INFINITY): string | null {
  const values: unknown[] = [v];
  const depths: number[] = [0];
  while (values.length > 0) {
    const x = values.pop();
    const depth = depths.pop() as number;
    if (typeof x === 'string') {
      const bad = unstorableText(x);
      if (bad) return bad;
    } else if (x && typeof x === 'object') {
      if (depth >= maxDepth) return `nests deeper than ${maxDepth} levels`;
      const o = x as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        const bad = unstorableText(k);
        if (bad) return bad;
        values.push(o[k]);
        depths.push(depth + 1);
      }
    }
  }
  return null;
}
