// The contracts as data, and one JSON Schema 2020-12 validator (OpenAPI 3.1's dialect) that knows
// every document, so cross-document $refs such as './shunya.openapi.yaml#/...' resolve.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import YAML from 'yaml';

export const CONTRACTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../contracts');
export const OPENAPI_DOCS = [
  'shunya.openapi.yaml',
  'otto.openapi.yaml',
  'simulator-admin.openapi.yaml',
] as const;
const BASE = 'https://contracts.otto.test/';

// biome-ignore lint/suspicious/noExplicitAny: contracts are arbitrary YAML documents
export type Json = any;

export function loadContract(file: string): Json {
  return YAML.parse(readFileSync(path.join(CONTRACTS_DIR, file), 'utf8'));
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;

export function contractValidator(files: readonly string[] = OPENAPI_DOCS) {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  for (const f of files) ajv.addSchema(loadContract(f), BASE + f);
  return {
    /** Validates `value` against the schema at JSON pointer `pointer` of `file`. */
    validate(file: string, pointer: string, value: unknown): string[] {
      const validate = ajv.compile({ $ref: `${BASE}${file}#${pointer}` });
      return validate(value)
        ? []
        : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
    },
  };
}

/** RFC 6901 pointer segment. */
export const esc = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
