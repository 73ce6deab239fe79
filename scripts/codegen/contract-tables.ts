// The machine-readable tables of the strict Shunya contract (its root `x-` extensions: the error
// catalogue, the webhook delivery policy, the rate, audio and processing limits; the objection categories) as typed constants, so
// that the simulator and Otto follow the contract instead of a copy of it (D47, D48). Written to
// generated/shunya/contract.ts by `npm run codegen`.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';

const SOURCE = 'contracts/shunya.openapi.yaml';
const OUTPUT = 'generated/shunya/contract.ts';

interface CatalogueEntry {
  error_code: string;
  http_status: number;
  error_type: string;
  retryable: boolean;
  when: string;
}

const constant = (name: string, value: unknown, doc: string) =>
  `/** ${doc} */\nexport const ${name} = ${JSON.stringify(value, null, 2)} as const;\n`;

function strip(table: Record<string, unknown>): Record<string, unknown> {
  const { description: _d, ...rest } = table;
  return rest;
}

/** The enum of ObjectionCategoryText in the order of its category ids, which must be 1…n without a gap. */
function objectionCategories(schema: { enum: string[]; 'x-category-ids': Record<string, number> }): string[] {
  const ids = schema['x-category-ids'];
  const ordered = [...schema.enum].sort((a, b) => (ids[a] ?? 0) - (ids[b] ?? 0));
  ordered.forEach((c, i) => {
    if (ids[c] !== i + 1)
      throw new Error(`ObjectionCategoryText: "${c}" has category id ${ids[c]}, expected ${i + 1}`);
  });
  return ordered;
}

export async function generateContractTables(root: string): Promise<void> {
  const doc = YAML.parse(await readFile(path.join(root, SOURCE), 'utf8'));
  const codes = (doc['x-error-catalogue'].codes as CatalogueEntry[]).map(
    ({ error_code, http_status, error_type, retryable }) => [
      error_code,
      { http_status, error_type, retryable },
    ],
  );
  const parts = [
    constant(
      'ERROR_CATALOGUE',
      Object.fromEntries(codes),
      'x-error-catalogue: every error_code Shunya may send, with its HTTP status, error_type and retryable.',
    ),
    'export type CataloguedErrorCode = keyof typeof ERROR_CATALOGUE;\n',
    constant(
      'WEBHOOK_DELIVERY',
      strip(doc['x-webhook-delivery']),
      'x-webhook-delivery: how Shunya delivers webhooks.',
    ),
    constant('RATE_LIMITS', strip(doc['x-rate-limits']), 'x-rate-limits: per-tenant limits and the 429.'),
    constant(
      'AUDIO_LIMITS',
      strip(doc['x-audio-limits']),
      'x-audio-limits: what Shunya accepts for transcription.',
    ),
    constant('PROCESSING_SLAS', strip(doc['x-processing-slas']), 'x-processing-slas: how long Shunya takes.'),
    constant(
      'AUTHENTICATION',
      strip(doc['x-authentication']),
      'x-authentication: the JWT rules and request signing (D160).',
    ),
    constant(
      'OBJECTION_CATEGORIES',
      objectionCategories(doc.components.schemas.ObjectionCategoryText),
      "ObjectionCategoryText: Shunya's ten objection categories, ordered by their x-category-ids (1 first).",
    ),
  ];
  const out = path.join(root, OUTPUT);
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${parts.join('\n')}`);
}
