// What Postgres cannot store must be refused before it reaches a query, not fail inside one: text and
// jsonb refuse U+0000, jsonb refuses the \uD800-style escape JSON.stringify writes for an unpaired UTF-16
// surrogate, and JSON.stringify (how jsonb values are sent) overflows the stack on very deep nesting,
// which JSON.parse accepts.

const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function unstorableText(s: string): string | null {
  if (s.includes('\u0000')) return 'holds U+0000';
  if (UNPAIRED_SURROGATE.test(s)) return 'holds an unpaired UTF-16 surrogate';
  return null;
}

/**
 * Why a parsed JSON value could not be stored, or null when it can: U+0000 or an unpaired surrogate in a
 * string or a key, or nesting deeper than `maxDepth`. Iterative, so any depth JSON.parse produced is fine.
 */
export function unstorable(v: unknown, maxDepth = Number.POSITIVE_INFINITY): string | null {
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [x, depth] = stack.pop() as [unknown, number];
    if (typeof x === 'string') {
      const bad = unstorableText(x);
      if (bad) return bad;
    } else if (x && typeof x === 'object') {
      if (depth >= maxDepth) return `nests deeper than ${maxDepth} levels`;
      for (const [k, y] of Object.entries(x)) {
        const bad = unstorableText(k);
        if (bad) return bad;
        stack.push([y, depth + 1]);
      }
    }
  }
  return null;
}
