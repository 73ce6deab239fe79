// The AsyncAPI document with every $ref (into the OpenAPI documents too) resolved, as one JSON file for
// the /docs page, whose renderer runs in the browser and cannot follow relative file references.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fromFile, Parser } from '@asyncapi/parser';

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => !k.startsWith('x-parser-'))
        .map(([k, v]) => [k, strip(v)]),
    );
  return value;
}

export async function bundleAsyncApi(root: string, input: string, output: string): Promise<void> {
  const { document, diagnostics } = await fromFile(new Parser(), path.join(root, input)).parse();
  if (!document) throw new Error(`${input} does not parse: ${diagnostics.map((d) => d.message).join('; ')}`);
  const outPath = path.join(root, output);
  await mkdir(path.dirname(outPath), { recursive: true });
  await writeFile(outPath, `${JSON.stringify(strip(document.json()), null, 2)}\n`);
}
