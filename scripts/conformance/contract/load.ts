// The Shunya contract as the kit reads it at run time: its operations (path, method, documented
// statuses and the schema of each), the strict webhook, one JSON Schema 2020-12 validator over the
// whole document (OpenAPI 3.1's dialect; `additionalProperties: false` and every other keyword applied
// as written), and the extensions of extensions.ts. Nothing here is copied from the contract (D65).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import YAML from 'yaml';
import { ASSETS, type Asset, asset } from '../assets.ts';
import { readAudioLimits, readCatalogue, readOrdering, readSlas, readWebhookPolicy } from './extensions.ts';
import { FALLBACK_ALIASES } from './fallbacks.ts';
import type {
  AliasRule,
  AudioLimits,
  AuthRules,
  CatalogueEntry,
  FieldRule,
  OrderingRule,
  Provenance,
  Slas,
  Tenancy,
  WebhookPolicy,
} from './model.ts';
import { readAuth, readFieldRules, readTenancy } from './rules.ts';

// biome-ignore lint/suspicious/noExplicitAny: the contract is arbitrary YAML
type Json = any;

const BASE = 'https://conformance.otto.test/shunya.json';
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const esc = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

export interface DocumentedResponse {
  /** JSON pointer of the body's schema, or null when the response documents no JSON body. */
  schema: string | null;
  /** Header names the contract marks `required: true`, lower case. */
  requiredHeaders: string[];
}

export interface Operation {
  operationId: string;
  method: string;
  /** The path template, e.g. /api/v1/transcription/status/{call_id}. */
  path: string;
  /** 'METHOD /path' as the report names it. */
  label: string;
  responses: Map<string, DocumentedResponse>;
  requestSchema: string | null;
  public: boolean;
}

export interface Contract {
  file: string;
  sha256: string;
  version: string;
  doc: Json;
  operations: Operation[];
  webhook: {
    name: string;
    requestSchema: string | null;
    /** The schema's alternatives (a oneOf/anyOf of shapes, e.g. completed and failed), or itself. */
    branches: string[];
    answers: string[];
  } | null;
  catalogue: CatalogueEntry[];
  webhookPolicy: WebhookPolicy;
  ordering: OrderingRule[];
  audio: AudioLimits;
  slas: Slas;
  aliases: AliasRule[];
  auth: AuthRules;
  tenancy: Tenancy;
  rules: FieldRule[];
  provenance: Provenance[];
  /** The operation for METHOD and a path template. */
  op(method: string, path: string): Operation | undefined;
  /** Errors of `value` against the schema at `pointer` (Ajv's, with all errors). */
  validate(pointer: string, value: unknown): SchemaError[];
  /** The documented response of `op` for `status` (exact, then `4XX`-style, then `default`). */
  response(op: Operation, status: number): DocumentedResponse | undefined;
  /** The catalogue entry of a code. */
  code(code: string): CatalogueEntry | undefined;
}

export interface SchemaError {
  instancePath: string;
  keyword: string;
  message: string;
  params: Record<string, unknown>;
  schemaPath: string;
}

function deref(doc: Json, node: Json): { node: Json; pointer: string | null } {
  let pointer: string | null = null;
  for (let i = 0; i < 10 && node && typeof node.$ref === 'string' && node.$ref.startsWith('#/'); i++) {
    pointer = node.$ref.slice(1);
    node = pointer!
      .split('/')
      .slice(1)
      .reduce((n: Json, k: string) => n?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  }
  return { node, pointer };
}

function documented(doc: Json, response: Json, at: string): DocumentedResponse {
  const { node, pointer } = deref(doc, response);
  const base = pointer ?? at;
  const media = node?.content?.['application/json'] ? 'application/json' : undefined;
  const schema = media ? `${base}/content/${esc(media)}/schema` : null;
  const requiredHeaders = Object.entries(node?.headers ?? {})
    .filter(([, h]) => deref(doc, h).node?.required === true)
    .map(([name]) => name.toLowerCase());
  return { schema, requiredHeaders };
}

function operations(doc: Json): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries<Json>(doc.paths ?? {}))
    for (const method of METHODS) {
      const o = item?.[method];
      if (!o) continue;
      const at = `/paths/${esc(path)}/${method}`;
      const responses = new Map<string, DocumentedResponse>();
      for (const [status, r] of Object.entries(o.responses ?? {}))
        responses.set(status, documented(doc, r, `${at}/responses/${esc(status)}`));
      const body = deref(doc, o.requestBody).node;
      out.push({
        operationId: o.operationId ?? `${method} ${path}`,
        method: method.toUpperCase(),
        path,
        label: `${method.toUpperCase()} ${path}`,
        responses,
        requestSchema: body?.content?.['application/json']
          ? `${deref(doc, o.requestBody).pointer ?? `${at}/requestBody`}/content/application~1json/schema`
          : null,
        public: Array.isArray(o.security) && o.security.length === 0,
      });
    }
  return out;
}

