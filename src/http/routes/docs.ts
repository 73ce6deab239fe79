// API reference pages (/docs) for every contract, from the bundled documents `npm run codegen` writes
// to generated/bundled/: OpenAPI documents rendered by Scalar, the AsyncAPI document by AsyncAPI's React
// component (both standalone browser bundles served from node_modules). Raw contracts under /contracts/.
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';
import { own } from '../../util/own.ts';
import type { AppState } from '../context.ts';
import { notFound } from '../errors.ts';

// The repository's root, or dist/ in the production build, which holds copies of contracts/ and
// generated/bundled/ (scripts/build.ts, D186).
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** A file of an installed package, found as Node finds packages (dist/ has no node_modules of its own). */
function packageFile(file: string): string {
  const dirs = createRequire(import.meta.url).resolve.paths(file) ?? [];
  const found = dirs.map((d) => path.join(d, file)).find((p) => existsSync(p));
  return found ?? path.join(ROOT, 'node_modules', file);
}

const ASSETS: Record<string, { file: string; type: string }> = {
  'scalar.js': {
    file: '@scalar/api-reference/dist/browser/standalone.js',
    type: 'application/javascript',
  },
  'asyncapi.js': {
    file: '@asyncapi/react-component/browser/standalone/index.js',
    type: 'application/javascript',
  },
  'asyncapi.css': { file: '@asyncapi/react-component/styles/default.min.css', type: 'text/css' },
};

interface Doc {
  title: string;
  bundle: string;
  source: string;
}

/** OpenAPI documents, rendered by Scalar. */
export const API_DOCS: Record<string, Doc> = {
  otto: {
    title: "Otto's API",
    bundle: 'generated/bundled/otto.openapi.json',
    source: 'contracts/otto.openapi.yaml',
  },
  shunya: {
    title: "Shunya's API as Otto uses it (strict contract)",
    bundle: 'generated/bundled/shunya.openapi.json',
    source: 'contracts/shunya.openapi.yaml',
  },
  'shunya-tolerant': {
    title: "Shunya's API: what Otto's parser also accepts (tolerant reading)",
    bundle: 'generated/bundled/shunya-tolerant.openapi.json',
    source: 'contracts/shunya.tolerant.openapi.yaml',
  },
  'sim-admin': {
    title: "The Shunya simulator's control API",
    bundle: 'generated/bundled/sim-admin.openapi.json',
    source: 'contracts/simulator-admin.openapi.yaml',
  },
};

/** The AsyncAPI document, rendered by AsyncAPI's React component. */
export const EVENT_DOCS: Doc = {
  title: 'Webhook channel and domain events (AsyncAPI)',
  bundle: 'generated/bundled/events.asyncapi.json',
  source: 'contracts/events.asyncapi.yaml',
};

const RAW_CONTRACTS = new Set([
  'otto.openapi.yaml',
  'shunya.openapi.yaml',
  'shunya.tolerant.openapi.yaml',
  'simulator-admin.openapi.yaml',
  'events.asyncapi.yaml',
]);

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title: string, head: string, body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>${head}</head><body>${body}</body></html>`;

export function docsRoutes(): Router<AppState> {
  const router = new Router<AppState>();

  router.get('/docs', (ctx) => {
    const items = [...Object.entries(API_DOCS), ['events', EVENT_DOCS] as const]
      .map(
        ([key, d]) =>
          `<li><a href="/docs/${key}">${escapeHtml(d.title)}</a> (<a href="/${d.source}">${d.source}</a>)</li>`,
      )
      .join('');
    ctx.type = 'html';
    ctx.body = page(
      'Otto ↔ Shunya API reference',
      '',
      `<main style="font-family:system-ui;max-width:46rem;margin:2rem auto"><h1>Otto ↔ Shunya API reference</h1><ul>${items}</ul></main>`,
    );
  });

  router.get('/docs/assets/:name', (ctx) => {
    const asset = own(ASSETS, ctx.params.name ?? '');
    if (!asset) throw notFound('Asset');
    ctx.type = asset.type;
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = createReadStream(packageFile(asset.file));
  });

  router.get('/docs/events.json', async (ctx) => {
    ctx.type = 'json';
    ctx.body = await readFile(path.join(ROOT, EVENT_DOCS.bundle));
  });

  router.get('/docs/events', (ctx) => {
    ctx.type = 'html';
    ctx.body = page(
      EVENT_DOCS.title,
      '<link rel="stylesheet" href="/docs/assets/asyncapi.css">',
      `<div id="asyncapi"></div><script src="/docs/assets/asyncapi.js"></script>
<script>fetch('/docs/events.json').then((r) => r.text()).then((schema) =>
  AsyncApiStandalone.render({ schema, config: { show: { sidebar: true } } }, document.getElementById('asyncapi')));</script>`,
    );
  });

  router.get('/docs/:api.json', async (ctx) => {
    const doc = own(API_DOCS, ctx.params.api ?? '');
    if (!doc) throw notFound('API document');
    ctx.type = 'json';
    ctx.body = await readFile(path.join(ROOT, doc.bundle));
  });

  router.get('/docs/:api', (ctx) => {
    const doc = own(API_DOCS, ctx.params.api ?? '');
    if (!doc) throw notFound('API document');
    ctx.type = 'html';
    ctx.body = page(
      doc.title,
      '',
      `<script id="api-reference" data-url="/docs/${ctx.params.api}.json"></script><script src="/docs/assets/scalar.js"></script>`,
    );
  });

  router.get('/contracts/:file', async (ctx) => {
    const file = ctx.params.file ?? '';
    if (!RAW_CONTRACTS.has(file)) throw notFound('Contract');
    ctx.type = 'text/yaml';
    ctx.body = await readFile(path.join(ROOT, 'contracts', file));
  });

  return router;
}
