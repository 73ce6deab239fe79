// npm run db:schema: migrates a scratch database and writes src/db/schema.snapshot.txt.
import { writeFile } from 'node:fs/promises';
import pg from 'pg';
import { createDb } from '../src/db/knex.ts';
import { migrateOtto } from '../src/db/migrate.ts';
import { describeSchema } from '../src/db/schema-snapshot.ts';
import { startThrowawayPostgres } from '../src/db/throwaway.ts';
import { withDatabase } from '../src/db/url.ts';

const server = await startThrowawayPostgres();
const name = `otto_schema_${process.pid}`;
const admin = new pg.Client({ connectionString: server.adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const db = createDb(withDatabase(server.adminUrl, name), 2);
try {
  await migrateOtto(db);
  await writeFile(new URL('../src/db/schema.snapshot.txt', import.meta.url), await describeSchema(db));
  console.log('wrote src/db/schema.snapshot.txt');
} finally {
  await db.destroy();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
  await server.stop();
}
