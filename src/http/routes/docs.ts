// API reference pages (/docs) for every contract, rendered by Scalar from the bundled documents that
// `npm run codegen` writes to generated/bundled/. The raw contracts are served under /contracts/.
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';
import type { AppState } from '../context.ts';
import { notFound } from '../errors.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SCALAR = path.join(ROOT, 'node_modules/@scalar/api-reference/dist/browser/standalone.js');

export const API_DOCS: Record<string, { title: string; bundle: string; source: string }> = {
  otto: {
    title: "Otto's API",
    bundle: 'generated/bundled/otto.openapi.json',
    source: 'contracts/otto.openapi.yaml',
  },
  shunya: {
    title: "Shunya's API as Otto uses it",
    bundle: 'generated/bundled/shunya.openapi.json',
    source: 'contracts/shunya.openapi.yaml',
  },
};
const RAW_CONTRACTS = new Set(['otto.openapi.yaml', 'shunya.openapi.yaml', 'events.asyncapi.yaml']);

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function docsRoutes(): Router<AppState> {
  const router = new Router<AppState>();
  router.get('/docs', (ctx) => {
    const items = Object.entries(API_DOCS)
      .map(
        ([key, d]) =>
          `<li><a href="/docs/${key}">${escapeHtml(d.title)}</a> (<a href="/${d.source}">${d.source}</a>)</li>`,
      )
      .join('');
    ctx.type = 'html';
    ctx.body = `<!doctype html><html><head><meta charset="utf-8"><title>Otto ↔ Shunya API reference</title></head>
<body style="font-family:system-ui;max-width:46rem;margin:2rem auto"><h1>Otto ↔ Shunya API reference</h1><ul>${items}
<li>Events (AsyncAPI): <a href="/contracts/events.asyncapi.yaml">contracts/events.asyncapi.yaml</a></li></ul></body></html>`;
  });
  router.get('/docs/assets/scalar.js', (ctx) => {
    ctx.type = 'application/javascript';
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = createReadStream(SCALAR);
  });
  router.get('/docs/:api.json', async (ctx) => {
    const doc = API_DOCS[ctx.params.api ?? ''];
    if (!doc) throw notFound('API document');
    ctx.type = 'json';
    ctx.body = await readFile(path.join(ROOT, doc.bundle));
  });
  router.get('/docs/:api', (ctx) => {
    const doc = API_DOCS[ctx.params.api ?? ''];
    if (!doc) throw notFound('API document');
    ctx.type = 'html';
    ctx.body = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(doc.title)}</title></head><body>
<script id="api-reference" data-url="/docs/${ctx.params.api}.json"></script>
<script src="/docs/assets/scalar.js"></script></body></html>`;
  });
  router.get('/contracts/:file', async (ctx) => {
    const file = ctx.params.file ?? '';
    if (!RAW_CONTRACTS.has(file)) throw notFound('Contract');
    ctx.type = 'text/yaml';
    ctx.body = await readFile(path.join(ROOT, 'contracts', file));
  });
  return router;
}
