// Forward-only, numbered, plain-SQL migrations (src/db/migrations/NNNN_name.sql), applied in order by
// knex's migrator inside a transaction each, recorded in `otto_migrations`. graphile-worker migrates its
// own schema; ours never touches it.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runMigrations as runWorkerMigrations } from 'graphile-worker';
import type { Knex } from 'knex';
import type { Db } from './knex.ts';

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

class SqlMigrationSource implements Knex.MigrationSource<string> {
  async getMigrations(): Promise<string[]> {
    const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f));
    return files.sort();
  }
  getMigrationName(file: string): string {
    return file;
  }
  async getMigration(file: string): Promise<Knex.Migration> {
    const sql = await readFile(path.join(MIGRATIONS_DIR, file), 'utf8');
    return {
      // No bindings are passed, so knex leaves the SQL untouched and pg runs it as one multi-statement query.
      up: async (knex) => {
        await knex.raw(sql);
      },
      down: async () => {
        throw new Error(`Migrations are forward-only; ${file} cannot be reverted`);
      },
    };
  }
}

export const MIGRATION_TABLE = 'otto_migrations';

/** Applies Otto's pending migrations; returns the names applied now. */
export async function migrateOtto(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({
    migrationSource: new SqlMigrationSource(),
    tableName: MIGRATION_TABLE,
  })) as [number, string[]];
  return applied;
}

/** Otto's schema, then graphile-worker's. Safe to run concurrently and repeatedly. */
export async function migrateAll(db: Db, connectionString: string): Promise<string[]> {
  const applied = await migrateOtto(db);
  await runWorkerMigrations({ connectionString, logger: undefined });
  return applied;
}
