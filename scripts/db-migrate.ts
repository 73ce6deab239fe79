// npm run db:migrate: applies pending migrations (Otto's, then graphile-worker's) to the configured
// database (DATABASE_URL, or the embedded default under OTTO_DATA_DIR).
import { openDatabase } from '../src/db/database.ts';
import { createDb } from '../src/db/knex.ts';
import { migrateAll } from '../src/db/migrate.ts';
import { exitOnSetupError, loadConfigOrExit } from '../src/main.ts';

// a configuration or data-directory problem is one line and exit 1, as for Otto itself (D93, D136)
const config = loadConfigOrExit(process.env);
const database = await openDatabase(config).catch(exitOnSetupError);
const db = createDb(database.url, 2);
try {
  const applied = await migrateAll(db, database.url);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'nothing to apply');
} finally {
  await db.destroy();
  await database.stop();
}
