// Strings the simulator keeps for a retention window, stored flat (D371). V8 builds a concatenation
// (`prefix + id`, a template literal) as a tree of "cons" strings, and Node's randomUUID() is one too,
// of about fifteen pieces: ~500 bytes held for a 36-character id, against ~60 for the same characters
// flat. A JSON round trip returns a new sequential string with exactly the same characters.
import { randomUUID } from 'node:crypto';

export const flat = (s: string): string => JSON.parse(JSON.stringify(s)) as string;

/** `prefix` and a random UUID, as one flat string. */
export const flatId = (prefix = ''): string => flat(prefix + randomUUID());