/** The strict webhook: the one marked `x-strict: true`, else the first the contract lists. */
function strictWebhook(doc: Json): Contract['webhook'] {
  const entries = Object.entries<Json>(doc.webhooks ?? {});
  const chosen = entries.find(([, w]) => w?.post?.['x-strict'] === true) ?? entries[0];
  if (!chosen) return null;
  const [name, w] = chosen;
  const body = deref(doc, w.post?.requestBody).node;
  const requestSchema = body?.content?.['application/json']
    ? `/webhooks/${esc(name)}/post/requestBody/content/application~1json/schema`
    : null;
  const resolved = requestSchema ? deref(doc, body.content['application/json'].schema) : null;
  const base = resolved?.pointer ?? requestSchema;
  const alternatives: Json[] = resolved?.node?.oneOf ?? resolved?.node?.anyOf ?? [];
  const kw = resolved?.node?.oneOf ? 'oneOf' : 'anyOf';
  const branches = alternatives.map((b: Json, i: number) =>
    typeof b?.$ref === 'string' && b.$ref.startsWith('#/') ? b.$ref.slice(1) : `${base}/${kw}/${i}`,
  );
  return {
    name,
    requestSchema,
    branches: branches.length ? branches : requestSchema ? [requestSchema] : [],
    answers: Object.keys(w.post?.responses ?? {}),
  };
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;

/** `file` is a path, or one of the repository's contracts by its relative path ('contracts/…'), which
 * the packed kit carries inside (D177). */
export function loadContract(file: string): Contract {
  const text = (ASSETS as readonly string[]).includes(file)
    ? asset(file as Asset).toString('utf8')
    : readFileSync(file, 'utf8');
  const doc: Json = file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
  const provenance: Provenance[] = [];
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  ajv.addSchema(doc, BASE);
  const compiled = new Map<string, ValidateFunction>();
  const ops = operations(doc);
  const catalogue = readCatalogue(doc, provenance);
  const contract: Contract = {
    file,
    sha256: createHash('sha256').update(text).digest('hex'),
    version: String(doc.info?.version ?? '?'),
    doc,
    operations: ops,
    webhook: strictWebhook(doc),
    catalogue,
    webhookPolicy: readWebhookPolicy(doc, provenance),
    ordering: readOrdering(doc, provenance),
    audio: readAudioLimits(doc, provenance),
    slas: readSlas(doc, provenance),
    aliases: FALLBACK_ALIASES,
    auth: readAuth(doc, provenance),
    tenancy: readTenancy(doc, provenance),
    rules: readFieldRules(doc, provenance),
    provenance,
    op: (method, path) => ops.find((o) => o.method === method.toUpperCase() && o.path === path),
    validate(pointer, value) {
      let v = compiled.get(pointer);
      if (!v) {
        v = ajv.compile({ $ref: `${BASE}#${pointer}` });
        compiled.set(pointer, v);
      }
      return v(value)
        ? []
        : ((v.errors ?? []) as SchemaError[]).map((e) => ({ ...e, message: e.message ?? '' }));
    },
    response(op, status) {
      return (
        op.responses.get(String(status)) ??
        op.responses.get(`${String(status)[0]}XX`) ??
        op.responses.get('default')
      );
    },
    code: (code) => catalogue.find((c) => c.code === code),
  };
  provenance.push({
    what: 'field-name variations',
    from: 'handoff',
    detail: `§6.1, §6.3, §6.4: ${FALLBACK_ALIASES.map((a) => `${a.alias}→${a.canonical}`).join(', ')}`,
  });
  return contract;
}
