// Forward-only, numbered, plain-SQL migrations (src/db/migrations/NNNN_name.sql), applied in order by
// knex's migrator inside a transaction each, recorded in `otto_migrations`. graphile-worker migrates its
// own schema; ours never touches it. A session advisory lock around the whole run lets two deploys migrate
// at once (D187).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runMigrations as runWorkerMigrations } from 'graphile-worker';
import type { Knex } from 'knex';
import pg from 'pg';
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

/** The advisory lock key of a migration run (any constant shared by every Otto: 'otto' in ASCII). */
export const MIGRATION_LOCK_KEY = 0x6f74746f;

/**
 * Otto's schema, then graphile-worker's. Safe to run concurrently and repeatedly: knex's own lock row makes
 * a second concurrent run fail ("Migration table is already locked") rather than wait, so every run first
 * takes a session advisory lock on a connection of its own and the second one waits, then finds nothing
 * to apply (D187).
 */
export async function migrateAll(db: Db, connectionString: string): Promise<string[]> {
  const lock = new pg.Client({ connectionString });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await migrateOtto(db);
    await runWorkerMigrations({ connectionString, logger: undefined });
    return applied;
  } finally {
    // Ending the session releases its advisory lock, even when the run failed half-way.
    await lock.end();
  }
}

export class MigrationsPendingError extends Error {
  constructor(readonly pending: string[]) {
    super(
      `the database lacks ${pending.length} migration(s) (${pending.join(', ')}); run \`npm run db:migrate\` ` +
        '(node dist/scripts/db-migrate.js) first, or set OTTO_MIGRATE_ON_START=true',
    );
  }
}

/** Otto's migrations not yet applied, read without writing (knex's own listing creates its tables). */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const files = await new SqlMigrationSource().getMigrations();
  const exists = await db.raw('SELECT to_regclass(?) AS t', [MIGRATION_TABLE]);
  if (!exists.rows[0].t) return files;
  const done = new Set((await db(MIGRATION_TABLE).select('name')).map((r: { name: string }) => r.name));
  return files.filter((f) => !done.has(f));
}

/**
 * Whether Otto migrates as it starts (OTTO_MIGRATE_ON_START). By default yes, except in production against
 * a Postgres server (DATABASE_URL): there migrations are a deploy step of their own, run once before the
 * new processes start, and Otto refuses to start on a database that lacks one (D188). Read here rather
 * than in config.ts so that the security work on config.ts (issue 16) merges without a conflict.
 */
export function migrateOnStart(env: Record<string, string | undefined>): boolean {
  const v = env.OTTO_MIGRATE_ON_START;
  if (v === undefined || v === '') return !(env.NODE_ENV === 'production' && env.DATABASE_URL);
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new Error(`OTTO_MIGRATE_ON_START must be true or false, not "${v}"`);
}
