// npm run db:migrate: applies pending migrations (Otto's, then graphile-worker's) to the configured
// database (DATABASE_URL, or the embedded default under OTTO_DATA_DIR).
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/database.ts';
import { createDb } from '../src/db/knex.ts';
import { migrateAll } from '../src/db/migrate.ts';

const config = loadConfig();
const database = await openDatabase(config);
const db = createDb(database.url, 2);
try {
  const applied = await migrateAll(db, database.url);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'nothing to apply');
} finally {
  await db.destroy();
  await database.stop();
}
