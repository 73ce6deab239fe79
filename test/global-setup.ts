// Starts one real Postgres for the whole run (embedded by default, DATABASE_URL's server otherwise),
// migrates a template database once, and hands its name to the test files, which clone it per file
// (test/helpers/db.ts).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createDb } from '../src/db/knex.ts';
import { migrateAll } from '../src/db/migrate.ts';
import { startThrowawayPostgres } from '../src/db/throwaway.ts';
import { withDatabase } from '../src/db/url.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pg: { adminUrl: string; template: string };
  }
}

export default async function setup(project: TestProject) {
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
  };
}
