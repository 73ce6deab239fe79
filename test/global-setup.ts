// Starts one real Postgres for the whole run (embedded by default, DATABASE_URL's server otherwise),
// migrates a template database once, and hands its name to the test files, which clone it per file
// (test/helpers/db.ts).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { buildConsole } from '../scripts/build-console.ts';
import { createDb } from '../src/db/knex.ts';
import { migrateAll } from '../src/db/migrate.ts';
import { startThrowawayPostgres } from '../src/db/throwaway.ts';
import { withDatabase } from '../src/db/url.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pg: { adminUrl: string; template: string };
  }
}

const PROOF_DIR = path.resolve(
  import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname),
  '../.tmp/contract-proof',
);

/** Sums the contract proofs the end-to-end stacks wrote (test/helpers/stack.ts) and reports them. */
function reportContractProof(): void {
  let files: string[] = [];
  try {
    files = readdirSync(PROOF_DIR).filter((f) => f.endsWith('.json') && f !== 'summary.json');
  } catch {
    return;
  }
  if (files.length === 0) return;
  const total = { shunya: { exchanges: 0, violations: 0 }, webhooks: { exchanges: 0, violations: 0 } };
  const stacks = { strict: 0, tolerant: 0 };
  for (const f of files) {
    const p = JSON.parse(readFileSync(path.join(PROOF_DIR, f), 'utf8')) as Record<
      'shunya' | 'webhooks',
      { exchanges: number; violations: string[] } | null
    > & { reading?: 'strict' | 'tolerant' };
    stacks[p.reading ?? 'strict']++;
    for (const side of ['shunya', 'webhooks'] as const) {
      total[side].exchanges += p[side]?.exchanges ?? 0;
      total[side].violations += p[side]?.violations.length ?? 0;
    }
  }
  writeFileSync(
    path.join(PROOF_DIR, 'summary.json'),
    `${JSON.stringify({ stacks: files.length, readings: stacks, ...total })}\n`,
  );
  console.log(
    `\nContract proof (${files.length} end-to-end stacks: ${stacks.strict} against the strict Shunya contract, ` +
      `${stacks.tolerant} against its tolerant reading): ${total.shunya.exchanges} Otto → Shunya exchanges through ` +
      `\`prism proxy --errors\` (${total.shunya.violations} violations); ${total.webhooks.exchanges} Shunya → Otto ` +
      `webhook bodies validated against the same reading (${total.webhooks.violations} violations).`,
  );
}

export default async function setup(project: TestProject) {
  rmSync(PROOF_DIR, { recursive: true, force: true });
  await buildConsole(); // the console's page, served by every Otto the suites start
  mkdirSync(PROOF_DIR, { recursive: true });
  const server = await startThrowawayPostgres();
  const template = `otto_tpl_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${template}`);
  await admin.end();
  const templateUrl = withDatabase(server.adminUrl, template);
  const db = createDb(templateUrl, 2);
  await migrateAll(db, templateUrl);
  await db.destroy();

  project.provide('pg', { adminUrl: server.adminUrl, template });

  return async () => {
    const c = new pg.Client({ connectionString: server.adminUrl });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    await c.end();
    await server.stop();
    reportContractProof();
  };
}
