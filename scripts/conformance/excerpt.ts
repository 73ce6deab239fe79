// Excerpts of bodies for evidence: a long body is cut around the part that is wrong (the JSON pointer of
// the violation), never at a fixed length that may cut it away (issue 17 item 3, D166).

/** The offset in `text` (JSON) where the value at `pointer` starts, or -1. A small scanner: it follows
 * objects and arrays, keys and indexes, and skips strings, so it finds the value as written. */
export function offsetOf(text: string, pointer: string): number {
  if (pointer === '' || pointer === '/') return text.search(/\S/);
  const want = pointer
    .split('/')
    .slice(1)
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  const path: string[] = [];
  const stack: { arr: boolean; index: number }[] = [];
  let pendingKey: string | null = null;
  const same = () => path.length === want.length && path.every((p, i) => p === want[i]);
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (/\s|,|:/.test(ch)) {
      if (ch === ',' && stack.at(-1)?.arr) {
        stack.at(-1)!.index++;
        path[path.length - 1] = String(stack.at(-1)!.index);
      }
      continue;
    }
    const top = stack.at(-1);
    // A string in an object with no pending key is a key.
    if (ch === '"' && top && !top.arr && pendingKey === null) {
      const end = stringEnd(text, i);
      pendingKey = JSON.parse(text.slice(i, end + 1));
      path.push(pendingKey!);
      i = end;
      continue;
    }
    // The start of a value.
    if (same()) return i;
    pendingKey = null;
    if (ch === '{' || ch === '[') {
      stack.push({ arr: ch === '[', index: 0 });
      if (ch === '[') path.push('0');
      continue;
    }
    if (ch === '}' || ch === ']') {
      stack.pop();
      if (ch === ']') path.pop();
      if (stack.length && !stack.at(-1)!.arr) path.pop();
      continue;
    }
    const end = ch === '"' ? stringEnd(text, i) : scalarEnd(text, i);
    i = end;
    if (top && !top.arr) path.pop();
  }
  return -1;
}

function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return text.length - 1;
}

function scalarEnd(text: string, start: number): number {
  let i = start;
  while (i + 1 < text.length && !/[\s,\]}]/.test(text[i + 1]!)) i++;
  return i;
}

/** `text` whole when short, else `n` characters around the value at `pointer` (the start when the
 * pointer is not found), with what was left out said. */
export function excerpt(text: string, n = 600, pointer?: string): string {
  if (text.length <= n) return text;
  const at = pointer ? offsetOf(text, pointer) : -1;
  const from = at < 0 ? 0 : Math.max(0, Math.min(text.length - n, at - Math.floor(n / 3)));
  const to = Math.min(text.length, from + n);
  const head = from > 0 ? `…(${from} characters before) ` : '';
  const tail = to < text.length ? ` …(${text.length - to} characters after; ${text.length} in all)` : '';
  return `${head}${text.slice(from, to)}${tail}`;
}
